"""Episodes of involvement by children's services, and looked-after placements."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from safeguard.accounts.models import Agency
from safeguard.children.models import Child
from safeguard.core.models import check_date_order

from .codes import CINPrimaryNeed, CPCategory, LegalStatus, PlacementProvider, PlacementType


class EpisodeKind(models.TextChoices):
    EARLY_HELP = "early_help", "Early help"
    CHILD_IN_NEED = "child_in_need", "Child in need plan"
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    LOOKED_AFTER = "looked_after", "Looked after"
    PATHWAY_PLAN = "pathway_plan", "Pathway plan (leaving care)"


class EpisodeQuerySet(models.QuerySet):
    def open_on(self, on):
        return self.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class Episode(models.Model):
    """A period under one kind of plan. A looked-after episode carries one legal status:
    a change of legal status ends the episode and starts another (as SSDA903 records it)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="episodes")
    kind = models.CharField(max_length=32, choices=EpisodeKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    legal_status = models.CharField(max_length=2, choices=LegalStatus.choices, blank=True)
    cp_category = models.CharField(
        "child protection category", max_length=16, choices=CPCategory.choices, blank=True
    )
    primary_need = models.CharField(
        "CIN primary need", max_length=2, choices=CINPrimaryNeed.choices, blank=True
    )
    # SSDA903 REC (reason episode ceased) for looked-after episodes; free text otherwise.
    reason_ended = models.CharField(max_length=100, blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episodes",
        help_text="The agency responsible (the local authority for statutory plans).",
    )
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["child", "start_date"]
        indexes = [models.Index(fields=["kind", "end_date"])]

    def __str__(self):
        label = self.get_kind_display()
        if self.legal_status:
            label += f" ({self.legal_status})"
        return f"{label} from {self.start_date}"

    def clean(self):
        check_date_order(self.start_date, self.end_date)
        if self.kind == EpisodeKind.LOOKED_AFTER and not self.legal_status:
            raise ValidationError({"legal_status": "A looked-after episode needs a legal status"})
        if self.kind != EpisodeKind.LOOKED_AFTER and self.legal_status:
            raise ValidationError(
                {"legal_status": "Only looked-after episodes have a legal status"}
            )
        if self.kind == EpisodeKind.CHILD_PROTECTION and not self.cp_category:
            raise ValidationError({"cp_category": "A child protection plan needs a category"})


class Siblings(models.TextChoices):
    NONE = "none", "No siblings looked after"
    TOGETHER = "together", "Placed with siblings"
    APART = "apart", "Placed apart from siblings"


class ProviderRegistration(models.TextChoices):
    REGISTERED = "registered", "Registered with Ofsted"
    UNREGISTERED = "unregistered", "Not registered with Ofsted"
    EXEMPT = "exempt", "Exempt from registration (e.g. a foster carer)"


class Placement(models.Model):
    """Where a looked-after child lives, for a period (SSDA903 placement)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="placements")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    placement_type = models.CharField(max_length=3, choices=PlacementType.choices)
    provider_type = models.CharField(max_length=3, choices=PlacementProvider.choices, blank=True)
    provider_name = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    area = models.CharField(
        max_length=100, blank=True, help_text="Local authority area the placement is in"
    )
    urn = models.CharField("Ofsted URN", max_length=8, blank=True)
    # SSDA903 REASON_PLACE_CHANGE, when the placement ended.
    reason_changed = models.CharField(max_length=8, blank=True)
    # Whether the plan is for the placement to last until the child is 18 (CPPCR reg 28
    # visit intervals depend on it).
    intended_until_18 = models.BooleanField(default=False)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="placements"
    )
    notes = models.TextField(blank=True)
    # Placement attributes (issue 13; CPPCR regs 9-13): how far from home, whether out of
    # the authority's area and the host authority told (reg 13A), siblings together or
    # apart, and whether the provider is registered with Ofsted (supported accommodation
    # for 16-17s must be, from 28 October 2023; children's homes always).
    distance_miles = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Distance from the child's home, in miles"
    )
    out_of_area = models.BooleanField(default=False)
    host_authority_notified_on = models.DateField(null=True, blank=True)
    siblings = models.CharField(max_length=8, choices=Siblings.choices, blank=True)
    provider_registration = models.CharField(
        max_length=12, choices=ProviderRegistration.choices, blank=True
    )
    synthetic = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["child", "start_date"]

    def __str__(self):
        return f"{self.get_placement_type_display()} from {self.start_date}"

    def clean(self):
        check_date_order(self.start_date, self.end_date)
        if self.host_authority_notified_on and not self.out_of_area:
            raise ValidationError(
                {"host_authority_notified_on": "Only an out-of-area placement has a host authority"}
            )
