"""A child's health record as the safeguarding partnership needs to see it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from safeguard.accounts.models import Agency
from safeguard.children.models import Child
from safeguard.core.dates import Precision
from safeguard.core.models import check_date_order

snomed_validator = RegexValidator(r"^\d{6,18}$", "A SNOMED CT concept ID is 6 to 18 digits")


class Condition(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="conditions")
    name = models.CharField(max_length=200)
    snomed_code = models.CharField(
        "SNOMED CT code", max_length=18, blank=True, validators=[snomed_validator]
    )
    diagnosed_on = models.DateField(null=True, blank=True)
    diagnosed_precision = models.CharField(
        max_length=8, choices=Precision.choices, default=Precision.DAY
    )
    # A chronic condition needs a care plan that travels with the child (Rec 9) and
    # medicines collected without gaps (Rec 7).
    chronic = models.BooleanField(default=False)
    resolved_on = models.DateField(null=True, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True)
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "diagnosed_on"]

    def __str__(self):
        return self.name

    def clean(self):
        check_date_order(
            self.diagnosed_on, self.resolved_on, start_field="diagnosed_on", end_field="resolved_on"
        )


class Medicine(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="medicines")
    name = models.CharField(max_length=200)
    dose = models.CharField(max_length=200, blank=True)
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="medicines"
    )
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prescriptions",
    )
    prescriber_name = models.CharField(max_length=200, blank=True)
    # dm+d (NHS Dictionary of medicines and devices) code, optional.
    dmd_code = models.CharField(max_length=18, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # Long-term medicine whose missed collection matters (Rec 7).
    long_term = models.BooleanField(default=False)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "start_date"]

    def __str__(self):
        return f"{self.name} {self.dose}".strip()

    def clean(self):
        check_date_order(self.start_date, self.end_date)
        if self.condition_id and self.child_id and self.condition.child_id != self.child_id:
            raise ValidationError({"condition": "That condition belongs to another child"})


class HealthAssessmentKind(models.TextChoices):
    INITIAL = "initial", "Initial health assessment"
    REVIEW = "review", "Review health assessment"


class HealthAssessment(models.Model):
    """Statutory health assessment of a looked-after child (CPPCR 2010 reg 7)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="health_assessments")
    kind = models.CharField(max_length=8, choices=HealthAssessmentKind.choices)
    date = models.DateField()
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="health_assessments",
    )
    assessor_name = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True)
    # The initial assessment must be done by a registered medical practitioner (reg 7(1));
    # reviews may be nurse-led. None: not recorded (an "initial" is then taken as by one).
    by_medical_practitioner = models.BooleanField(
        "carried out by a registered medical practitioner", null=True, blank=True
    )
    # A competent young person may refuse the assessment (reg 7(2)); the refusal, with its
    # reason, is the record for that cycle.
    refused = models.BooleanField("refused by the young person", default=False)
    refusal_reason = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    # What the assessment recommends, and the day the recommendations were taken into the
    # health plan of the child's care plan (CPPCR 2010 reg 5(b)(i); statutory guidance
    # "Promoting the health and well-being of looked-after children" 2015, para 3.36).
    recommendations = models.TextField(blank=True)
    health_plan_updated_on = models.DateField(
        "health plan in the care plan updated on", null=True, blank=True
    )
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "date"]
        indexes = [models.Index(fields=["child", "date"])]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.date}"

    def clean(self):
        errors = {}
        if self.refused and not self.refusal_reason.strip():
            errors["refusal_reason"] = "Enter why the young person refused"
        if self.health_plan_updated_on and not self.recommendations.strip():
            errors["recommendations"] = (
                "Enter the recommendations that were taken into the health plan"
            )
        if self.health_plan_updated_on and self.date and self.health_plan_updated_on < self.date:
            errors["health_plan_updated_on"] = (
                "The health plan cannot take in the recommendations before the assessment"
            )
        if errors:
            raise ValidationError(errors)


class AppointmentService(models.TextChoices):
    PAEDIATRIC = "paediatric", "Paediatric"
    ADULT = "adult", "Adult services"
    CAMHS = "camhs", "CAMHS"
    SPECIALIST = "specialist", "Specialist (e.g. neurology)"
    GP = "gp", "GP"
    DENTAL = "dental", "Dental"
    OTHER = "other", "Other"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ATTENDED = "attended", "Attended"
    NOT_BROUGHT = "not_brought", "Not brought (a child under 16)"
    NOT_ATTENDED = "not_attended", "Did not attend"
    CANCELLED = "cancelled", "Cancelled"


MISSED_STATUSES = (AppointmentStatus.NOT_BROUGHT, AppointmentStatus.NOT_ATTENDED)


class Appointment(models.Model):
    """A health appointment and what happened (a child is 'not brought', a young person
    'did not attend': missed appointments are a neglect indicator for children)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="appointments")
    date = models.DateField()
    service = models.CharField(max_length=12, choices=AppointmentService.choices)
    clinic = models.CharField(max_length=200, blank=True)
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    status = models.CharField(max_length=12, choices=AppointmentStatus.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True)
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "date"]
        indexes = [models.Index(fields=["child", "status", "date"])]

    def __str__(self):
        return f"{self.get_service_display()} appointment on {self.date}"

    def clean(self):
        if self.condition_id and self.child_id and self.condition.child_id != self.child_id:
            raise ValidationError({"condition": "That condition belongs to another child"})


class TransitionPlan(models.Model):
    """Planning the move from paediatric to adult services for a long-term condition
    (NICE NG43: start by year 9, at the latest at 16)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="transition_plans")
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="transitions"
    )
    date = models.DateField()
    named_worker = models.CharField(max_length=200, blank=True)
    plan = models.TextField()
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["child", "date"]

    def __str__(self):
        return f"Transition plan of {self.date}"
