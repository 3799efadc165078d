"""The scenario format's front door and help at home (under each child): contacts and
their decisions, assessments, the household over time, checks on its adults, injuries and
child protection medicals, case closures; and, at the top level, workers' absences.

Each record becomes dated operations like the rest of the loader's: created on the day it
began (received, started, joined, requested, noticed) and updated on each later day the
record says something became known (decided; child seen, completed; left; result; medical
requested, held), so replay sees a contact undecided or an assessment open for exactly as
long as it was.
"""

from __future__ import annotations

from safeguard.frontdoor import services
from safeguard.frontdoor.models import AdultCheck, Assessment, Contact, HouseholdMember, Injury

# The loader's names are imported inside the functions: loader.py imports this module.


def _staged(builder, rec, local_id, key, kind, stages, create, update, field_keys):
    """stages: [(date, {field: value}[, phase])] with the creating stage first. Later stages
    on the same day and phase as an earlier one are folded into it (an update op would
    otherwise need its own phase to run after the create). Phase "event" unless given."""
    merged: list[tuple] = []
    for day, fields, *phase in stages:
        if day is None:
            continue
        phase = phase[0] if phase else "event"
        if merged and day <= merged[-1][0] and phase == merged[-1][2]:
            merged[-1][1].update(fields)
        else:
            merged.append((day, dict(fields), phase))
    first_day, first_fields, first_phase = merged[0]
    builder._op(
        f"record_{kind}",
        first_phase,
        first_day,
        rec,
        local_id,
        key,
        first_fields,
        create,
        field_keys,
    )
    for day, fields, phase in merged[1:]:
        builder._op(f"update_{kind}", phase, day, rec, local_id, key, fields, update, field_keys)


def _resolve(ctx, data, refs):
    data = dict(data)
    for name, kind in refs.items():
        if name in data:
            data[name] = ctx.maybe(kind, data[name])
    return data


def _creator(service, count_key, refs):
    def apply(op, ctx):
        obj = service(
            actor=ctx.actor, child=ctx.get("child", op.child), **_resolve(ctx, op.data, refs)
        )
        ctx.objects[op.key] = obj
        ctx.counts[count_key] += 1
        return obj

    return apply


def _updater(refs):
    def apply(op, ctx):
        obj = ctx.get(*op.key)
        obj = services._update(ctx.actor, obj, _resolve(ctx, op.data, refs))
        ctx.objects[op.key] = obj
        return obj

    return apply


_CONTACT_REFS = {
    "referrer_agency": "agency",
    "recorded_by": "professional",
    "decided_by": "professional",
    "concern": "concern",
}
_ASSESSMENT_REFS = {"contact": "contact", "worker": "professional", "concern": "concern"}
_CHECK_REFS = {"person": "person", "agency": "agency"}
_INJURY_REFS = {"agency": "agency"}


def child(builder, local_id: str, rec) -> None:
    contacts = {}
    for c in rec.get("contacts", []):
        _contact(builder, local_id, c, contacts)
    for a in rec.get("assessments", []):
        _assessment(builder, local_id, a, contacts)
    for h in rec.get("household", []):
        _household(builder, local_id, h)
    for c in rec.get("adult_checks", []):
        _adult_check(builder, local_id, c)
    for i in rec.get("injuries", []):
        _injury(builder, local_id, i)
    for c in rec.get("closures", []):
        for key in ("closed_by",):
            if key in c:
                builder._ref(c, key, "professional")
        data = {
            "closed_on": c["closed"],
            "reason": c["reason"],
            "closed_by": c.get("closed_by"),
            "synthetic": c.get("synthetic", False),
        }
        builder._op(
            "close_case",
            "event",
            c["closed"],
            c,
            local_id,
            ("closure", f"{local_id}/{c.path}"),
            data,
            _apply_closure,
            {"closed_on": "closed"},
        )


def _contact(builder, local_id, rec, contacts):
    from .loader import _quote

    if "id" in rec:
        if rec["id"] in contacts:
            raise rec.error("id", f"duplicate contact id {_quote(rec['id'])}")
        contacts[rec["id"]] = rec
    # (`concern` is checked once the concerns are read: _check_contact_concerns.)
    for key in ("referrer_agency", "recorded_by", "decided_by"):
        if key in rec:
            builder._ref(rec, key, _CONTACT_REFS[key])
    builder._check_order(rec, "received", "decided")
    decided = {"decision", "decided", "reason"} & set(rec.values)
    if decided and decided != {"decision", "decided", "reason"}:
        missing = sorted({"decision", "decided", "reason"} - decided)[0]
        raise rec.error(missing, "give the decision, its date and its reason together")
    first = {
        "kind": rec.get("kind", "contact"),
        "received_on": rec["received"],
        "source": rec["source"],
        "referrer_agency": rec.get("referrer_agency"),
        "referrer_name": rec.get("referrer_name", ""),
        "referrer_relationship": rec.get("referrer_relationship", ""),
        "summary": rec["summary"],
        "recorded_by": rec.get("recorded_by"),
        "synthetic": rec.get("synthetic", False),
    }
    stages = [(rec["received"], first)]
    if "concern" in rec and not decided:
        raise rec.error("concern", "a concern is raised by a decision (give it)")
    if decided:
        decision = {
            "decision": rec["decision"],
            "decision_reason": rec["reason"],
            "decided_on": rec["decided"],
            "decided_by": rec.get("decided_by"),
            "judged_malicious": rec.get("judged_malicious", False),
            "referrer_spoken_to": rec.get("referrer_spoken_to", False),
        }
        if "concern" in rec:
            # The concern (top-level `concerns`) is recorded in its own phase on its day:
            # the decision that names it comes after it (phase "meeting").
            decision["concern"] = rec["concern"]
            builder.__dict__.setdefault("contact_concerns", []).append((rec, local_id))
            stages.append((rec["decided"], decision, "meeting"))
        else:
            stages.append((rec["decided"], decision))
    elif rec.get("judged_malicious") or rec.get("referrer_spoken_to"):
        first["referrer_spoken_to"] = rec.get("referrer_spoken_to", False)
        first["judged_malicious"] = rec.get("judged_malicious", False)
    key = ("contact", f"{local_id}/{rec['id']}" if "id" in rec else f"{local_id}/{rec.path}")
    rec_key = key
    _staged(
        builder,
        rec,
        local_id,
        rec_key,
        "contact",
        stages,
        _apply_contact,
        _apply_contact_update,
        {
            "received_on": "received",
            "decided_on": "decided",
            "decision_reason": "reason",
            "referrer_agency": "referrer_agency",
            "source": "source",
            "concern": "concern",
        },
    )


def _apply_contact(op, ctx):
    data = _resolve(ctx, op.data, _CONTACT_REFS)
    if data.get("decided_on"):
        data["concern_recorded_at"] = services.concern_recorded_at(data["decided_on"])
    contact = services.record_contact(actor=ctx.actor, child=ctx.get("child", op.child), **data)
    ctx.objects[op.key] = contact
    ctx.counts["contacts"] += 1
    return contact


def _apply_contact_update(op, ctx):
    """The decision, through the service: a strategy discussion raises its concern (dated
    the day of the decision), as it does on the page."""
    data = _resolve(ctx, op.data, _CONTACT_REFS)
    contact = services.decide_contact(
        actor=ctx.actor,
        contact=ctx.get(*op.key),
        concern_recorded_at=services.concern_recorded_at(data["decided_on"]),
        **data,
    )
    ctx.objects[op.key] = contact
    return contact


def _assessment(builder, local_id, rec, contacts):
    from .loader import _quote

    if "contact" in rec and rec["contact"] not in contacts:
        raise rec.error("contact", f"no contact with id {_quote(rec['contact'])} for this child")
    if "worker" in rec:
        builder._ref(rec, "worker", "professional")
    builder._check_order(rec, "started", "child_seen")
    builder._check_order(rec, "started", "completed")
    factors = rec.get("factors", "").split()
    first = {
        "started_on": rec["started"],
        "contact": f"{local_id}/{rec['contact']}" if "contact" in rec else None,
        "worker": rec.get("worker"),
        "synthetic": rec.get("synthetic", False),
    }
    stages = [(rec["started"], first)]
    if "child_seen" in rec:
        stages.append(
            (
                rec["child_seen"],
                {
                    "child_seen_on": rec["child_seen"],
                    "seen_alone": rec.get("seen_alone"),
                    "not_seen_alone_reason": rec.get("not_seen_alone_reason", ""),
                },
            )
        )
    elif "seen_alone" in rec:
        raise rec.error("child_seen", "give when the child was seen with `seen_alone`")
    if "completed" in rec:
        completion = {
            "completed_on": rec["completed"],
            "outcome": rec.get("outcome", ""),
            "factors": factors,
        }
        if "concern" in rec:
            # As for a contact's decision: the concern (top-level `concerns`) is recorded
            # in its own phase on its day, and the completion that names it after it.
            completion["concern"] = rec["concern"]
            builder.__dict__.setdefault("contact_concerns", []).append((rec, local_id))
            stages.append((rec["completed"], completion, "meeting"))
        else:
            stages.append((rec["completed"], completion))
    elif factors:
        raise rec.error("completed", "factors are identified when the assessment is completed")
    if "concern" in rec and rec.get("outcome") != "strategy_discussion":
        raise rec.error("concern", "only a strategy_discussion outcome raises a concern")
    _staged(
        builder,
        rec,
        local_id,
        ("assessment", f"{local_id}/{rec.path}"),
        "assessment",
        stages,
        _apply_assessment,
        _apply_assessment_update,
        {
            "started_on": "started",
            "child_seen_on": "child_seen",
            "completed_on": "completed",
            "contact": "contact",
            "concern": "concern",
        },
    )


def _assessment_concern_time(data):
    return services.concern_recorded_at(data["completed_on"]) if data.get("completed_on") else None


def _apply_assessment(op, ctx):
    """Through the service, as on the page: a strategy discussion outcome raises its
    concern (dated the day completed) unless the file names the one it raised."""
    data = _resolve(ctx, op.data, _ASSESSMENT_REFS)
    assessment = services.record_assessment(
        actor=ctx.actor,
        child=ctx.get("child", op.child),
        concern_recorded_at=_assessment_concern_time(data),
        **data,
    )
    ctx.objects[op.key] = assessment
    ctx.counts["assessments"] += 1
    return assessment


def _apply_assessment_update(op, ctx):
    data = _resolve(ctx, op.data, _ASSESSMENT_REFS)
    assessment = services.update_assessment(
        actor=ctx.actor,
        assessment=ctx.get(*op.key),
        concern_recorded_at=_assessment_concern_time(data),
        **data,
    )
    ctx.objects[op.key] = assessment
    return assessment


def _household(builder, local_id, rec):
    builder._ref(rec, "person", "person")
    builder._check_order(rec, "joined", "left")
    first = {
        "person": rec["person"],
        "relationship": rec["relationship"],
        "adult": rec.get("adult", True),
        "joined_on": rec["joined"],
        "synthetic": rec.get("synthetic", False),
    }
    stages = [(rec["joined"], first)]
    if "left" in rec:
        stages.append((rec["left"], {"left_on": rec["left"]}))
    _staged(
        builder,
        rec,
        local_id,
        ("household", f"{local_id}/{rec.path}"),
        "household",
        stages,
        _creator(services.add_household_member, "household", {"person": "person"}),
        _updater({}),
        {"joined_on": "joined", "left_on": "left"},
    )


def _adult_check(builder, local_id, rec):
    builder._ref(rec, "person", "person")
    if "agency" in rec:
        builder._ref(rec, "agency", "agency")
    builder._check_order(rec, "requested", "result_on")
    first = {
        "person": rec["person"],
        "kind": rec["kind"],
        "agency": rec.get("agency"),
        "requested_on": rec["requested"],
        "synthetic": rec.get("synthetic", False),
    }
    stages = [(rec["requested"], first)]
    if "result_on" in rec:
        stages.append(
            (
                rec["result_on"],
                {
                    "result_on": rec["result_on"],
                    "result": rec.get("result", ""),
                    "risk_to_children": rec.get("risk_to_children", False),
                },
            )
        )
    elif "result" in rec or rec.get("risk_to_children"):
        raise rec.error("result_on", "give the date of the result")
    _staged(
        builder,
        rec,
        local_id,
        ("adult_check", f"{local_id}/{rec.path}"),
        "adult_check",
        stages,
        _creator(services.request_adult_check, "adult_checks", _CHECK_REFS),
        _updater(_CHECK_REFS),
        {"requested_on": "requested"},
    )


def _injury(builder, local_id, rec):
    builder._ref(rec, "agency", "agency")
    builder._check_order(rec, "noticed", "medical_requested")
    builder._check_order(rec, "medical_requested", "medical_held")
    if "medical_held" in rec and "medical_requested" not in rec:
        raise rec.error("medical_requested", "give when the medical was requested")
    first = {
        "noticed_on": rec["noticed"],
        "agency": rec["agency"],
        "kind": rec["kind"],
        "body_site": rec["body_site"],
        "explanation": rec.get("explanation", ""),
        "child_mobile": rec["child_mobile"],
        "synthetic": rec.get("synthetic", False),
    }
    stages = [(rec["noticed"], first)]
    if "medical_requested" in rec:
        stages.append(
            (rec["medical_requested"], {"medical_requested_on": rec["medical_requested"]})
        )
    if "medical_held" in rec:
        stages.append(
            (
                rec["medical_held"],
                {
                    "medical_held_on": rec["medical_held"],
                    "medical_findings": rec.get("medical_findings", ""),
                    "findings_shared_with": rec.get("findings_shared_with", ""),
                },
            )
        )
    elif "medical_findings" in rec or "findings_shared_with" in rec:
        raise rec.error("medical_held", "give when the medical was held")
    _staged(
        builder,
        rec,
        local_id,
        ("injury", f"{local_id}/{rec.path}"),
        "injury",
        stages,
        _creator(services.record_injury, "injuries", _INJURY_REFS),
        _updater(_INJURY_REFS),
        {
            "noticed_on": "noticed",
            "medical_requested_on": "medical_requested",
            "medical_held_on": "medical_held",
        },
    )


def _apply_closure(op, ctx):
    data = dict(op.data)
    data["closed_by"] = ctx.maybe("professional", data["closed_by"])
    synthetic = data.pop("synthetic")
    closure = services.close_case(actor=ctx.actor, child=ctx.get("child", op.child), **data)
    if synthetic:
        closure.synthetic = True
        closure.save(update_fields=["synthetic"])
    ctx.objects[op.key] = closure
    ctx.counts["closures"] += 1
    return closure


def _check_contact_concerns(builder) -> None:
    """A contact's or assessment's `concern` names a concern in `concerns` (read after every
    file's children) about the same child, recorded by the day of the decision or of the
    assessment's completion."""
    from .loader import _quote

    concerns = {op.key[1]: op for op in builder.ops if op.kind == "record_concern"}
    for rec, local_id in getattr(builder, "contact_concerns", []):
        op = concerns.get(rec["concern"])
        if op is None:
            raise rec.error("concern", f"no concern with id {_quote(rec['concern'])} in the files")
        if local_id not in op.data["children"]:
            raise rec.error("concern", f"concern {_quote(rec['concern'])} is about another child")
        day, what = (rec["decided"], "decision") if "decided" in rec else (rec["completed"], "")
        if op.effective > day:
            raise rec.error(
                "concern",
                f"concern {_quote(rec['concern'])} was recorded after the "
                f"{what or 'assessment was completed'}",
            )


# --- top level: workers' absences


def build(builder, tops) -> None:
    _check_contact_concerns(builder)
    for top in tops:
        for rec in top.get("worker_absences", []):
            builder._ref(rec, "professional", "professional")
            if "covered_by" in rec:
                builder._ref(rec, "covered_by", "professional")
            builder._check_order(rec, "start", "end")
            data = {
                "professional": rec["professional"],
                "kind": rec["kind"],
                "start_date": rec["start"],
                "end_date": rec.get("end"),
                "covered_by": rec.get("covered_by"),
                "synthetic": rec.get("synthetic", False),
            }
            builder._op(
                "record_absence",
                "event",
                rec["start"],
                rec,
                None,
                ("absence", f"{rec.file}/{rec.path}"),
                data,
                _apply_absence,
                {"start_date": "start", "end_date": "end"},
            )


def _apply_absence(op, ctx):
    data = dict(op.data)
    data["professional"] = ctx.get("professional", data["professional"])
    data["covered_by"] = ctx.maybe("professional", data["covered_by"])
    absence = services.record_absence(actor=ctx.actor, **data)
    ctx.objects[op.key] = absence
    ctx.counts["worker_absences"] += 1
    return absence


MODELS = (Contact, Assessment, HouseholdMember, AdultCheck, Injury)
