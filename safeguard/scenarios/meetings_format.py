"""The scenario format's concerns, meetings, section 47 enquiries and plan milestones.

These are top-level sections (a concern or a MACE meeting can be about several children),
read after every file's children so they may refer to any child, event, professional or
agency. Each record becomes dated operations like the rest of the loader's: a meeting is
scheduled on `invited`, moved or cancelled on the day given, held on `held`, its minutes
recorded on `minutes_recorded` and each action completed on `completed`, so the replay
sees a meeting's minutes or actions outstanding for exactly as long as they were.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.models import check_date_order
from safeguard.episodes.models import Episode
from safeguard.meetings import services

# The loader's names are imported inside the functions: loader.py imports this module.


def _moment(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time(9, 0)))


def _day(value) -> dt.date:
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


def build(builder, tops) -> None:
    concerns: dict = {}
    meetings: dict = {}
    for top in tops:
        for rec in top.get("concerns", []):
            _concern(builder, rec, concerns)
    for top in tops:
        for rec in top.get("meetings", []):
            _meeting(builder, rec, concerns, meetings)
    for top in tops:
        for rec in top.get("s47_enquiries", []):
            _s47(builder, rec, meetings)
        for rec in top.get("milestones", []):
            _milestone(builder, rec, meetings)


def _children(builder, rec, key="children") -> list[str]:
    from .loader import ScenarioError, SourceRef, _quote

    refs = rec[key] if key == "children" else [(rec[key], None, rec.sub(key))]
    local_ids = []
    for ref, line, path in refs:
        if ref not in builder.children:
            where = SourceRef(rec.file, line or rec.key_lines.get(key, rec.line), path)
            raise ScenarioError(where, f"unknown child local_id {_quote(ref)}")
        if ref in local_ids:
            raise ScenarioError(SourceRef(rec.file, line, path), f"{_quote(ref)} is listed twice")
        local_ids.append(ref)
    return local_ids


def _event_ref(builder, rec, key, local_ids, effective):
    from .loader import _quote

    event_id = rec[key]
    if event_id not in builder.events:
        raise rec.error(key, f"no event with id {_quote(event_id)} in the files")
    owner, _, (_, _, recorded_at), _ = builder.events[event_id]
    if owner not in local_ids:
        raise rec.error(key, f"event {_quote(event_id)} is about another child")
    if timezone.localtime(recorded_at).date() > effective:
        raise rec.error(key, f"event {_quote(event_id)} was recorded after this ({effective})")
    return event_id


def _not_before(rec, key, day, what, earlier):
    try:  # the records' own rule (core.models.check_date_order), named at the line
        check_date_order(earlier, day)
    except ValidationError:
        raise rec.error(key, f"{day} is before {what} ({earlier})") from None


def _concern(builder, rec, concerns):
    local_ids = _children(builder, rec)
    builder._define(concerns, rec["id"], rec, "id", "concern id")
    builder._ref(rec, "source", "agency")
    if "raised_by" in rec:
        builder._ref(rec, "raised_by", "professional")
    elif "raised_by_name" not in rec:
        raise rec.error("raised_by", "missing (give raised_by or raised_by_name)")
    recorded = rec.get("recorded")
    effective = _day(recorded) if recorded is not None else rec["raised"]
    _not_before(rec, "recorded", effective, "the day it was raised", rec["raised"])
    data = {
        "children": local_ids,
        "kind": rec["kind"],
        "raised_on": rec["raised"],
        "summary": rec["summary"],
        "source": rec["source"],
        "raised_by": rec.get("raised_by"),
        "raised_by_name": rec.get("raised_by_name", ""),
        "risk_level": rec.get("risk_level", ""),
        "category": rec.get("category", ""),
        "recorded_at": _moment(recorded if recorded is not None else rec["raised"]),
        "synthetic": rec.get("synthetic", False),
    }
    if "trigger" in rec:
        data["trigger"] = _event_ref(builder, rec, "trigger", local_ids, effective)
    key = ("concern", rec["id"])
    keys = {"raised_on": "raised", "source_agency": "source", "trigger_event": "trigger"}
    builder._op(
        "record_concern", "concern", effective, rec, local_ids[0], key, data, _apply_concern, keys
    )
    if "closed" in rec:
        # A closure needs a reason: meetings.services.close_concern says so (one rule).
        _not_before(rec, "closed", rec["closed"], "the day it was raised", rec["raised"])
        builder._op(
            "close_concern",
            "concern",
            rec["closed"],
            rec,
            local_ids[0],
            key,
            {"closed_on": rec["closed"], "reason": rec.get("closed_reason", "")},
            _apply_close_concern,
            {"closed_on": "closed"},
        ).source = rec.src("closed")


def _meeting(builder, rec, concerns, meetings):
    from .loader import _quote

    local_ids = _children(builder, rec)
    builder._define(meetings, rec["id"], rec, "id", "meeting id")
    invited = rec.get("invited", _day(rec["scheduled"]))
    for key in ("chair", "minutes_recorded_by"):
        if key in rec:
            builder._ref(rec, key, "professional")
    if "trigger_concern" in rec and rec["trigger_concern"] not in concerns:
        raise rec.error("trigger_concern", f"no concern with id {_quote(rec['trigger_concern'])}")
    attendees = []
    for att in rec.get("attendees", []):
        if "professional" in att:
            builder._ref(att, "professional", "professional")
        elif "name" not in att:
            raise att.error("name", "missing (give professional or name)")
        if "agency" in att:
            builder._ref(att, "agency", "agency")
        elif "professional" not in att:
            raise att.error("agency", "missing (needed when the attendee has no account)")
        if "status" in att and "held" not in rec:
            raise att.error("status", "only a meeting that was held has attendance")
        keys = ("agency", "professional", "name", "role", "placement")
        attendees.append({k: att[k] for k in keys if k in att})
    data = {
        "kind": rec["kind"],
        "children": local_ids,
        "scheduled_for": _moment(rec["scheduled"]),
        "place": rec.get("place", ""),
        "chair": rec.get("chair"),
        "chair_name": rec.get("chair_name", ""),
        "trigger_concern": rec.get("trigger_concern"),
        "invitees": attendees,
        "synthetic": rec.get("synthetic", False),
    }
    if "trigger_event" in rec:
        data["trigger_event"] = _event_ref(builder, rec, "trigger_event", local_ids, invited)
    key = ("meeting", rec["id"])
    child = local_ids[0]
    builder._op(
        "schedule_meeting",
        "meeting",
        invited,
        rec,
        child,
        key,
        data,
        _apply_schedule,
        {"scheduled_for": "scheduled", "chair": "chair", "attendance": "attendees"},
    )
    last = invited
    for move in rec.get("moved", []):
        _not_before(move, "on", move["on"], "the invitations", last)
        last = move["on"]
        builder._op(
            "move_meeting",
            "meeting",
            move["on"],
            move,
            child,
            key,
            {"scheduled_for": _moment(move["to"]), "reason": move["reason"]},
            _apply_move,
            {"status_reason": "reason", "scheduled_for": "to"},
        )
    if "cancelled" in rec:
        cancel = rec["cancelled"]
        if "held" in rec:
            raise rec.error("cancelled", "a meeting is either held or cancelled")
        _not_before(cancel, "on", cancel["on"], "the invitations", last)
        builder._op(
            "cancel_meeting",
            "meeting",
            cancel["on"],
            cancel,
            child,
            key,
            {"reason": cancel["reason"]},
            _apply_cancel,
            {"status_reason": "reason"},
        )
    held_keys = {
        "decisions": "decisions",
        "outcome": "strategy_outcome",
        "conference_decision": "conference_decision",
        "category": "cp_category",
        "significant_harm_risk": "significant_harm_risk",
        "participation": "participation",
        "participation_how": "participation_how",
        "quality_sufficient": "quality_sufficient",
    }
    after_held = [k for k in (*held_keys, "minutes", "actions") if k in rec]
    if "held" not in rec:
        if after_held:
            raise rec.error(after_held[0], "only a meeting that was held has this (add `held`)")
        return
    held = rec["held"]
    _not_before(rec, "held", held, "the invitations", last)
    outcome = {target: rec[k] for k, target in held_keys.items() if k in rec}
    statuses = [att.get("status", "attended") for att in rec.get("attendees", [])]
    field_keys = {v: k for k, v in held_keys.items()} | {"held_on": "held"}
    builder._op(
        "hold_meeting",
        "meeting_held",
        held,
        rec,
        child,
        key,
        {"held_on": held, "statuses": statuses, "outcome": outcome},
        _apply_hold,
        field_keys,
    ).source = rec.src("held")
    if "minutes" in rec:
        at = rec.get("minutes_recorded", held)
        _not_before(rec, "minutes_recorded", _day(at), "the meeting", held)
        builder._op(
            "record_minutes",
            "meeting_after",
            _day(at),
            rec,
            child,
            key,
            {
                "minutes": rec["minutes"],
                "recorded_by": rec.get("minutes_recorded_by"),
                "recorded_at": _moment(at),
            },
            _apply_minutes,
        ).source = rec.src("minutes")
    elif "minutes_recorded" in rec or "minutes_recorded_by" in rec:
        raise rec.error("minutes", "missing (minutes_recorded needs the minutes)")
    for i, act in enumerate(rec.get("actions", [])):
        builder._ref(act, "owner", "professional")
        # An action's child must be one the meeting is about: meetings.services.add_action.
        act_child = _children(builder, act, "child")[0] if "child" in act else None
        _not_before(act, "due", act["due"], "the meeting", held)
        action_key = ("action", f"{rec['id']}/{i}")
        builder._op(
            "add_action",
            "meeting_after",
            held,
            act,
            child,
            action_key,
            {
                "meeting": rec["id"],
                "description": act["description"],
                "owner": act["owner"],
                "due_on": act["due"],
                "child": act_child,
                "synthetic": act.get("synthetic", False),
            },
            _apply_action,
            {"due_on": "due"},
        )
        if "completed" in act:
            if "evidence" not in act:
                raise act.error("evidence", "missing (say what shows it was done)")
            _not_before(act, "completed", act["completed"], "the meeting", held)
            builder._op(
                "complete_action",
                "meeting_after",
                act["completed"],
                act,
                child,
                action_key,
                {
                    "completed_on": act["completed"],
                    "evidence": act["evidence"],
                    "status": act.get("status", "done"),
                },
                _apply_complete_action,
                {"completed_on": "completed"},
            )
        elif "status" in act or "evidence" in act:
            raise act.error("completed", "missing (status and evidence need `completed`)")


def _s47(builder, rec, meetings):
    from .loader import _quote

    child = _children(builder, rec, "child")[0]
    ref = rec["strategy_discussion"]
    if ref not in meetings:
        raise rec.error("strategy_discussion", f"no meeting with id {_quote(ref)}")
    meeting = meetings[ref]
    if meeting["kind"] != "strategy_discussion":
        raise rec.error(
            "strategy_discussion", f"meeting {_quote(ref)} is not a strategy discussion"
        )
    if "held" not in meeting:
        raise rec.error("strategy_discussion", f"meeting {_quote(ref)} was not held")
    _not_before(rec, "started", rec["started"], "the strategy discussion", meeting["held"])
    if "lead" in rec:
        builder._ref(rec, "lead", "professional")
    key = ("s47", f"{child}/{rec.path}")
    data = {
        "child": child,
        "meeting": ref,
        "started_on": rec["started"],
        "lead": rec.get("lead"),
        "notes": rec.get("notes", ""),
        "synthetic": rec.get("synthetic", False),
    }
    keys = {"started_on": "started", "completed_on": "completed"}
    builder._op(
        "record_s47", "meeting_after", rec["started"], rec, child, key, data, _apply_s47, keys
    )
    if "completed" in rec:
        # A concluded enquiry has an outcome: meetings.services.conclude_s47 says so.
        _not_before(rec, "completed", rec["completed"], "the start", rec["started"])
        builder._op(
            "conclude_s47",
            "meeting_after",
            rec["completed"],
            rec,
            child,
            key,
            {"completed_on": rec["completed"], "outcome": rec.get("outcome", "")},
            _apply_conclude_s47,
            keys,
        ).source = rec.src("completed")
    elif "outcome" in rec:
        raise rec.error("completed", "missing (an outcome needs the date the enquiry concluded)")


def _milestone(builder, rec, meetings):
    from .loader import _quote

    child = _children(builder, rec, "child")[0]
    if "owner" in rec:
        builder._ref(rec, "owner", "professional")
    _not_before(rec, "due", rec["due"], "the day it was set", rec["set"])
    key = ("milestone", f"{child}/{rec.path}")
    data = {
        "child": child,
        "plan": rec["plan"],
        "description": rec["description"],
        "set_on": rec["set"],
        "due_on": rec["due"],
        "owner": rec.get("owner"),
        "owner_name": rec.get("owner_name", ""),
        "synthetic": rec.get("synthetic", False),
    }
    builder._op(
        "record_milestone",
        "meeting_after",
        rec["set"],
        rec,
        child,
        key,
        data,
        _apply_milestone,
        {"episode": "plan", "set_on": "set", "due_on": "due"},
    )
    if "reviewed" in rec:
        # A review says whether it was achieved: meetings.services.review_milestone.
        _not_before(rec, "reviewed", rec["reviewed"], "the day it was set", rec["set"])
        meeting = rec.get("reviewed_at")
        if meeting is not None and meeting not in meetings:
            raise rec.error("reviewed_at", f"no meeting with id {_quote(meeting)}")
        builder._op(
            "review_milestone",
            "meeting_after",
            rec["reviewed"],
            rec,
            child,
            key,
            {
                "status": rec.get("status", ""),
                "reviewed_on": rec["reviewed"],
                "meeting": meeting,
                "notes": rec.get("notes", ""),
            },
            _apply_review_milestone,
            {"reviewed_on": "reviewed", "reviewed_at": "reviewed_at"},
        )
    elif "status" in rec or "reviewed_at" in rec:
        raise rec.error("reviewed", "missing (a status needs the date it was reviewed)")


# --------------------------------------------------------------------------- applying


def _apply_concern(op, ctx):
    d = op.data
    concern = services.record_concern(
        actor=ctx.actor,
        children=[ctx.get("child", c) for c in d["children"]],
        kind=d["kind"],
        raised_on=d["raised_on"],
        summary=d["summary"],
        source_agency=ctx.get("agency", d["source"]),
        raised_by=ctx.maybe("professional", d["raised_by"]),
        raised_by_name=d["raised_by_name"],
        risk_level=d["risk_level"],
        category=d["category"],
        trigger_event=ctx.maybe("event", d.get("trigger")),
        recorded_at=d["recorded_at"],
        synthetic=d["synthetic"],
    )
    ctx.objects[op.key] = concern
    ctx.counts["concerns"] += 1
    return concern


def _apply_close_concern(op, ctx):
    return services.close_concern(actor=ctx.actor, concern=ctx.get(*op.key), **op.data)


def _invitee(ctx, item):
    professional = ctx.maybe("professional", item.get("professional"))
    agency = ctx.maybe("agency", item.get("agency")) or (professional and professional.agency)
    return {
        "agency": agency,
        "professional": professional,
        "name": item.get("name", ""),
        "role": item.get("role", ""),
        "placement": item.get("placement", False),
    }


def _apply_schedule(op, ctx):
    d = op.data
    meeting = services.schedule_meeting(
        actor=ctx.actor,
        kind=d["kind"],
        children=[ctx.get("child", c) for c in d["children"]],
        scheduled_for=d["scheduled_for"],
        place=d["place"],
        chair=ctx.maybe("professional", d["chair"]),
        chair_name=d["chair_name"],
        invitees=[_invitee(ctx, item) for item in d["invitees"]],
        trigger_concern=ctx.maybe("concern", d["trigger_concern"]),
        trigger_event=ctx.maybe("event", d.get("trigger_event")),
        synthetic=d["synthetic"],
    )
    ctx.objects[op.key] = meeting
    ctx.counts["meetings"] += 1
    return meeting


def _apply_move(op, ctx):
    meeting = services.move_meeting(actor=ctx.actor, meeting=ctx.get(*op.key), **op.data)
    ctx.objects[op.key] = meeting
    return meeting


def _apply_cancel(op, ctx):
    meeting = services.cancel_meeting(actor=ctx.actor, meeting=ctx.get(*op.key), **op.data)
    ctx.objects[op.key] = meeting
    return meeting


def _apply_hold(op, ctx):
    meeting = ctx.get(*op.key)
    rows = list(meeting.attendances.order_by("pk").values_list("pk", flat=True))
    attendance = [{"id": pk, "status": s} for pk, s in zip(rows, op.data["statuses"], strict=True)]
    meeting = services.hold_meeting(
        actor=ctx.actor,
        meeting=meeting,
        held_on=op.data["held_on"],
        attendance=attendance,
        **op.data["outcome"],
    )
    ctx.objects[op.key] = meeting
    return meeting


def _apply_minutes(op, ctx):
    d = op.data
    meeting = services.record_minutes(
        actor=ctx.actor,
        meeting=ctx.get(*op.key),
        minutes=d["minutes"],
        recorded_at=d["recorded_at"],
        recorded_by=ctx.maybe("professional", d["recorded_by"]),
    )
    ctx.objects[op.key] = meeting
    return meeting


def _apply_action(op, ctx):
    d = op.data
    action = services.add_action(
        actor=ctx.actor,
        meeting=ctx.get("meeting", d["meeting"]),
        description=d["description"],
        owner=ctx.get("professional", d["owner"]),
        due_on=d["due_on"],
        child=ctx.maybe("child", d["child"]),
        synthetic=d["synthetic"],
    )
    ctx.objects[op.key] = action
    ctx.counts["actions"] += 1
    return action


def _apply_complete_action(op, ctx):
    action = services.complete_action(actor=ctx.actor, action=ctx.get(*op.key), **op.data)
    ctx.objects[op.key] = action
    return action


def _apply_s47(op, ctx):
    d = op.data
    enquiry = services.record_s47(
        actor=ctx.actor,
        child=ctx.get("child", d["child"]),
        strategy_discussion=ctx.get("meeting", d["meeting"]),
        started_on=d["started_on"],
        lead=ctx.maybe("professional", d["lead"]),
        notes=d["notes"],
        synthetic=d["synthetic"],
    )
    ctx.objects[op.key] = enquiry
    ctx.counts["s47_enquiries"] += 1
    return enquiry


def _apply_conclude_s47(op, ctx):
    return services.conclude_s47(actor=ctx.actor, enquiry=ctx.get(*op.key), **op.data)


def _apply_milestone(op, ctx):
    d = op.data
    child = ctx.get("child", d["child"])
    episode = Episode.objects.filter(child=child, kind=d["plan"]).open_on(d["set_on"]).first()
    if episode is None:
        raise ValidationError(
            {
                "episode": f"{child.given_name} has no {d['plan'].replace('_', ' ')} plan open on "
                f"{d['set_on']}"
            }
        )
    milestone = services.record_milestone(
        actor=ctx.actor,
        child=child,
        episode=episode,
        description=d["description"],
        set_on=d["set_on"],
        due_on=d["due_on"],
        owner=ctx.maybe("professional", d["owner"]),
        owner_name=d["owner_name"],
        synthetic=d["synthetic"],
    )
    ctx.objects[op.key] = milestone
    ctx.counts["milestones"] += 1
    return milestone


def _apply_review_milestone(op, ctx):
    d = op.data
    milestone = services.review_milestone(
        actor=ctx.actor,
        milestone=ctx.get(*op.key),
        status=d["status"],
        reviewed_on=d["reviewed_on"],
        meeting=ctx.maybe("meeting", d["meeting"]),
        notes=d["notes"],
    )
    ctx.objects[op.key] = milestone
    return milestone
