"""Concerns, multi-agency meetings and what they decide.

A meeting concerns one or more children (a MACE meeting often covers several), so the
children are a many-to-many through `MeetingChild`; every write to a meeting is a write to
each of those children's records (services.py audits and announces it once per child).
Plans are the episodes app's child in need, child protection and looked-after (care plan)
episodes; `Milestone` adds what each plan says will happen, by whom and by when.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from safeguard.accounts.models import Agency
from safeguard.children.models import Child
from safeguard.episodes.codes import CPCategory


class ConcernKind(models.TextChoices):
    SIGNIFICANT_HARM = "significant_harm", "Significant harm (reasonable cause to suspect)"
    EXPLOITATION = "exploitation", "Exploitation"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Concern(models.Model):
    """A practitioner's concern of significant harm or of exploitation about one or more
    children: what strategy discussions and MACE meetings respond to.

    Contribute-without-seeing (recording.contribute) will let a partner who is not involved
    raise one after an exact-identifier match: `services.record_concern` takes the children
    and never reads their record, so that path can call it as it is.
    """

    kind = models.CharField(max_length=20, choices=ConcernKind.choices)
    # Exploitation risk grading (e.g. the Get Safe assessment); blank when not graded.
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, blank=True)
    category = models.CharField(
        "category of abuse", max_length=16, choices=CPCategory.choices, blank=True
    )
    raised_on = models.DateField()
    summary = models.TextField()
    source_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="concerns")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concerns_raised",
    )
    raised_by_name = models.CharField(max_length=200, blank=True)
    children = models.ManyToManyField(Child, through="ConcernChild", related_name="concerns")
    # The chronology entry that prompted it (a police incident, an exploitation concern).
    trigger_event = models.ForeignKey(
        "chronology.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )
    closed_on = models.DateField(null=True, blank=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField()
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-raised_on", "-pk"]
        indexes = [models.Index(fields=["kind", "raised_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} concern raised {self.raised_on:%-d %B %Y}"

    @property
    def needs_strategy_discussion(self) -> bool:
        return self.kind == ConcernKind.SIGNIFICANT_HARM or self.risk_level == RiskLevel.HIGH

    def clean(self):
        if self.closed_on and self.closed_on < self.raised_on:
            raise ValidationError({"closed_on": "A concern cannot close before it was raised"})
        if self.status == ConcernStatus.CLOSED and not self.closed_on:
            raise ValidationError({"closed_on": "Enter when the concern was closed"})
        if not self.raised_by_id and not self.raised_by_name:
            raise ValidationError({"raised_by": "Say who raised the concern"})


class ConcernChild(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="links")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="concern_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["concern", "child"], name="concern_child_unique")
        ]

    def __str__(self):
        return f"concern {self.concern_id} about child {self.child_id}"


class MeetingKind(models.TextChoices):
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"
    REVIEW_CONFERENCE = "review_conference", "Review child protection conference"
    CORE_GROUP = "core_group", "Core group"
    MACE = "mace", "MACE (multi-agency child exploitation) meeting"
    MISSING_REVIEW = "missing_review", "Missing-from-care review meeting"
    CLA_REVIEW = "cla_review", "Looked-after (CLA) review"
    PLACEMENT_PLANNING = "placement_planning", "Placement planning meeting"
    PROFESSIONALS = "professionals", "Professionals' meeting"


# Meetings that weigh exploitation or missing risk and must hand significant harm to child
# protection procedures (Recommendation 2: "must not be used in place of" them).
RISK_MEETINGS = (MeetingKind.MACE, MeetingKind.MISSING_REVIEW)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    MOVED = "moved", "Moved"
    CANCELLED = "cancelled", "Cancelled"


class StrategyOutcome(models.TextChoices):
    NFA = "nfa", "No further action"
    SINGLE_AGENCY = "single_agency", "Single-agency response"
    SECTION_47 = "s47", "Section 47 enquiry"


class ConferenceDecision(models.TextChoices):
    CP_PLAN = "cp_plan", "Child protection plan"
    CIN_PLAN = "cin_plan", "Child in need plan, not protection"
    CONTINUE_PLAN = "continue_plan", "Continue the child protection plan"
    END_PLAN = "end_plan", "End the child protection plan"
    NFA = "nfa", "No further action"


class Participation(models.TextChoices):
    ATTENDED = "attended", "Attended and spoke for themselves"
    ADVOCATE = "advocate", "Views given through an advocate"
    CONVEYED = "conveyed", "Views conveyed by another (e.g. social worker, IRO visit)"
    NONE = "none", "Did not take part"


class Meeting(models.Model):
    kind = models.CharField(max_length=24, choices=MeetingKind.choices)
    children = models.ManyToManyField(Child, through="MeetingChild", related_name="meetings")
    scheduled_for = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    # Why it was moved or cancelled.
    status_reason = models.CharField(max_length=300, blank=True)
    held_on = models.DateField(null=True, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings_chaired",
    )
    chair_name = models.CharField(max_length=200, blank=True)
    trigger_concern = models.ForeignKey(
        Concern, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    trigger_event = models.ForeignKey(
        "chronology.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decisions = models.TextField(blank=True)
    # MACE / missing review: the meeting recorded a risk of significant harm.
    significant_harm_risk = models.BooleanField(default=False)
    strategy_outcome = models.CharField(max_length=16, choices=StrategyOutcome.choices, blank=True)
    conference_decision = models.CharField(
        max_length=16, choices=ConferenceDecision.choices, blank=True
    )
    cp_category = models.CharField(
        "category of abuse", max_length=16, choices=CPCategory.choices, blank=True
    )
    # Looked-after review (CPPCR 2010 regs 33-38; the IRO chairs).
    participation = models.CharField(
        "child's participation", max_length=10, choices=Participation.choices, blank=True
    )
    participation_how = models.CharField(max_length=300, blank=True)
    quality_sufficient = models.BooleanField(
        "written information sufficient to evidence the plan",
        null=True,
        blank=True,
        help_text="The IRO's quality assurance question (Recommendation 6)",
    )
    minutes = models.TextField(blank=True)
    minutes_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="minutes_recorded",
    )
    minutes_recorded_at = models.DateTimeField(null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings_scheduled",
    )
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        indexes = [models.Index(fields=["kind", "status", "held_on"])]

    def __str__(self):
        when = self.held_on or self.scheduled_for.date()
        return f"{self.get_kind_display()} ({when:%-d %B %Y})"

    @property
    def chair_display(self) -> str:
        return str(self.chair) if self.chair_id else self.chair_name

    def clean(self):
        errors = {}
        if self.status == MeetingStatus.HELD and not self.held_on:
            errors["held_on"] = "Enter the date the meeting was held"
        if self.status != MeetingStatus.HELD and self.held_on:
            errors["held_on"] = "Only a held meeting has a date held"
        if self.status in (MeetingStatus.MOVED, MeetingStatus.CANCELLED) and not (
            self.status_reason.strip()
        ):
            errors["status_reason"] = (
                f"Give the reason the meeting was {self.get_status_display().lower()}"
            )
        if self.strategy_outcome and self.kind != MeetingKind.STRATEGY_DISCUSSION:
            errors["strategy_outcome"] = "Only a strategy discussion has this outcome"
        if self.conference_decision and self.kind not in (
            MeetingKind.INITIAL_CONFERENCE,
            MeetingKind.REVIEW_CONFERENCE,
        ):
            errors["conference_decision"] = "Only a child protection conference decides this"
        cla_only = (self.participation, self.participation_how, self.quality_sufficient)
        if self.kind != MeetingKind.CLA_REVIEW and any(v not in ("", None) for v in cla_only):
            errors["participation"] = "Participation and quality are recorded for CLA reviews"
        if self.minutes_recorded_at and self.status != MeetingStatus.HELD:
            errors["minutes"] = "Minutes are recorded for a meeting that was held"
        if errors:
            raise ValidationError(errors)


class MeetingChild(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="links")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="meeting_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "child"], name="meeting_child_unique")
        ]

    def __str__(self):
        return f"meeting {self.meeting_id} about child {self.child_id}"


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ATTENDED = "attended", "Attended"
    SENT_REPORT = "sent_report", "Sent apologies and a report"
    APOLOGIES = "apologies", "Sent apologies, no report"
    ABSENT = "absent", "Did not attend"


class Attendance(models.Model):
    """An invitee and, once the meeting is held, whether they came (or sent a report)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=12, choices=AttendanceStatus.choices, default=AttendanceStatus.INVITED
    )
    # Speaks for the looked-after child's placement (the foster carer or the home), whose
    # presence Working Together 2023 expects at a strategy discussion.
    placement = models.BooleanField("represents the child's placement", default=False)

    class Meta:
        ordering = ["meeting", "agency__name", "pk"]

    def __str__(self):
        who = str(self.professional) if self.professional_id else self.name
        return f"{who or self.agency} ({self.get_status_display().lower()})"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Completed"
    DROPPED = "dropped", "No longer needed"


class Action(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    # The child it is about, when the meeting covers several; blank: all of them.
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="meeting_actions"
    )
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_actions"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default="open")
    completed_on = models.DateField(null=True, blank=True)
    evidence = models.TextField("completion evidence", blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self):
        return f"{self.description[:60]} (due {self.due_on:%-d %B %Y})"

    def clean(self):
        errors = {}
        if self.status == ActionStatus.OPEN and (self.completed_on or self.evidence):
            errors["status"] = "An open action has no completion date or evidence"
        if self.status != ActionStatus.OPEN:
            if not self.completed_on:
                errors["completed_on"] = "Enter the date the action was completed or dropped"
            if not self.evidence.strip():
                errors["evidence"] = "Say what shows the action was completed (or why dropped)"
        if errors:
            raise ValidationError(errors)


class S47Outcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", "Concerns substantiated, not likely to suffer harm"
    NOT_SUBSTANTIATED = "not_substantiated", "Concerns not substantiated"
    LIKELY_HARM = "likely_harm", "Likely to suffer significant harm (conference)"


class S47Enquiry(models.Model):
    """A section 47 enquiry (Children Act 1989) about one child, started by a strategy
    discussion. Its outcome says whether an initial conference is needed; the conference's
    decision is on that conference (Meeting.conference_decision)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="s47_enquiries")
    strategy_discussion = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="s47_enquiries"
    )
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=S47Outcome.choices, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "started_on"]
        verbose_name = "section 47 enquiry"
        verbose_name_plural = "section 47 enquiries"

    def __str__(self):
        return f"Section 47 enquiry from {self.started_on:%-d %B %Y}"

    def clean(self):
        errors = {}
        if self.completed_on and self.completed_on < self.started_on:
            errors["completed_on"] = "The enquiry cannot end before it started"
        if self.outcome and not self.completed_on:
            errors["completed_on"] = "Enter when the enquiry concluded"
        if self.strategy_discussion_id:
            sd = self.strategy_discussion
            if sd.kind != MeetingKind.STRATEGY_DISCUSSION:
                errors["strategy_discussion"] = "A section 47 enquiry follows a strategy discussion"
            elif sd.held_on and self.started_on < sd.held_on:
                errors["started_on"] = (
                    f"The enquiry cannot start before the strategy discussion ({sd.held_on})"
                )
        if errors:
            raise ValidationError(errors)


class MilestoneStatus(models.TextChoices):
    OPEN = "open", "Not yet due or not yet reviewed"
    ACHIEVED = "achieved", "Achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"


class Milestone(models.Model):
    """What a plan (a child in need, child protection or looked-after episode) says will
    happen, who will do it and by when; reviewed at the plan's meetings."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="milestones")
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.PROTECT, related_name="milestones"
    )
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_name = models.CharField(max_length=200, blank=True)
    set_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=14, choices=MilestoneStatus.choices, default="open")
    reviewed_on = models.DateField(null=True, blank=True)
    # The review that looked at it last (a looked-after review's "milestones reviewed").
    reviewed_at = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="milestones_reviewed"
    )
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "due_on", "pk"]

    def __str__(self):
        return f"{self.description[:60]} (by {self.due_on:%-d %B %Y})"

    def clean(self):
        errors = {}
        if self.due_on and self.set_on and self.due_on < self.set_on:
            errors["due_on"] = "A milestone cannot be due before it was set"
        if self.episode_id and self.child_id and self.episode.child_id != self.child_id:
            errors["episode"] = "The plan belongs to another child"
        if self.episode_id and self.episode.kind == "early_help":
            errors["episode"] = "Milestones belong to a child in need, protection or care plan"
        if self.status != MilestoneStatus.OPEN and not self.reviewed_on:
            errors["reviewed_on"] = "Enter when the milestone was reviewed"
        if errors:
            raise ValidationError(errors)
