"""The child, the people around them, and who is involved with them."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from safeguard.core.dates import age_on
from safeguard.core.models import check_date_order
from safeguard.core.validators import validate_nhs_number, validate_upn

from .codes import Ethnicity, Sex


class Child(models.Model):
    # LAchildID in the DfE returns: the local authority's own identifier.
    local_id = models.CharField("local child ID", max_length=32, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    # Where the child lives (one of the identifiers contribute-without-seeing matches on);
    # compared without case or spaces.
    postcode = models.CharField("home postcode", max_length=8, blank=True)
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

    def age_on(self, on: dt.date) -> int:
        return age_on(self.date_of_birth, on)

    def clean(self):
        if self.date_of_death and self.date_of_death < self.date_of_birth:
            raise ValidationError(
                {"date_of_death": "The date of death must be after the date of birth"}
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

    objects = InvolvementQuerySet.as_manager()

    class Meta:
        ordering = ["child", "role", "start_date"]
        indexes = [models.Index(fields=["professional", "end_date"])]

    def __str__(self):
        return f"{self.professional} — {self.get_role_display()} for {self.child}"

    def clean(self):
        check_date_order(self.start_date, self.end_date)
