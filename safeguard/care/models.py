"""Looked-after care beyond the episode and placement: what a placement is told and agrees
(placement plan), capacity at 16-17, IRO disputes, education, leaving care and the death of
a looked-after child or care leaver.

Each record belongs to one child and is written through services.py. Sources: Care Planning,
Placement and Case Review (England) Regulations 2010 (CPPCR) regs 9 (placement plan), 10-11
(placements out of area), 36-45 (reviews, IRO), 40 and Sch 5 (death of a looked-after
child); Care Leavers (England) Regulations 2010; Mental Capacity Act 2005 ss1-4; the
practice review 'Sarah' (Worcestershire, 2021), Recommendations 6, 8, 9 and 10.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from safeguard.accounts.models import Agency
from safeguard.children.models import Child, Person
from safeguard.core.models import check_date_order
from safeguard.episodes.models import Placement


def _professional(related_name):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
    )


class PlacementPlan(models.Model):
    """The placement request (the child's needs for the search and the matching decision)
    and, once matched, the placement plan (CPPCR reg 9 and Sch 2): what the carer was told
    and trained to do, and who holds delegated authority for what."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="placement_plans")
    placement = models.ForeignKey(
        Placement, on_delete=models.PROTECT, null=True, blank=True, related_name="plans"
    )
    requested_on = models.DateField("date of the placement request")
    health_needs = models.TextField(
        blank=True, help_text="Health conditions and how to manage them (e.g. a seizure plan)"
    )
    medicines = models.TextField(blank=True)
    behaviour_and_risks = models.TextField(blank=True)
    education = models.TextField(blank=True)
    contact = models.TextField(blank=True)
    matching_decision = models.TextField(blank=True)
    # Recommendation 9: the placement knows how to manage the condition before the child
    # arrives. A date for each, empty until it happened.
    health_information_shared_on = models.DateField(null=True, blank=True)
    carers_trained_on = models.DateField(null=True, blank=True)
    training_needed = models.TextField(
        blank=True, help_text="What the carers needed training in (e.g. rescue medication)"
    )
    delegated_authority = models.TextField(
        blank=True, help_text="Who may decide what day to day (carer, provider, social worker)"
    )
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "requested_on"]

    def __str__(self):
        return f"Placement plan requested on {self.requested_on}"

    def clean(self):
        if self.placement_id and self.child_id and self.placement.child_id != self.child_id:
            raise ValidationError({"placement": "That placement belongs to another child"})
        for name in ("health_information_shared_on", "carers_trained_on"):
            value = getattr(self, name)
            if value and value < self.requested_on:
                raise ValidationError({name: "This cannot be before the placement request"})


class DecisionKind(models.TextChoices):
    """Risky decisions whose capacity must be assessed for a 16-17-year-old (Rec 8)."""

    RETURN_TO_ADULT_OF_CONCERN = "return_to_adult_of_concern", "Returning to an adult of concern"
    REFUSE_MEDICINE = "refuse_medicine", "Refusing medicine"
    REFUSE_TREATMENT = "refuse_treatment", "Refusing treatment"
    OTHER = "other", "Another decision"


class CapacityOutcome(models.TextChoices):
    HAS_CAPACITY = "has_capacity", "Has capacity for this decision"
    LACKS_CAPACITY = "lacks_capacity", "Lacks capacity for this decision"


class CapacityAssessment(models.Model):
    """Mental Capacity Act 2005 ss2-3 (applies from 16): capacity for one specific decision
    at one time. Lacking it, the decision is made in the young person's best interests
    (s4)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="capacity_assessments")
    decision_kind = models.CharField(max_length=32, choices=DecisionKind.choices)
    decision = models.TextField(help_text="The specific decision, in words")
    date = models.DateField()
    assessor = _professional("capacity_assessments")
    assessor_name = models.CharField(max_length=200, blank=True)
    # s2(1): an impairment of, or disturbance in the functioning of, the mind or brain.
    impairment = models.BooleanField(default=False)
    # s3(1): the functional test.
    understands = models.BooleanField(default=False)
    retains = models.BooleanField(default=False)
    uses_or_weighs = models.BooleanField(default=False)
    communicates = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=CapacityOutcome.choices)
    best_interests_decision = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "date"]

    def __str__(self):
        return f"Capacity: {self.decision} ({self.date})"

    def clean(self):
        functional = self.understands and self.retains and self.uses_or_weighs
        functional = functional and self.communicates
        if self.outcome == CapacityOutcome.LACKS_CAPACITY:
            if not self.impairment or functional:
                raise ValidationError(
                    {
                        "outcome": "A person lacks capacity only if an impairment of the mind "
                        "or brain means they cannot understand, retain, use or weigh, or "
                        "communicate the decision (Mental Capacity Act 2005 ss2-3)"
                    }
                )
            if not self.best_interests_decision.strip():
                raise ValidationError(
                    {
                        "best_interests_decision": "Record the best-interests decision when "
                        "the young person lacks capacity (Mental Capacity Act 2005 s4)"
                    }
                )
        if self.outcome == CapacityOutcome.HAS_CAPACITY and self.impairment and not functional:
            raise ValidationError(
                {"outcome": "The answers recorded mean the young person lacks capacity"}
            )
        if self.child_id and self.child.date_of_birth:
            from safeguard.core.dates import years_later

            if self.date < years_later(self.child.date_of_birth, 16):
                raise ValidationError(
                    {"date": "The Mental Capacity Act applies from the 16th birthday"}
                )


class DisputeStage(models.TextChoices):
    """The IRO dispute resolution protocol: informal first, then formal stages up the
    line (IRO Handbook 2010 ch. 6; local protocols name the managers)."""

    INFORMAL = "informal", "Informal (with the social worker)"
    TEAM_MANAGER = "team_manager", "Formal 1: team manager"
    SERVICE_MANAGER = "service_manager", "Formal 2: service manager"
    DIRECTOR = "director", "Formal 3: director of children's services"
    CAFCASS = "cafcass", "Referred to Cafcass"


DISPUTE_STAGE_ORDER = [s.value for s in DisputeStage]


class IroDispute(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="iro_disputes")
    issue = models.TextField()
    raised_on = models.DateField()
    raised_by = _professional("iro_disputes_raised")
    raised_by_name = models.CharField(max_length=200, blank=True)
    stage = models.CharField(max_length=16, choices=DisputeStage.choices)
    # The day the dispute reached its current stage (raised_on at the informal stage).
    stage_since = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    resolved_stage = models.CharField(max_length=16, choices=DisputeStage.choices, blank=True)
    outcome = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["child", "raised_on"]
        indexes = [models.Index(fields=["resolved_on", "stage"])]

    def __str__(self):
        return f"IRO dispute raised on {self.raised_on}"

    def clean(self):
        check_date_order(
            self.raised_on, self.stage_since, start_field="raised_on", end_field="stage_since"
        )
        check_date_order(
            self.stage_since, self.resolved_on, start_field="stage_since", end_field="resolved_on"
        )
        if self.resolved_on and not self.outcome.strip():
            raise ValidationError({"outcome": "Say how the dispute was resolved"})


class SettingType(models.TextChoices):
    SCHOOL = "school", "School"
    SPECIAL_SCHOOL = "special_school", "Special school"
    PRU = "pru", "Pupil referral unit / alternative provision"
    COLLEGE = "college", "College or training"
    OFF_ROLL = "off_roll", "Off-roll (no school place)"
    EHE = "ehe", "Elective home education"
    MISSING = "missing", "Missing education"


# Settings that are not full-time education in themselves.
NO_EDUCATION = ("off_roll", "missing")


class EducationSetting(models.Model):
    """Where the child is educated, for a period, and whether it is full time."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="education_settings")
    setting_type = models.CharField(max_length=16, choices=SettingType.choices)
    name = models.CharField(max_length=200, blank=True)
    urn = models.CharField("school URN", max_length=8, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # Not in full-time education (a part-time timetable, a reduced offer).
    part_time = models.BooleanField(default=False)
    hours_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    attendance_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    virtual_school_head = models.CharField(max_length=200, blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "start_date"]

    def __str__(self):
        return f"{self.get_setting_type_display()} {self.name}".strip()

    def clean(self):
        check_date_order(self.start_date, self.end_date)
        if self.part_time and self.setting_type in NO_EDUCATION:
            raise ValidationError(
                {"part_time": "A child off-roll or missing education has no timetable at all"}
            )
        if self.attendance_percent is not None and self.attendance_percent > 100:
            raise ValidationError({"attendance_percent": "Attendance is at most 100%"})


class PepKind(models.TextChoices):
    PEP = "pep", "Personal education plan"
    REVIEW = "review", "Termly PEP review"


class PersonalEducationPlan(models.Model):
    """The PEP, part of the care plan (CPPCR reg 5(b)(ii)), reviewed each term."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="peps")
    kind = models.CharField(max_length=8, choices=PepKind.choices)
    date = models.DateField()
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "date"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.date}"


class LeavingCareKind(models.TextChoices):
    NEEDS_ASSESSMENT = "needs_assessment", "Needs assessment (eligible child)"
    PATHWAY_PLAN = "pathway_plan", "Pathway plan"
    PATHWAY_REVIEW = "pathway_review", "Pathway plan review"


class LeavingCareRecord(models.Model):
    """The needs assessment and pathway plan of an eligible child (Children Act 1989 Sch 2
    para 19B; Care Leavers (England) Regulations 2010 regs 5-7), and their reviews (at
    least every 6 months, reg 7(3))."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="leaving_care_records")
    kind = models.CharField(max_length=20, choices=LeavingCareKind.choices)
    date = models.DateField()
    personal_adviser_name = models.CharField(max_length=200, blank=True)
    accommodation = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "date"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.date}"


class HomelessDecision(models.TextChoices):
    ACCOMMODATED_S20 = "accommodated_s20", "Accommodated under s20 (looked after)"
    DECLINED_S20 = "declined_s20", "Young person declined s20, informed and competent"
    NOT_IN_NEED = "not_in_need", "Not a child in need of accommodation"
    FAMILY_RETURN = "family_return", "Returned home with support"


class HomelessAssessment(models.Model):
    """A homeless 16- or 17-year-old assessed for accommodation under Children Act 1989 s20
    (R (G) v Southwark [2009] UKHL 26; Prevention of homelessness guidance 2018)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="homeless_assessments")
    presented_on = models.DateField()
    decided_on = models.DateField()
    decision = models.CharField(max_length=20, choices=HomelessDecision.choices)
    reasons = models.TextField()
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "presented_on"]

    def __str__(self):
        return f"Homeless assessment of {self.presented_on}"

    def clean(self):
        check_date_order(
            self.presented_on, self.decided_on, start_field="presented_on", end_field="decided_on"
        )


class Death(models.Model):
    """The death of a looked-after child or care leaver. Recording it starts the
    notification workflow (services.record_death) and closes the record to ordinary
    editing (services.ensure_editable)."""

    # One death per child (the constraint); a ForeignKey so `child.deaths` reads like every
    # other list of the record.
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="deaths")
    date = models.DateField()
    notified_on = models.DateField(help_text="The day children's services learnt of it")
    circumstances = models.TextField()
    abuse_or_neglect_suspected = models.BooleanField(default=False)
    recorded_by = _professional("deaths_recorded")
    synthetic = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child"], name="one_death_per_child")]

    def __str__(self):
        return f"Death on {self.date}"

    def clean(self):
        check_date_order(self.date, self.notified_on, start_field="date", end_field="notified_on")


class Recipient(models.TextChoices):
    PARENT = "parent", "Parent or person with parental responsibility"
    SECRETARY_OF_STATE = "secretary_of_state", "Secretary of State (through Ofsted)"
    NATIONAL_PANEL = "national_panel", "Child Safeguarding Practice Review Panel"
    PLACEMENT_PROVIDER = "placement_provider", "Placement provider"
    IRO = "iro", "Independent reviewing officer"
    PARTNER_AGENCY = "partner_agency", "Partner agency involved"
    RAPID_REVIEW = "rapid_review", "Rapid review by the safeguarding partners"


class DeathNotification(models.Model):
    """One task of the death workflow: tell one recipient, by a due date."""

    death = models.ForeignKey(Death, on_delete=models.PROTECT, related_name="notifications")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="death_notifications")
    recipient = models.CharField(max_length=20, choices=Recipient.choices)
    recipient_name = models.CharField(max_length=200)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True)
    due_date = models.DateField()
    who_tells = models.CharField(max_length=200, blank=True)
    how = models.CharField(max_length=200, blank=True)
    done_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["death", "due_date", "id"]
        indexes = [models.Index(fields=["done_on", "due_date"])]

    def __str__(self):
        return f"Tell {self.recipient_name} by {self.due_date}"


class RecommendationOutcome(models.TextChoices):
    DONE = "done", "Done"
    NOT_DONE = "not_done", "Not done"


class HealthRecommendation(models.Model):
    """One action a statutory health assessment recommends (e.g. "refer to CAMHS", "dental
    check"), for a named person, by a date, and its follow-up: done, or not done and why.

    The health assessment's recommendations become the health plan in the care plan (CPPCR
    2010 reg 5(b)(i)); the statutory guidance 'Promoting the health and well-being of
    looked-after children' (2015) has the plan's actions followed up and reviewed at each
    review of the care plan. An action may be one of the plan's milestones (meetings.
    Milestone), which the reviews then look at."""

    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="health_recommendations"
    )
    assessment = models.ForeignKey(
        "health.HealthAssessment", on_delete=models.PROTECT, related_name="recommended_actions"
    )
    action = models.TextField(help_text="What is to be done, e.g. refer to CAMHS")
    owner = _professional("health_recommendations")
    owner_name = models.CharField(max_length=200, blank=True)
    due_on = models.DateField("due by")
    milestone = models.ForeignKey(
        "meetings.Milestone",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="health_recommendations",
    )
    followed_up_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=RecommendationOutcome.choices, blank=True)
    not_done_reason = models.TextField(blank=True)
    follow_up_notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "due_on", "pk"]
        indexes = [models.Index(fields=["child", "due_on"])]

    def __str__(self):
        return f"{self.action[:60]} (by {self.due_on:%-d %B %Y})"

    @property
    def who(self) -> str:
        if self.owner_id:
            return self.owner.get_full_name() or self.owner.username
        return self.owner_name

    def clean(self):
        errors = {}
        if not self.action.strip():
            errors["action"] = "Enter what the assessment recommends be done"
        if not self.owner_id and not self.owner_name.strip():
            errors["owner_name"] = "Enter who is to do it"
        if self.assessment_id and self.child_id and self.assessment.child_id != self.child_id:
            errors["assessment"] = "That health assessment belongs to another child"
        if self.milestone_id and self.child_id and self.milestone.child_id != self.child_id:
            errors["milestone"] = "That milestone belongs to another child"
        if self.assessment_id and self.due_on and self.due_on < self.assessment.date:
            errors["due_on"] = "A recommendation cannot be due before the assessment"
        if self.followed_up_on or self.outcome:
            if not self.followed_up_on:
                errors["followed_up_on"] = "Enter when it was followed up"
            elif self.assessment_id and self.followed_up_on < self.assessment.date:
                errors["followed_up_on"] = "It cannot be followed up before the assessment"
            if not self.outcome:
                errors["outcome"] = "Say whether it was done"
        if self.outcome == RecommendationOutcome.NOT_DONE and not self.not_done_reason.strip():
            errors["not_done_reason"] = "Enter why it was not done"
        if self.outcome == RecommendationOutcome.DONE and self.not_done_reason.strip():
            errors["not_done_reason"] = "A reason is for a recommendation not done"
        if errors:
            raise ValidationError(errors)
