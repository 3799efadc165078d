"""The child, the people around them, and who is involved with them."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from safeguard.core.dates import age_on
from safeguard.core.models import check_date_order
from safeguard.core.validators import validate_nhs_number, validate_postcode, validate_upn

from .codes import Ethnicity, Sex


class DOBPrecision(models.TextChoices):
    """How exactly the date of birth is known. An approximate date stores the first day of
    the period it names (as chronology dates do), so "born 2009" is 1 January 2009."""

    DAY = "day", "Exact date"
    MONTH = "month", "Month only"
    YEAR = "year", "Year only"


class Child(models.Model):
    # LAchildID in the DfE returns: the local authority's own identifier.
    local_id = models.CharField("local child ID", max_length=32, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    # Null only for an unborn child, who has an expected date of delivery instead: checks
    # filter on date_of_birth in SQL, and a NULL simply matches no age filter.
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_birth_precision = models.CharField(
        "how exactly the date of birth is known",
        max_length=5,
        choices=DOBPrecision.choices,
        default=DOBPrecision.DAY,
    )
    # Age disputed and assessed (e.g. an unaccompanied asylum-seeking child): the date of
    # birth is the one the assessment gave.
    age_assessed = models.BooleanField("age assessed (disputed)", default=False)
    age_assessment_note = models.TextField(blank=True)
    expected_date_of_delivery = models.DateField(null=True, blank=True)
    postcode = models.CharField(
        "home postcode", max_length=8, blank=True, validators=[validate_postcode]
    )
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, default=Ethnicity.NOBT)
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, validators=[validate_nhs_number]
    )
    upn = models.CharField("UPN", max_length=13, blank=True, validators=[validate_upn])
    # Restricted records (a staff member's child, adoption-sensitive) are visible only to
    # the people named on them; enforced by safeguard.access.
    restricted = models.BooleanField(default=False)
    synthetic = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Optimistic version: each update service increments it and refuses an edit made
    # from an older version (two people editing the same record).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"], condition=~Q(nhs_number=""), name="child_nhs_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def unborn(self) -> bool:
        return self.date_of_birth is None

    @property
    def date_of_birth_display(self) -> str:
        """The date of birth as exactly as it is known, for pages and lists."""
        if self.date_of_birth is None:
            edd = self.expected_date_of_delivery
            return f"Unborn (expected {edd.day} {edd:%B %Y})" if edd else "Not known"
        dob = self.date_of_birth
        text = {
            DOBPrecision.YEAR: f"{dob:%Y} (year only)",
            DOBPrecision.MONTH: f"{dob:%B %Y} (month only)",
        }.get(self.date_of_birth_precision, f"{dob.day} {dob:%B %Y}")
        return f"{text} (age assessed)" if self.age_assessed else text

    def age_on(self, on: dt.date) -> int | None:
        """Age in whole years, or None for an unborn child."""
        return age_on(self.date_of_birth, on) if self.date_of_birth else None

    def clean(self):
        if self.date_of_birth and self.expected_date_of_delivery:
            raise ValidationError(
                {
                    "expected_date_of_delivery": "Give a date of birth or an expected date of "
                    "delivery, not both: clear the expected date once the child is born"
                }
            )
        if not self.date_of_birth and not self.expected_date_of_delivery:
            raise ValidationError(
                {
                    "date_of_birth": "Enter the date of birth, or the expected date of delivery "
                    "for an unborn child"
                }
            )
        if self.date_of_birth is None and self.date_of_death:
            raise ValidationError(
                {"date_of_death": "An unborn child has no date of death: record the birth first"}
            )
        if self.date_of_death and self.date_of_death < self.date_of_birth:
            raise ValidationError(
                {"date_of_death": "The date of death must be after the date of birth"}
            )
        # A birth or death is recorded once it has happened (an unborn child has an
        # expected date of delivery instead); a future date is a typo.
        today = timezone.localdate()
        if self.date_of_birth and self.date_of_birth > today:
            raise ValidationError(
                {
                    "date_of_birth": "The date of birth must be today or in the past (for an "
                    "unborn child give the expected date of delivery)"
                }
            )
        if self.date_of_death and self.date_of_death > today:
            raise ValidationError(
                {"date_of_death": "The date of death must be today or in the past"}
            )
        if self.age_assessment_note and not self.age_assessed:
            raise ValidationError(
                {"age_assessment_note": "A note about the age assessment needs ‘age assessed’"}
            )


class Person(models.Model):
    """Someone in a child's life who is not a professional: family, carers, adults of concern."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    known_as = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"

    def __str__(self):
        return f"{self.given_name} {self.family_name}".strip()


class RelationshipType(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    GRANDPARENT = "grandparent", "Grandparent"
    SIBLING = "sibling", "Sibling"
    OTHER_RELATIVE = "other_relative", "Other relative"
    FOSTER_CARER = "foster_carer", "Foster carer"
    KEY_WORKER = "key_worker", "Residential or supported accommodation key worker"
    FAMILY_FRIEND = "family_friend", "Family friend"
    PARTNER = "partner", "Partner or boyfriend/girlfriend"
    ADULT_OF_CONCERN = "adult_of_concern", "Adult of concern"
    OTHER = "other", "Other"


class PRBasis(models.TextChoices):
    """How a person holds parental responsibility (Children Act 1989 ss2-4A, 12, 14C, 33)."""

    BIRTH_MOTHER = "birth_mother", "Birth mother (s2)"
    MARRIED_FATHER = "married_father", "Father married to the mother (s2)"
    REGISTERED_FATHER = "registered_father", "Father registered on the birth certificate (s4(1)(a))"
    PR_AGREEMENT = "pr_agreement", "Parental responsibility agreement (s4, s4A)"
    PR_ORDER = "pr_order", "Parental responsibility order (s4, s4A)"
    CHILD_ARRANGEMENTS_ORDER = "child_arrangements_order", "Child arrangements order (s12)"
    SPECIAL_GUARDIANSHIP = "special_guardianship", "Special guardianship order (s14C)"
    ADOPTION = "adoption", "Adoption order"
    SECOND_FEMALE_PARENT = "second_female_parent", "Second female parent (HFEA 2008)"


class Relationship(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="relationships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships")
    relationship = models.CharField(max_length=32, choices=RelationshipType.choices)
    parental_responsibility = models.BooleanField(default=False)
    pr_basis = models.CharField(
        "basis of parental responsibility", max_length=32, choices=PRBasis.choices, blank=True
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "relationship"]

    def __str__(self):
        return f"{self.person} ({self.get_relationship_display()} of {self.child})"

    def clean(self):
        check_date_order(self.start_date, self.end_date)
        if self.parental_responsibility and not self.pr_basis:
            raise ValidationError({"pr_basis": "Say how this person holds parental responsibility"})
        if self.pr_basis and not self.parental_responsibility:
            raise ValidationError(
                {"pr_basis": "A basis is only recorded for someone with parental responsibility"}
            )


class InvolvementRole(models.TextChoices):
    ALLOCATED_SOCIAL_WORKER = "allocated_social_worker", "Allocated social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    IRO = "iro", "Independent reviewing officer"
    EXPLOITATION_WORKER = "exploitation_worker", "Exploitation (Get Safe) worker"
    PERSONAL_ADVISER = "personal_adviser", "Personal adviser"
    EARLY_HELP_WORKER = "early_help_worker", "Early help worker"
    POLICE_OFFICER = "police_officer", "Police officer"
    MISSING_PERSONS_COORDINATOR = "missing_coordinator", "Missing persons coordinator"
    GP = "gp", "GP"
    HEALTH_PRACTITIONER = "health_practitioner", "Health practitioner"
    DESIGNATED_NURSE = "designated_nurse", "Designated or LAC nurse"
    PHARMACIST = "pharmacist", "Pharmacist"
    SCHOOL_SAFEGUARDING_LEAD = "school_safeguarding_lead", "School safeguarding lead"
    YOUTH_JUSTICE_WORKER = "youth_justice_worker", "Youth justice worker"
    OTHER = "other", "Other"


class InvolvementQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None):
        on = on or dt.date.today()
        return self.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class Involvement(models.Model):
    """A professional working with a child in a role, for a period."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="involvements")
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="involvements"
    )
    role = models.CharField(max_length=32, choices=InvolvementRole.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = InvolvementQuerySet.as_manager()

    class Meta:
        ordering = ["child", "role", "start_date"]
        indexes = [models.Index(fields=["professional", "end_date"])]

    def __str__(self):
        return f"{self.professional} — {self.get_role_display()} for {self.child}"

    def clean(self):
        check_date_order(self.start_date, self.end_date)


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class InvolvementRequest(models.Model):
    """A professional asks to be involved with a child; the allocated social worker or a
    team manager of the child's team accepts (an Involvement is made) or declines."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="involvement_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="involvement_requests"
    )
    role = models.CharField(max_length=32, choices=InvolvementRole.choices)
    reason = models.TextField()
    status = models.CharField(
        max_length=8, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="involvement_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    involvement = models.ForeignKey(
        Involvement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["child", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "requester"],
                condition=Q(status="pending"),
                name="one_pending_involvement_request",
            )
        ]

    def __str__(self):
        return f"{self.requester} asks to be {self.get_role_display()} for {self.child}"


class ReferralService(models.TextChoices):
    CAMHS = "camhs", "Child and adolescent mental health services (CAMHS)"
    EARLY_HELP = "early_help", "Early help"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care (front door)"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    ADULT_MENTAL_HEALTH = "adult_mental_health", "Adult mental health services"
    HOUSING = "housing", "Housing"
    YOUTH_JUSTICE = "youth_justice", "Youth justice service"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse service"
    SEXUAL_HEALTH = "sexual_health", "Sexual health service"
    PAEDIATRICS = "paediatrics", "Paediatrics"
    EDUCATION = "education", "Education (inclusion, SEND)"
    YOUTH_SERVICE = "youth_service", "Youth service"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector service"
    EXPLOITATION = "exploitation", "Exploitation team"
    OTHER = "other", "Other"


class ReferralOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    SIGNPOSTED = "signposted", "Signposted elsewhere"
    NO_CONTACT = "no_contact", "Closed after no contact"
    WITHDRAWN = "withdrawn", "Withdrawn by the referrer"
    CLOSED = "closed", "Closed after the service ended"


class Referral(models.Model):
    """A referral of the child from one service to another, and what came of it.

    In `children` (not `health` or `episodes`): a referral asks another service to become
    involved with the child, whichever agency it is (housing and adult services are not
    health, and most referrals never become a children's-services episode), so it sits
    with the people and professionals around the child.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    service = models.CharField("referred to", max_length=32, choices=ReferralService.choices)
    to_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referred_by_name = models.CharField(max_length=200, blank=True)
    date = models.DateField("date referred")
    reason = models.TextField()
    outcome = models.CharField(max_length=16, choices=ReferralOutcome.choices, blank=True)
    outcome_date = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "date", "pk"]

    def __str__(self):
        return f"Referral to {self.get_service_display()} on {self.date}"

    def clean(self):
        check_date_order(self.date, self.outcome_date, start_field="date", end_field="outcome_date")
        if self.outcome and not self.outcome_date:
            raise ValidationError({"outcome_date": "Enter the date of the outcome"})
        if self.outcome_date and not self.outcome:
            raise ValidationError({"outcome": "Select the outcome of the referral"})
