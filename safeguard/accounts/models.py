"""Agencies, teams and the professionals who sign in."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*$", "Use lower-case letters, digits and hyphens (e.g. west-mercia-police)"
)


class AgencyKind(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    POLICE = "police", "Police force"
    NHS_TRUST = "nhs_trust", "NHS trust"
    GP_PRACTICE = "gp_practice", "GP practice"
    COMMUNITY_PHARMACY = "community_pharmacy", "Community pharmacy"
    SCHOOL = "school", "School or college"
    IRO_SERVICE = "iro_service", "Independent reviewing officer service"
    YOUTH_JUSTICE = "youth_justice", "Youth justice service"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    SAFEGUARDING_PARTNERSHIP = "safeguarding_partnership", "Safeguarding partnership"
    AMBULANCE = "ambulance", "Ambulance service"
    PLACEMENT_PROVIDER = "placement_provider", "Placement provider"
    CHILDRENS_HOME_PROVIDER = "childrens_home_provider", "Children's home provider"
    LOCAL_AUTHORITY_HOUSING = "housing", "Housing (local authority or provider)"
    PROBATION = "probation", "Probation service"
    CAMHS = "camhs", "Child and adolescent mental health services (mental health trust)"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    EARLY_YEARS = "early_years", "Early years setting or nursery"
    FURTHER_EDUCATION = "further_education", "Further education college"
    YOUTH_SERVICE = "youth_service", "Youth service"
    EARLY_HELP = "early_help", "Early help service"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse service"
    DOMESTIC_ABUSE_SERVICE = "domestic_abuse_service", "Domestic abuse service"
    OTHER = "other", "Other"


class Agency(models.Model):
    code = models.CharField(max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    # ODS code for NHS organisations, force code for police, URN for schools: optional.
    external_id = models.CharField(max_length=32, blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class Team(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    code = models.CharField(max_length=64, validators=[code_validator])
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="team_code_unique_in_agency")
        ]

    def __str__(self):
        return f"{self.name} ({self.agency.name})"


class Role(models.TextChoices):
    """The access role a professional signs in with (see docs/access.md)."""

    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    IRO = "iro", "Independent reviewing officer"
    EXPLOITATION_WORKER = "exploitation_worker", "Exploitation (Get Safe) worker"
    POLICE_OFFICER = "police_officer", "Police officer"
    HEALTH_PRACTITIONER = "health_practitioner", "Health practitioner"
    GP = "gp", "GP"
    PHARMACIST = "pharmacist", "Pharmacist"
    SCHOOL_SAFEGUARDING_LEAD = "school_safeguarding_lead", "School safeguarding lead"
    PARTNERSHIP_ANALYST = "partnership_analyst", "Partnership analyst"
    ADMINISTRATOR = "administrator", "Administrator"


class AlertDelivery(models.TextChoices):
    """How alerts reach a professional outside Safeguard (safeguard/checks/delivery.py)."""

    IMMEDIATE_AND_DIGEST = (
        "immediate_and_digest",
        ("An email at once for high-severity alerts, and a daily digest of the rest"),
    )
    DIGEST_ONLY = "digest_only", "One daily digest of every new alert, high-severity included"
    HIGH_ONLY = "high_only", "Only an email at once for high-severity alerts, no digest"


class User(AbstractUser):
    """A professional. Every account belongs to an agency (superusers may not)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    job_title = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.SOCIAL_WORKER)
    phone = models.CharField(max_length=32, blank=True)
    # Scenario-local reference (e.g. "sw-jones"), kept so replays and reloads can match.
    scenario_ref = models.CharField(max_length=64, blank=True)
    # Within what the role allows (checks.delivery.allowed_deliveries).
    alert_delivery = models.CharField(
        max_length=24, choices=AlertDelivery.choices, default=AlertDelivery.IMMEDIATE_AND_DIGEST
    )

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
