"""The scenario format of the looked-after care record (issue 13): `children[].care` and the
health appointments and transition plans, in one table per list.

Each `CareList` declares its keys (schema), the model and the service that creates a row,
the key whose date the fact became known on (replay applies it then), and the date keys
recorded later by their own operation (e.g. the day the health information was shared
with the placement), so a replay shows the record as it stood on each day. The loader
(loader.py `_Builder.child`) calls `build_care`; the exporter (export.py) uses `SECTIONS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from safeguard.care import services as care_services
from safeguard.care.models import (
    CapacityAssessment,
    EducationSetting,
    HomelessAssessment,
    LeavingCareRecord,
    PersonalEducationPlan,
    PlacementPlan,
)
from safeguard.health import services as health_services
from safeguard.health.models import (
    Appointment,
    TransitionPlan,
)

from .schema import (
    APPOINTMENT,
    CAPACITY,
    EDUCATION,
    HOMELESS,
    LEAVING_CARE,
    PEP,
    PLACEMENT_PLAN,
    TRANSITION,
    Field,
)


@dataclass(frozen=True)
class Later:
    """A date key recorded by its own operation when it is after the row became known."""

    key: str
    model_field: str
    apply: Callable  # (obj, actor, value) -> obj


@dataclass(frozen=True)
class CareList:
    path: str  # e.g. "care.placement_plans" under children[]
    model: type
    schema: dict[str, Field]
    create: Callable
    effective: str  # the key whose date the row became known on
    fields: dict[str, str]  # scenario key -> model field (plain values)
    refs: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (field, kind)
    later: tuple[Later, ...] = ()
    related: str = ""  # the child's related name
    order: tuple[str, ...] = ()


def _shared(obj, actor, value):
    return care_services.record_health_information_shared(actor=actor, plan=obj, shared_on=value)


def _trained(obj, actor, value):
    return care_services.record_health_information_shared(actor=actor, plan=obj, trained_on=value)


def _end_setting(obj, actor, value):
    return care_services.end_education_setting(actor=actor, setting=obj, end_date=value)


LISTS: tuple[CareList, ...] = (
    CareList(
        "care.placement_plans",
        PlacementPlan,
        PLACEMENT_PLAN,
        care_services.record_placement_plan,
        "requested",
        {
            "requested": "requested_on",
            "health_needs": "health_needs",
            "medicines": "medicines",
            "behaviour_and_risks": "behaviour_and_risks",
            "education": "education",
            "contact": "contact",
            "matching_decision": "matching_decision",
            "training_needed": "training_needed",
            "delegated_authority": "delegated_authority",
            "synthetic": "synthetic",
        },
        later=(
            Later("health_information_shared", "health_information_shared_on", _shared),
            Later("carers_trained", "carers_trained_on", _trained),
        ),
        related="placement_plans",
        order=("requested_on", "id"),
    ),
    CareList(
        "care.capacity_assessments",
        CapacityAssessment,
        CAPACITY,
        care_services.record_capacity_assessment,
        "date",
        {k: k for k in CAPACITY if k not in ("assessor",)},
        refs={"assessor": ("assessor", "professional")},
        related="capacity_assessments",
        order=("date", "id"),
    ),
    CareList(
        "care.education",
        EducationSetting,
        EDUCATION,
        care_services.record_education_setting,
        "start",
        {
            "setting_type": "setting_type",
            "name": "name",
            "urn": "urn",
            "start": "start_date",
            "part_time": "part_time",
            "hours_per_week": "hours_per_week",
            "attendance_percent": "attendance_percent",
            "virtual_school_head": "virtual_school_head",
            "synthetic": "synthetic",
        },
        later=(Later("end", "end_date", _end_setting),),
        related="education_settings",
        order=("start_date", "id"),
    ),
    CareList(
        "care.peps",
        PersonalEducationPlan,
        PEP,
        care_services.record_pep,
        "date",
        {k: k for k in PEP},
        related="peps",
        order=("date", "id"),
    ),
    CareList(
        "care.leaving_care",
        LeavingCareRecord,
        LEAVING_CARE,
        care_services.record_leaving_care,
        "date",
        {k: k for k in LEAVING_CARE},
        related="leaving_care_records",
        order=("date", "id"),
    ),
    CareList(
        "care.homeless_assessments",
        HomelessAssessment,
        HOMELESS,
        care_services.record_homeless_assessment,
        "decided",
        {
            "presented": "presented_on",
            "decided": "decided_on",
            "decision": "decision",
            "reasons": "reasons",
            "synthetic": "synthetic",
        },
        related="homeless_assessments",
        order=("presented_on", "id"),
    ),
    CareList(
        "health.appointments",
        Appointment,
        APPOINTMENT,
        health_services.record_appointment,
        "date",
        {k: k for k in APPOINTMENT if k not in ("condition", "agency")},
        refs={"condition": ("condition", "condition"), "agency": ("agency", "agency")},
        related="appointments",
        order=("date", "id"),
    ),
    CareList(
        "health.transition_plans",
        TransitionPlan,
        TRANSITION,
        health_services.record_transition_plan,
        "date",
        {k: k for k in TRANSITION if k != "condition"},
        refs={"condition": ("condition", "condition")},
        related="transition_plans",
        order=("date", "id"),
    ),
)


# --------------------------------------------------------------------------- loading


def _create_handler(spec: CareList):
    def apply(op, ctx):
        from safeguard.episodes.models import Placement

        data = dict(op.data)
        child = ctx.get("child", op.child)
        for name, kind in spec.refs.values():
            if name in data:
                data[name] = ctx.maybe(kind, data[name])
        if "placement_start" in data:
            start = data.pop("placement_start")
            data["placement"] = Placement.objects.filter(child=child, start_date=start).first()
        obj = spec.create(actor=ctx.actor, child=child, **data)
        ctx.objects[op.key] = obj
        ctx.counts[spec.related] += 1
        return obj

    return apply


def _later_handler(later: Later):
    def apply(op, ctx):
        return later.apply(ctx.get(*op.key), ctx.actor, op.data["value"])

    return apply


def _placement_starts(child_rec) -> set[dt.date]:
    return {pl["start"] for pl in child_rec.get("placements", [])}


def build_care(builder, local_id: str, child_rec) -> None:
    """Operations for the child's care record and health appointments."""
    care = child_rec.get("care") or {}
    health = child_rec.get("health") or {}
    for spec in LISTS:
        section, name = spec.path.split(".")
        rows = (care if section == "care" else health).get(name, [])
        for rec in rows:
            _build_row(builder, local_id, child_rec, spec, rec)
    for rec in care.get("iro_disputes", []):
        _build_dispute(builder, local_id, rec)
    if care.get("death") is not None:
        _build_death(builder, local_id, child_rec, care["death"])


def _build_row(builder, local_id, child_rec, spec: CareList, rec) -> None:
    for key, (_name, kind) in spec.refs.items():
        if key in rec:
            builder._ref(rec, key, kind)
    effective = rec[spec.effective]
    data = {target: rec[key] for key, target in spec.fields.items() if key in rec}
    for key, (name, _kind) in spec.refs.items():
        if key in rec:
            data[name] = rec[key]
    condition = rec.get("condition") if "condition" in spec.refs else None
    known = builder.condition_ops.get(condition) if condition else None
    if known is not None and effective < known.effective:
        # An appointment (or plan) for the condition before its diagnosis was recorded
        # (tests and investigations come first): the condition is known from then, so the
        # record can refer to it, as a medicine's can (loader._health). Its diagnosed date
        # is unchanged.
        known.effective = effective
    if "placement_start" in rec:
        if rec["placement_start"] not in _placement_starts(child_rec):
            raise rec.error("placement_start", "no placement of this child starts on that day")
        effective = max(effective, rec["placement_start"])
        data["placement_start"] = rec["placement_start"]
    key = (spec.related, f"{local_id}/{rec.path}")
    later_ops = []
    for later in spec.later:
        if later.key not in rec:
            continue
        if rec[later.key] < rec[spec.effective]:
            raise rec.error(later.key, f"{rec[later.key]} is before the {spec.effective}")
        if rec[later.key] <= effective:
            data[later.model_field] = rec[later.key]
        else:
            later_ops.append((later, rec[later.key]))
    builder._op(
        f"record_{spec.related}",
        "start",
        effective,
        rec,
        local_id,
        key,
        data,
        _create_handler(spec),
    )
    for later, day in later_ops:
        op = builder._op(
            f"update_{spec.related}",
            "start",
            day,
            rec,
            local_id,
            key,
            {"value": day},
            _later_handler(later),
            {later.model_field: later.key},
        )
        op.source = rec.src(later.key)


def _raise_dispute(op, ctx):
    data = dict(op.data)
    data["raised_by"] = ctx.maybe("professional", data.get("raised_by"))
    obj = care_services.raise_dispute(actor=ctx.actor, child=ctx.get("child", op.child), **data)
    ctx.objects[op.key] = obj
    ctx.counts["iro_disputes"] += 1
    return obj


def _escalate(op, ctx):
    return care_services.escalate_dispute(actor=ctx.actor, dispute=ctx.get(*op.key), **op.data)


def _resolve(op, ctx):
    return care_services.resolve_dispute(actor=ctx.actor, dispute=ctx.get(*op.key), **op.data)


def _build_dispute(builder, local_id, rec) -> None:
    if "raised_by" in rec:
        builder._ref(rec, "raised_by", "professional")
    if ("resolved" in rec) != ("outcome" in rec):
        raise rec.error("resolved" if "outcome" in rec else "outcome", "give both or neither")
    key = ("iro_dispute", f"{local_id}/{rec.path}")
    data = {k: rec[k] for k in ("issue", "raised_by", "raised_by_name", "synthetic") if k in rec}
    data["raised_on"] = rec["raised"]
    builder._op("raise_dispute", "start", rec["raised"], rec, local_id, key, data, _raise_dispute)
    last = rec["raised"]
    for esc in rec.get("escalations", []):
        if esc["date"] < last:
            raise esc.error("date", f"{esc['date']} is before the previous stage ({last})")
        last = esc["date"]
        builder._op(
            "escalate_dispute",
            "start",
            esc["date"],
            esc,
            local_id,
            key,
            {"stage": esc["stage"], "on": esc["date"]},
            _escalate,
        )
    if "resolved" in rec:
        if rec["resolved"] < last:
            raise rec.error("resolved", f"{rec['resolved']} is before the last stage ({last})")
        builder._op(
            "resolve_dispute",
            "start",
            rec["resolved"],
            rec,
            local_id,
            key,
            {"on": rec["resolved"], "outcome": rec["outcome"]},
            _resolve,
        ).source = rec.src("resolved")


def _record_death(op, ctx):
    death = care_services.record_death(actor=ctx.actor, child=ctx.get("child", op.child), **op.data)
    ctx.objects[op.key] = death
    ctx.counts["deaths"] += 1
    return death


def _notification_done(op, ctx):
    death = ctx.get(*op.key)
    data = dict(op.data)
    recipient, name = data.pop("recipient"), data.pop("name")
    notification = death.notifications.filter(recipient=recipient, recipient_name=name).first()
    if notification is None:
        names = "; ".join(death.notifications.values_list("recipient_name", flat=True))
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {"name": f"the death workflow has no {recipient} notification {name!r} ({names})"}
        )
    return care_services.record_notification_done(
        actor=ctx.actor, notification=notification, **data
    )


def _build_death(builder, local_id, child_rec, rec) -> None:
    if child_rec.get("date_of_death") not in (None, rec["date"]):
        raise rec.error("date", "the date of death differs from the child's `date_of_death`")
    if rec["notified"] < rec["date"]:
        raise rec.error("notified", f"{rec['notified']} is before the death")
    key = ("death", local_id)
    data = {
        "date": rec["date"],
        "notified_on": rec["notified"],
        "circumstances": rec["circumstances"],
        "abuse_or_neglect_suspected": rec.get("abuse_or_neglect_suspected", False),
        "synthetic": rec.get("synthetic", False),
    }
    builder._op("record_death", "death", rec["notified"], rec, local_id, key, data, _record_death)
    for n in rec.get("notifications", []):
        if n["done"] < rec["date"]:
            raise n.error("done", f"{n['done']} is before the death")
        builder._op(
            "notification_done",
            "death",
            max(n["done"], rec["notified"]),
            n,
            local_id,
            key,
            {
                "recipient": n["recipient"],
                "name": n["name"],
                "done_on": n["done"],
                "note": n.get("note", ""),
            },
            _notification_done,
            {"recipient_name": "name", "done_on": "done"},
        )


def _record_action(op, ctx):
    data = dict(op.data)
    data["owner"] = ctx.maybe("professional", data.get("owner"))
    assessment = ctx.get(*data.pop("assessment_key"))
    obj = care_services.record_health_recommendation(actor=ctx.actor, assessment=assessment, **data)
    ctx.objects[op.key] = obj
    ctx.counts["health_recommendations"] += 1
    return obj


def _follow_up_action(op, ctx):
    return care_services.record_recommendation_follow_up(
        actor=ctx.actor, recommendation=ctx.get(*op.key), **op.data
    )


def build_health_actions(builder, local_id: str, assessment_rec, assessment_key) -> None:
    """A health assessment's `actions`: each known from the assessment's day, its
    follow-up from the day it was followed up (so a replay sees it open until then)."""
    day = assessment_rec["date"]
    for rec in assessment_rec.get("actions", []):
        if "owner" in rec:
            builder._ref(rec, "owner", "professional")
        if ("followed_up" in rec) != ("outcome" in rec):
            raise rec.error(
                "followed_up" if "outcome" in rec else "outcome", "give both or neither"
            )
        if rec["due"] < day:
            raise rec.error("due", f"{rec['due']} is before the assessment ({day})")
        key = ("health_recommendation", f"{local_id}/{rec.path}")
        data = {k: rec[k] for k in ("action", "owner", "owner_name", "synthetic") if k in rec}
        data["due_on"] = rec["due"]
        data["assessment_key"] = assessment_key
        builder._op(
            "record_health_recommendation", "start", day, rec, local_id, key, data, _record_action
        )
        if "followed_up" in rec:
            if rec["followed_up"] < day:
                raise rec.error(
                    "followed_up", f"{rec['followed_up']} is before the assessment ({day})"
                )
            builder._op(
                "follow_up_health_recommendation",
                "start",
                rec["followed_up"],
                rec,
                local_id,
                key,
                {
                    "followed_up_on": rec["followed_up"],
                    "outcome": rec["outcome"],
                    "not_done_reason": rec.get("not_done_reason", ""),
                    "notes": rec.get("follow_up_notes", ""),
                },
                _follow_up_action,
                {"followed_up_on": "followed_up", "outcome": "outcome"},
            ).source = rec.src("followed_up")


COUNTS = [spec.related for spec in LISTS] + ["iro_disputes", "deaths", "health_recommendations"]
