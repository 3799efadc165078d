"""Writes to the looked-after care record: validated, transactional, audited, announced."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from safeguard.access.audit import record_write, snapshot
from safeguard.core.changes import child_record_changed

from .models import (
    DISPUTE_STAGE_ORDER,
    CapacityAssessment,
    Death,
    DeathNotification,
    DisputeStage,
    EducationSetting,
    HealthRecommendation,
    HomelessAssessment,
    IroDispute,
    LeavingCareRecord,
    PersonalEducationPlan,
    PlacementPlan,
    Recipient,
)


def _create(model, *, actor, **fields):
    obj = model(**fields)
    with transaction.atomic():
        obj.full_clean()
        obj.save()
        record_write(actor, obj.child, "create", model, obj.pk, None, snapshot(obj))
        child_record_changed(obj.child_id)
    return obj


def _update(obj, *, actor, **changes):
    model = type(obj)
    with transaction.atomic():
        obj = model.objects.select_for_update().get(pk=obj.pk)
        before = snapshot(obj)
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.full_clean()
        if hasattr(obj, "version"):
            obj.version += 1
        obj.save()
        record_write(actor, obj.child, "update", model, obj.pk, before, snapshot(obj))
        child_record_changed(obj.child_id)
    return obj


def has_chronic_condition(child, on: dt.date) -> bool:
    from safeguard.health.models import Condition

    return (
        Condition.objects.filter(child=child, chronic=True)
        .filter(Q(diagnosed_on__isnull=True) | Q(diagnosed_on__lte=on))
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=on))
        .exists()
    )


def record_placement_plan(*, actor, **fields) -> PlacementPlan:
    """A placement request or plan. For a child with a long-term condition the plan must
    say how to manage it (Recommendation 9): Safeguard asks, and refuses a plan without."""
    child, on = fields.get("child"), fields.get("requested_on")
    if (
        child is not None
        and on is not None
        and not (fields.get("health_needs") or "").strip()
        and has_chronic_condition(child, on)
    ):
        raise ValidationError(
            {
                "health_needs": "This child has a long-term condition: say how the "
                "placement must manage it (for example the seizure plan and rescue "
                "medication)"
            }
        )
    return _create(PlacementPlan, actor=actor, **fields)


def record_health_information_shared(
    *, actor, plan: PlacementPlan, shared_on=None, trained_on=None
) -> PlacementPlan:
    """The carer/provider was given the child's health information, and/or trained to
    manage the condition (Recommendation 9)."""
    changes = {}
    if shared_on is not None:
        changes["health_information_shared_on"] = shared_on
    if trained_on is not None:
        changes["carers_trained_on"] = trained_on
    if not changes:
        raise ValidationError("Give the date the information was shared or carers trained")
    return _update(plan, actor=actor, **changes)


def record_capacity_assessment(*, actor, **fields) -> CapacityAssessment:
    return _create(CapacityAssessment, actor=actor, **fields)


def raise_dispute(*, actor, **fields) -> IroDispute:
    fields.setdefault("stage", DisputeStage.INFORMAL)
    fields.setdefault("stage_since", fields.get("raised_on"))
    return _create(IroDispute, actor=actor, **fields)


def escalate_dispute(*, actor, dispute: IroDispute, stage: str, on: dt.date) -> IroDispute:
    dispute = IroDispute.objects.get(pk=dispute.pk)  # the stage as stored, not as held
    if dispute.resolved_on:
        raise ValidationError({"stage": "This dispute has been resolved"})
    if stage not in DISPUTE_STAGE_ORDER or DISPUTE_STAGE_ORDER.index(
        stage
    ) <= DISPUTE_STAGE_ORDER.index(dispute.stage):
        raise ValidationError({"stage": "Escalate to a later stage than the current one"})
    return _update(dispute, actor=actor, stage=stage, stage_since=on)


def resolve_dispute(*, actor, dispute: IroDispute, on: dt.date, outcome: str) -> IroDispute:
    dispute = IroDispute.objects.get(pk=dispute.pk)
    if dispute.resolved_on:
        raise ValidationError({"resolved_on": "This dispute has already been resolved"})
    return _update(
        dispute, actor=actor, resolved_on=on, resolved_stage=dispute.stage, outcome=outcome
    )


def record_health_recommendation(*, actor, assessment, **fields) -> HealthRecommendation:
    """One action the health assessment recommends, for a named person, due by a date."""
    return _create(
        HealthRecommendation, actor=actor, child=assessment.child, assessment=assessment, **fields
    )


def record_recommendation_follow_up(
    *,
    actor,
    recommendation: HealthRecommendation,
    followed_up_on: dt.date,
    outcome: str,
    not_done_reason: str = "",
    notes: str = "",
) -> HealthRecommendation:
    """The recommendation was followed up: done, or not done and why. Recorded once; a
    recommendation already followed up is not changed (a new one is recorded instead)."""
    with transaction.atomic():
        current = HealthRecommendation.objects.select_for_update().get(pk=recommendation.pk)
        if current.followed_up_on is not None:
            raise ValidationError({"followed_up_on": "This recommendation was already followed up"})
        return _update(
            current,
            actor=actor,
            followed_up_on=followed_up_on,
            outcome=outcome,
            not_done_reason=not_done_reason,
            follow_up_notes=notes,
        )


def record_education_setting(*, actor, **fields) -> EducationSetting:
    return _create(EducationSetting, actor=actor, **fields)


def end_education_setting(*, actor, setting: EducationSetting, end_date) -> EducationSetting:
    return _update(setting, actor=actor, end_date=end_date)


def record_pep(*, actor, **fields) -> PersonalEducationPlan:
    return _create(PersonalEducationPlan, actor=actor, **fields)


def record_leaving_care(*, actor, **fields) -> LeavingCareRecord:
    return _create(LeavingCareRecord, actor=actor, **fields)


def record_homeless_assessment(*, actor, **fields) -> HomelessAssessment:
    return _create(HomelessAssessment, actor=actor, **fields)


# --------------------------------------------------------------------------- death


@dataclass(frozen=True)
class Step:
    """One recipient of the death workflow: when they are due to be told and why."""

    recipient: str
    days: int
    working_days: bool
    source: str
    how: str
    unconfirmed: bool = False


# Due dates count from the day children's services learnt of the death.
WORKFLOW = {
    Recipient.PARENT: Step(
        Recipient.PARENT,
        1,
        False,
        "Children Act 1989 Sch 2 para 20(1)(b): each parent and every person with parental "
        "responsibility, so far as reasonably practicable",
        "In person, by the allocated social worker with a manager",
        unconfirmed=True,
    ),
    Recipient.SECRETARY_OF_STATE: Step(
        Recipient.SECRETARY_OF_STATE,
        1,
        True,
        "Children Act 1989 Sch 2 para 20(1)(a); Children's Homes Regs 2015 reg 40; Fostering "
        "Services Regs 2011 reg 36 (Ofsted, without delay)",
        "Ofsted notification form",
        unconfirmed=True,
    ),
    Recipient.NATIONAL_PANEL: Step(
        Recipient.NATIONAL_PANEL,
        5,
        True,
        "Children Act 2004 s16C; Working Together 2023 ch. 5 (within 5 working days, where "
        "abuse or neglect is known or suspected)",
        "Serious incident notification (online)",
    ),
    Recipient.PLACEMENT_PROVIDER: Step(
        Recipient.PLACEMENT_PROVIDER,
        1,
        False,
        "CPPCR 2010 reg 13 (those told of the placement are told it has ended)",
        "By telephone, then in writing",
        unconfirmed=True,
    ),
    Recipient.IRO: Step(
        Recipient.IRO,
        1,
        True,
        "Children Act 1989 s25B; IRO Handbook 2010",
        "By telephone, then in writing",
        unconfirmed=True,
    ),
    Recipient.PARTNER_AGENCY: Step(
        Recipient.PARTNER_AGENCY,
        1,
        True,
        "Working Together 2023 ch. 1 (information sharing); Child Death Review statutory "
        "guidance 2018",
        "In writing, to the agency's safeguarding lead",
        unconfirmed=True,
    ),
    Recipient.RAPID_REVIEW: Step(
        Recipient.RAPID_REVIEW,
        15,
        True,
        "Working Together 2023 ch. 5 (rapid review within 15 working days of the serious "
        "incident notification)",
        "Convened by the safeguarding partners",
    ),
}


def due_date(step: Step, notified_on: dt.date) -> dt.date:
    if step.working_days:
        from safeguard.core.workdays import add_working_days

        return add_working_days(notified_on, step.days)
    return notified_on + dt.timedelta(days=step.days)


def workflow_recipients(child, death: Death):
    """Everyone the death workflow tells, named from the record as it stood on the day of
    death: (recipient, name, person, agency, who_tells)."""
    from safeguard.accounts.models import AgencyKind
    from safeguard.children.models import Involvement, InvolvementRole, Relationship
    from safeguard.episodes.models import Placement

    on = death.date
    involvements = list(
        Involvement.objects.current(on).filter(child=child).select_related("professional")
    )
    social_workers = [
        i.professional for i in involvements if i.role == InvolvementRole.ALLOCATED_SOCIAL_WORKER
    ]
    teller = str(social_workers[0].get_full_name()) if social_workers else "Allocated social worker"
    out = []
    pr_holders = (
        Relationship.objects.filter(child=child, parental_responsibility=True)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=on))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .select_related("person")
        .order_by("id")
    )
    seen = set()
    for rel in pr_holders:
        if rel.person_id in seen:
            continue
        seen.add(rel.person_id)
        person = rel.person
        name = f"{person.given_name} {person.family_name}".strip()
        out.append(
            (Recipient.PARENT, f"{name} ({rel.get_relationship_display()})", person, None, teller)
        )
    out.append(
        (Recipient.SECRETARY_OF_STATE, "Secretary of State, through Ofsted", None, None, teller)
    )
    if death.abuse_or_neglect_suspected:
        out.append(
            (
                Recipient.NATIONAL_PANEL,
                "Child Safeguarding Practice Review Panel",
                None,
                None,
                "Local safeguarding partners (the local authority notifies)",
            )
        )
        out.append(
            (
                Recipient.RAPID_REVIEW,
                "Rapid review by the local safeguarding partners",
                None,
                None,
                "Safeguarding partnership business unit",
            )
        )
    placement = Placement.objects.open_on(on).filter(child=child).first()
    if placement is not None:
        out.append(
            (
                Recipient.PLACEMENT_PROVIDER,
                placement.provider_name or placement.get_placement_type_display(),
                None,
                None,
                teller,
            )
        )
    for inv in involvements:
        if inv.role == InvolvementRole.IRO:
            out.append((Recipient.IRO, str(inv.professional.get_full_name()), None, None, teller))
    agencies = {}
    for inv in involvements:
        agency = inv.professional.agency
        if agency.kind != AgencyKind.CHILDRENS_SOCIAL_CARE and inv.role not in (
            InvolvementRole.ALLOCATED_SOCIAL_WORKER,
            InvolvementRole.TEAM_MANAGER,
            InvolvementRole.IRO,
        ):
            agencies.setdefault(agency.id, agency)
    for agency in sorted(agencies.values(), key=lambda a: a.name):
        out.append((Recipient.PARTNER_AGENCY, agency.name, None, agency, teller))
    return out


def record_death(
    *,
    actor,
    child,
    date: dt.date,
    notified_on: dt.date,
    circumstances: str,
    abuse_or_neglect_suspected: bool = False,
    synthetic: bool = False,
) -> Death:
    """Record the death and start the notification workflow: one task per recipient, each
    with its due date, in one transaction."""
    from safeguard.children import services as children_services
    from safeguard.episodes.models import Episode, EpisodeKind

    with transaction.atomic():
        if child.date_of_birth is None:
            raise ValidationError({"date": "Record the birth first"})
        eligible = Episode.objects.filter(
            child=child, kind__in=(EpisodeKind.LOOKED_AFTER, EpisodeKind.PATHWAY_PLAN)
        ).filter(start_date__lte=date)
        if not eligible.exists():
            raise ValidationError(
                {
                    "date": "The death workflow is for a looked-after child or care leaver: "
                    "this child has no looked-after or pathway plan episode by that date"
                }
            )
        if child.date_of_death != date:
            child = children_services.record_date_of_death(
                actor=actor, child=child, date_of_death=date
            )
        death = _create(
            Death,
            actor=actor,
            child=child,
            date=date,
            notified_on=notified_on,
            circumstances=circumstances,
            abuse_or_neglect_suspected=abuse_or_neglect_suspected,
            recorded_by=actor,
            synthetic=synthetic,
        )
        for recipient, name, person, agency, who in workflow_recipients(child, death):
            step = WORKFLOW[recipient]
            _create(
                DeathNotification,
                actor=actor,
                death=death,
                child=child,
                recipient=recipient,
                recipient_name=name[:200],
                person=person,
                agency=agency,
                due_date=due_date(step, notified_on),
                who_tells=who[:200],
                how=step.how,
                synthetic=synthetic,
            )
    return death


def record_notification_done(
    *, actor, notification: DeathNotification, done_on: dt.date, note: str = ""
) -> DeathNotification:
    if done_on < notification.death.date:
        raise ValidationError({"done_on": "This cannot be before the death"})
    return _update(notification, actor=actor, done_on=done_on, note=note or notification.note)
