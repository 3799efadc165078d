"""A contact from a relative or member of the public judged malicious without the
referrer being spoken to."""

from __future__ import annotations

from safeguard.children.models import InvolvementRole
from safeguard.frontdoor.models import Contact, ContactDecision

from ..engine import Check, Finding, Resolution, Source, alive_on, register
from ..models import Severity


@register
class MaliciousReferrer(Check):
    id = "FD-MALICIOUS-NOT-SPOKEN"
    title = "Contact judged malicious without the referrer being spoken to"
    severity = Severity.HIGH
    resolution = Resolution("Record speaking to the referrer", "contact_decision")
    sources = (
        Source(
            "Child Safeguarding Practice Review Panel, annual reports 2020-2023",
            "concerns from family members dismissed without speaking to them",
            unconfirmed=True,
            note="practice learning, not a statutory duty",
        ),
    )
    tells = (InvolvementRole.TEAM_MANAGER,)
    description = (
        "A contact from a member of the public (no referring agency: a relative, neighbour, "
        "acquaintance, the child, anonymous) decided 'no further action' and judged "
        "malicious, with no record that the referrer was spoken to. Raised on the day of the "
        "decision; clears when the decision is re-recorded with the referrer spoken to."
    )

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            return (
                self.restrict(
                    Contact.objects.filter(
                        decided_on__lte=as_of,
                        decision=ContactDecision.NFA,
                        judged_malicious=True,
                        referrer_spoken_to=False,
                        referrer_agency__isnull=True,
                    ),
                    child_ids,
                )
                .filter(alive_on(as_of, "child__"))
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "received_on",
                    "referrer_relationship",
                    "decided_on",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"contact:{pk}",
                due_date=decided,
                detail=(
                    f"A contact about {name} received on {received:%-d %B %Y} from a "
                    f"{relationship or 'member of the public'} was judged malicious and "
                    "closed without the referrer being spoken to. Speak to them before "
                    "dismissing what they said, and record it."
                ),
                prefill={"contact": pk},
            )
            for pk, child_id, name, received, relationship, decided in rows
        ]
