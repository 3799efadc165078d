"""Accommodation unlawful for the child's age: a 16-17-year-old in unregistered supported
accommodation, a child under 16 in 'other arrangements'."""

from __future__ import annotations

import datetime as dt

from safeguard.children.models import InvolvementRole
from safeguard.core.dates import years_later
from safeguard.episodes.models import Placement, ProviderRegistration

from ..engine import (
    Check,
    Finding,
    Resolution,
    Source,
    alive_on,
    register,
    years_before,
)
from ..models import Severity

# Supported accommodation that must be registered (Z11 is registered by definition).
SUPPORTED = ("H5", "Z12")
SUPPORTED_IN_FORCE = dt.date(2023, 10, 28)
# "Other arrangements" (CPPCR reg 27): semi-independent, independent living, other.
OTHER_ARRANGEMENTS = ("H5", "P2", "Z14")
UNDER_16_IN_FORCE = dt.date(2021, 9, 9)


@register
class UnregisteredSupported(Check):
    id = "LAC-16-17-UNREGISTERED-SUPPORTED"
    title = "16-17-year-old in unregistered supported accommodation"
    severity = Severity.HIGH
    ends_at_18 = True
    resolution = Resolution("Record the move or the provider's registration", "placement")
    sources = (
        Source(
            "CPPCR 2010",
            "reg 27A (from 28 October 2023: Ofsted-registered supported accommodation only)",
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.IRO,
    )
    description = (
        "From 28 October 2023: a young person aged 16 or 17 on the day in a placement open "
        "on the day of type H5 or Z12 whose provider is not recorded as registered with "
        "Ofsted (`Placement.provider_registration`)."
    )

    def findings(self, as_of, child_ids=None):
        if as_of < SUPPORTED_IN_FORCE:
            return []

        def query(child_ids):
            return (
                self.restrict(Placement.objects.open_on(as_of), child_ids)
                .filter(alive_on(as_of, "child__"), placement_type__in=SUPPORTED)
                .exclude(provider_registration=ProviderRegistration.REGISTERED)
                .filter(
                    child__date_of_birth__lte=years_before(as_of, 16),
                    child__date_of_birth__gt=years_before(as_of, 18),
                )
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "child__date_of_birth",
                    "start_date",
                    "provider_name",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"placement:{pk}",
                due_date=max(start, SUPPORTED_IN_FORCE, years_later(dob, 16)),
                detail=(
                    f"{name} is 16 or 17 and lives in supported accommodation "
                    f"({provider or 'provider not named'}) not recorded as registered "
                    "with Ofsted. Since 28 October 2023 only registered supported "
                    "accommodation may be used."
                ),
                prefill={"placement": pk},
            )
            for pk, child_id, name, dob, start, provider in rows
        ]


@register
class Under16OtherArrangements(Check):
    id = "LAC-UNDER-16-OTHER-ARRANGEMENTS"
    title = "Child under 16 placed in 'other arrangements'"
    severity = Severity.HIGH
    resolution = Resolution("Record the move to a registered placement", "placement")
    sources = (
        Source(
            "CPPCR 2010",
            "reg 27 as amended (from 9 September 2021: no child under 16 in other arrangements)",
        ),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.IRO,
    )
    description = (
        "From 9 September 2021: a child under 16 on the day in a placement open on the day "
        "of type H5, P2 or Z14 (semi-independent, independent living, other arrangements)."
    )

    def findings(self, as_of, child_ids=None):
        if as_of < UNDER_16_IN_FORCE:
            return []

        def query(child_ids):
            return (
                self.restrict(Placement.objects.open_on(as_of), child_ids)
                .filter(alive_on(as_of, "child__"), placement_type__in=OTHER_ARRANGEMENTS)
                .filter(child__date_of_birth__gt=years_before(as_of, 16))
                .values_list("pk", "child_id", "child__given_name", "start_date", "placement_type")
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"placement:{pk}",
                due_date=max(start, UNDER_16_IN_FORCE),
                detail=(
                    f"{name} is under 16 and placed in other arrangements (placement "
                    f"type {kind}) since {start:%-d %B %Y}. Children under 16 may not be "
                    "placed in other arrangements."
                ),
                prefill={"placement": pk},
            )
            for pk, child_id, name, start, kind in rows
        ]
