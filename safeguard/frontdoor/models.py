"""The front door and help at home: contacts and their decisions, assessments, the
household over time and checks on its adults, injuries and child protection medicals,
workers' absences and case closure.

Visits to children at home are chronology entries (`social_worker_visit`, with who was
seen, where, and no access or refusal): they are dated facts that are never edited, which
is what the chronology is for. See docs/architecture.md.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from safeguard.accounts.models import Agency, Team
from safeguard.children.models import Child, Person, RelationshipType
from safeguard.core.models import check_date_order

from .codes import NO_FACTORS, AssessmentFactor, ReferralSource


class FrontDoorTeam(models.Model):
    """A team that is the front door (MASH, duty): its members whose role has the
    `front_door` capability (access/roles.py) see every child on the front door's list,
    involved or not, to decide the contact (frontdoor/access.py `front_door_children`).
    Designated by an administrator or a scenario (`front_door: true` on the team)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="front_door")
    since = models.DateField(auto_now_add=True)

    class Meta:
        verbose_name = "front-door team"

    def __str__(self):
        return f"{self.team} (front door)"


class ContactKind(models.TextChoices):
    CONTACT = "contact", "Contact"
    REFERRAL = "referral", "Referral"


class ReferrerRelationship(models.TextChoices):
    """Who a member of the public is to the child (blank for an agency)."""

    PARENT = "parent", "Parent or carer"
    RELATIVE = "relative", "Relative"
    NEIGHBOUR = "neighbour", "Neighbour"
    FRIEND = "friend", "Family friend or acquaintance"
    SELF = "self", "The child"
    ANONYMOUS = "anonymous", "Anonymous"
    OTHER = "other", "Other"


class ContactDecision(models.TextChoices):
    NFA = "nfa", "No further action"
    ADVICE = "advice", "Information and advice"
    EARLY_HELP = "early_help", "Early help"
    ASSESSMENT = "assessment", "Assessment (section 17)"
    STRATEGY = "strategy_discussion", "Strategy discussion"


class ContactQuerySet(models.QuerySet):
    def on_front_door_list(self):
        """Contacts that keep their child on the front door's list (frontdoor:queue):
        awaiting a decision, or decided "strategy discussion" with the concern it raised
        still open (meetings ConcernStatus.OPEN), until the child is handed on."""
        return self.filter(
            models.Q(decided_on__isnull=True)
            | models.Q(decision=ContactDecision.STRATEGY, concern__status="open")
        )


class Contact(models.Model):
    """A contact or referral to children's social care about a child, and its decision."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(max_length=8, choices=ContactKind.choices, default="contact")
    received_on = models.DateField()
    source = models.CharField(
        "referral source (CIN census)", max_length=2, choices=ReferralSource.choices
    )
    referrer_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_relationship = models.CharField(
        max_length=16, choices=ReferrerRelationship.choices, blank=True
    )
    summary = models.TextField("what was reported")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=24, choices=ContactDecision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    judged_malicious = models.BooleanField(default=False)
    referrer_spoken_to = models.BooleanField(default=False)
    # A decision of "strategy discussion" raises a concern of significant harm about the
    # child (meetings app, services.decide_contact): the strategy discussion is convened
    # from it (Meeting.trigger_concern), and the CP-STRATEGY-DISCUSSION check watches it
    # until one is held.
    concern = models.ForeignKey(
        "meetings.Concern",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    version = models.PositiveIntegerField(default=1)
    synthetic = models.BooleanField(default=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["child", "received_on", "pk"]
        indexes = [models.Index(fields=["decision", "received_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} received {self.received_on:%-d %B %Y}"

    @property
    def from_public(self) -> bool:
        return self.referrer_agency_id is None

    def clean(self):
        check_date_order(
            self.received_on, self.decided_on, start_field="received_on", end_field="decided_on"
        )
        if self.referrer_agency_id is None and not self.referrer_relationship:
            raise ValidationError(
                {
                    "referrer_relationship": "Select who the referrer is to the child (or give "
                    "the referring agency)"
                }
            )
        if self.decision and not self.decided_on:
            raise ValidationError({"decided_on": "Enter the date of the decision"})
        if self.decided_on and not self.decision:
            raise ValidationError({"decision": "Select the decision"})
        if self.decision and not self.decision_reason.strip():
            raise ValidationError({"decision_reason": "Enter the reason for the decision"})
        if self.judged_malicious and self.decision != ContactDecision.NFA:
            raise ValidationError(
                {
                    "judged_malicious": "Only a contact closed with no further action is judged "
                    "malicious"
                }
            )


class AssessmentOutcome(models.TextChoices):
    NFA = "nfa", "No further action"
    EARLY_HELP = "early_help", "Early help"
    CIN_PLAN = "cin_plan", "Child in need plan"
    STRATEGY = "strategy_discussion", "Strategy discussion (section 47)"
    LOOKED_AFTER = "looked_after", "Looked after"
    OTHER = "other", "Other"


class Assessment(models.Model):
    """A children's social care assessment (Children Act 1989 s17; WT 2023)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="assessments")
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_on = models.DateField()
    child_seen_on = models.DateField(null=True, blank=True)
    # None: not yet known (the child not seen yet).
    seen_alone = models.BooleanField(null=True, blank=True)
    not_seen_alone_reason = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)
    factors = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=24, choices=AssessmentOutcome.choices, blank=True)
    # An outcome of "strategy discussion" raises a concern of significant harm, as the front
    # door's own decision does (services._strategy_concern): the strategy discussion is
    # convened from it and CP-STRATEGY-DISCUSSION watches it until one is held.
    concern = models.ForeignKey(
        "meetings.Concern",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    version = models.PositiveIntegerField(default=1)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "started_on", "pk"]

    def __str__(self):
        return f"Assessment started {self.started_on:%-d %B %Y}"

    @property
    def factor_labels(self) -> list[str]:
        labels = dict(AssessmentFactor.choices)
        return [f"{code} {labels.get(code, '')}".strip() for code in self.factors]

    def clean(self):
        check_date_order(
            self.started_on, self.completed_on, start_field="started_on", end_field="completed_on"
        )
        if self.contact_id and self.contact.received_on > self.started_on:
            raise ValidationError(
                {"started_on": "The assessment cannot start before the referral was received"}
            )
        if self.child_seen_on and self.child_seen_on < self.started_on:
            raise ValidationError({"child_seen_on": "The child was seen before it started"})
        if self.seen_alone is not None and not self.child_seen_on:
            raise ValidationError({"child_seen_on": "Enter when the child was seen"})
        if self.seen_alone and self.not_seen_alone_reason:
            raise ValidationError(
                {"not_seen_alone_reason": "A reason is only given when not seen alone"}
            )
        unknown = [f for f in self.factors if f not in AssessmentFactor.values]
        if unknown:
            raise ValidationError({"factors": f"Unknown CIN census factor code {unknown[0]}"})
        if self.completed_on and not self.outcome:
            raise ValidationError({"outcome": "Select the outcome of the assessment"})
        if self.outcome and not self.completed_on:
            raise ValidationError({"completed_on": "Enter when the assessment was completed"})
        # CIN census rules 8614 (factors only on a completed assessment), 8897Q (a completed
        # assessment has its factors), 8898 (no code twice) and 8869 (21 stands alone).
        if self.factors and not self.completed_on:
            raise ValidationError(
                {"factors": "Factors are recorded when the assessment is completed"}
            )
        if self.completed_on and not self.factors:
            raise ValidationError(
                {
                    "factors": "Select the factors identified at the end of the assessment "
                    "(21 if none were)"
                }
            )
        if len(set(self.factors)) != len(self.factors):
            raise ValidationError({"factors": "Each factor is selected once"})
        if NO_FACTORS in self.factors and len(self.factors) > 1:
            raise ValidationError(
                {"factors": "21 No factors identified cannot be selected with other factors"}
            )


class HouseholdMember(models.Model):
    """Someone living with the child, for a period."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="household")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="households")
    relationship = models.CharField(max_length=32, choices=RelationshipType.choices)
    adult = models.BooleanField(default=True)
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "joined_on", "pk"]

    def __str__(self):
        return f"{self.person} in {self.child}'s household from {self.joined_on}"

    def clean(self):
        check_date_order(self.joined_on, self.left_on, start_field="joined_on", end_field="left_on")


class CheckKind(models.TextChoices):
    POLICE = "police", "Police check"
    PROBATION = "probation", "Probation check"
    CHILDRENS_SOCIAL_CARE = "social_care", "Children's social care records (other areas)"
    HEALTH = "health", "Health"
    OTHER = "other", "Other agency"


class AdultCheck(models.Model):
    """A check on an adult in a child's household: requested, answered, and whether it
    found a history of violence or offences against children."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="adult_checks")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(max_length=16, choices=CheckKind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_on = models.DateField()
    result_on = models.DateField(null=True, blank=True)
    result = models.TextField(blank=True)
    risk_to_children = models.BooleanField(
        "history of violence or offences against children", default=False
    )
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "requested_on", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.person} requested {self.requested_on}"

    def clean(self):
        check_date_order(
            self.requested_on, self.result_on, start_field="requested_on", end_field="result_on"
        )
        if (self.result or self.risk_to_children) and not self.result_on:
            raise ValidationError({"result_on": "Enter the date of the result"})


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", "Leave"
    SICKNESS = "sickness", "Sickness"
    OTHER = "other", "Other"


class WorkerAbsence(models.Model):
    """A worker away (leave, sickness), and who covers their children meanwhile."""

    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="absences"
    )
    kind = models.CharField(max_length=10, choices=AbsenceKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    covered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["professional", "start_date"]

    def __str__(self):
        return f"{self.professional} away ({self.get_kind_display()}) from {self.start_date}"

    def clean(self):
        check_date_order(self.start_date, self.end_date)
        if self.covered_by_id and self.covered_by_id == self.professional_id:
            raise ValidationError({"covered_by": "Someone else covers an absent worker"})


class InjuryKind(models.TextChoices):
    BRUISE = "bruise", "Bruise"
    BURN = "burn", "Burn or scald"
    FRACTURE = "fracture", "Fracture"
    BITE = "bite", "Bite"
    HEAD = "head", "Head injury"
    OTHER = "other", "Other injury"


class Injury(models.Model):
    """An injury to the child noticed by any agency, and the CP medical that followed."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="injuries")
    noticed_on = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=InjuryKind.choices)
    body_site = models.CharField("where on the body", max_length=200)
    explanation = models.TextField("explanation given", blank=True)
    child_mobile = models.BooleanField("the child is independently mobile")
    medical_requested_on = models.DateField(null=True, blank=True)
    medical_held_on = models.DateField(null=True, blank=True)
    medical_findings = models.TextField(blank=True)
    findings_shared_with = models.CharField(max_length=300, blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "noticed_on", "pk"]
        verbose_name_plural = "injuries"

    def __str__(self):
        return f"{self.get_kind_display()} ({self.body_site}) noticed {self.noticed_on}"

    def clean(self):
        check_date_order(
            self.noticed_on,
            self.medical_requested_on,
            start_field="noticed_on",
            end_field="medical_requested_on",
        )
        if self.medical_held_on and not self.medical_requested_on:
            raise ValidationError({"medical_requested_on": "Enter when the medical was requested"})
        check_date_order(
            self.medical_requested_on,
            self.medical_held_on,
            start_field="medical_requested_on",
            end_field="medical_held_on",
        )
        if self.medical_findings and not self.medical_held_on:
            raise ValidationError({"medical_held_on": "Enter when the medical was held"})


class CaseClosure(models.Model):
    """A case closed: the reason, and what was still open, computed from the record at the
    moment of closing and kept as it was (`open_items`)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="closures")
    closed_on = models.DateField()
    reason = models.TextField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # [{"kind": "assessment", "id": 3, "label": "..."}], computed by services.close_case.
    open_items = models.JSONField(default=list, blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "closed_on", "pk"]

    def __str__(self):
        return f"Case closed {self.closed_on}"
