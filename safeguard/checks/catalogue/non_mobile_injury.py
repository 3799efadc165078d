"""A bruise or injury to a baby who is not mobile, with no strategy discussion and child
protection medical (bruising protocols)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Q

from safeguard.children.models import InvolvementRole
from safeguard.frontdoor.models import Injury
from safeguard.meetings.models import MeetingKind
from safeguard.meetings.selectors import held_since

from ..engine import Check, Finding, Resolution, Source, Threshold, alive_on, register
from ..models import Severity


def strategy_discussions(as_of) -> Exists:
    """A strategy discussion about the outer row's child held on or after its `noticed_on`
    (meetings app). A front-door decision to hold one is not one held: that decision raises
    a concern, and the discussion is convened and recorded from it."""
    return held_since(
        MeetingKind.STRATEGY_DISCUSSION, as_of, child_ref="child_id", since_ref="noticed_on"
    )


@register
class NonMobileInjury(Check):
    id = "FD-NON-MOBILE-INJURY"
    title = "Injury to a non-mobile baby without a strategy discussion and CP medical"
    severity = Severity.HIGH
    resolution = Resolution("Record the child protection medical", "injury")
    sources = (
        Source(
            "Bruising in non-mobile infants protocols (e.g. Pan-Dorset, London, Leeds "
            "Safeguarding Children Partnerships)",
            "any bruise or injury to a non-mobile child: referral, strategy discussion and "
            "paediatric child protection medical",
            unconfirmed=True,
            note="widely adopted local protocols; the wording varies by partnership",
        ),
        Source("Child Safeguarding Practice Review Panel", "'The Myth of Invisible Men' (2021)"),
    )
    tells = (InvolvementRole.ALLOCATED_SOCIAL_WORKER, InvolvementRole.TEAM_MANAGER)
    description = (
        "An injury (`frontdoor.Injury`) to a child recorded as not independently mobile, "
        "with either no child protection medical requested or no strategy discussion about "
        "the child held (meetings app) on or after the day it was noticed. A front-door "
        "decision to hold one raises a concern and does not count until it is held. Due the "
        "configured number of days after it was noticed (default 0: the same day). Clears "
        "when both are recorded."
    )
    thresholds = {"days": Threshold(0, "Days after noticing by which both are due", "days")}

    def findings(self, as_of, child_ids=None):
        days = self.threshold("days")

        def query(child_ids):
            return (
                self.restrict(
                    Injury.objects.filter(
                        child_mobile=False, noticed_on__lt=as_of - dt.timedelta(days=days)
                    ),
                    child_ids,
                )
                .filter(alive_on(as_of, "child__"))
                .annotate(discussed=strategy_discussions(as_of))
                .annotate(
                    medical=Q(medical_requested_on__isnull=False, medical_requested_on__lte=as_of)
                )
                .filter(Q(discussed=False) | Q(medical=False))
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "kind",
                    "body_site",
                    "noticed_on",
                    "discussed",
                    "medical",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        results = []
        for pk, child_id, name, kind, site, noticed, discussed, medical in rows:
            missing = [
                w
                for w, ok in (
                    ("a strategy discussion", discussed),
                    ("a child protection medical", medical),
                )
                if not ok
            ]
            results.append(
                Finding(
                    child_id=child_id,
                    subject_key=f"injury:{pk}",
                    due_date=noticed + dt.timedelta(days=days),
                    detail=(
                        f"{name} is not mobile and a {kind} ({site}) was noticed on "
                        f"{noticed:%-d %B %Y}. There is no record of {' or '.join(missing)}. "
                        "Follow the bruising protocol: refer, hold a strategy discussion and "
                        "arrange a paediatric child protection medical."
                    ),
                    prefill={"injury": pk},
                )
            )
        return results
