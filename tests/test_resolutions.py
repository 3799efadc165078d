"""Every alert names the record that resolves it, and someone it tells can make that record."""

from types import SimpleNamespace

import pytest

from safeguard.access import roles
from safeguard.checks.engine import catalogue
from safeguard.chronology.event_types import EVENT_TYPES
from safeguard.recording.resolutions import RECORD_PAGES, resolution_url

# Involvement roles a check tells -> the access role a holder signs in with.
SIGN_IN_ROLE = {
    "allocated_social_worker": "social_worker",
    "team_manager": "team_manager",
    "iro": "iro",
    "exploitation_worker": "exploitation_worker",
    "police_officer": "police_officer",
    "gp": "gp",
    "health_practitioner": "health_practitioner",
    "designated_nurse": "health_practitioner",
    "pharmacist": "pharmacist",
    "school_safeguarding_lead": "school_safeguarding_lead",
}


@pytest.mark.parametrize("check", catalogue(), ids=lambda c: c.id)
def test_every_check_leads_to_a_page_that_makes_its_record(check):
    record = check.resolution.record
    if record.startswith("event:"):
        assert record.split(":", 1)[1] in EVENT_TYPES, f"{check.id}: unknown event type"
    else:
        assert record in RECORD_PAGES, f"{check.id}: no recording page for {record!r}"
    # The URL builds for any alert of the check.
    url = resolution_url(SimpleNamespace(pk=1, child_id=1), check)
    assert url.endswith("?alert=1")


@pytest.mark.parametrize(
    "check",
    [c for c in catalogue() if c.resolution.record.startswith("event:")],
    ids=lambda c: c.id,
)
def test_someone_the_check_tells_may_record_what_resolves_it(check):
    code = check.resolution.record.split(":", 1)[1]
    told = [SIGN_IN_ROLE[r] for r in check.tells if r in SIGN_IN_ROLE]
    assert any(roles.may_write_event_type(role, code) for role in told), (
        f"{check.id}: none of {told} may record {code!r}"
    )
