"""An emergency access left unreviewed past its deadline alerts its reviewer (issue 10).

The grant names its reviewer when it is made (access.services.reviewer_for). Once the
review deadline (SAFEGUARD_EMERGENCY_REVIEW_HOURS after the grant) falls, the check
EMERGENCY-ACCESS-UNREVIEWED raises an alert to that reviewer by name, who sees it even
without access to the child's record (by local ID, as on the review page), and only
recording the review resolves it.
"""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from safeguard.access.models import AuditEntry, BreakGlassAccess
from safeguard.access.services import mark_break_glass_reviewed
from safeguard.accounts.models import Role
from safeguard.checks.engine import get_check
from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from tests import factories
from tests.access_helpers import person

pytestmark = pytest.mark.django_db

CHECK = "EMERGENCY-ACCESS-UNREVIEWED"
# 10:00 UK time (GMT) on Monday 5 March 2018; the 72-hour deadline is 10:00 on Thursday 8.
GRANTED = timezone.make_aware(dt.datetime(2018, 3, 5, 10, 0))
D = dt.date


def _grant(*, reviewer=True, granted_at=GRANTED, **fields):
    team = factories.team(code=f"t{BreakGlassAccess.objects.count()}", name="Response")
    officer = person(Role.POLICE_OFFICER, team_obj=team)
    manager = person(Role.TEAM_MANAGER, team_obj=team) if reviewer else None
    child = factories.child(local_id=f"LA{BreakGlassAccess.objects.count() + 100}")
    grant = BreakGlassAccess.objects.create(
        child=child,
        user=officer,
        reason="Found at 2am, needs placement details",
        granted_at=granted_at,
        expires_at=granted_at + dt.timedelta(hours=4),
        reviewer=manager,
        **fields,
    )
    return grant, manager


def findings(as_of, child_ids=None):
    return get_check(CHECK).findings(as_of, child_ids)


def test_an_unreviewed_grant_is_flagged_on_the_day_its_deadline_falls():
    grant, manager = _grant()
    for day in (5, 6, 7):
        assert findings(D(2018, 3, day)) == [], day
    for as_of in (D(2018, 3, 8), D(2018, 3, 9), D(2018, 6, 1)):
        (f,) = findings(as_of)
        assert (f.child_id, f.subject_key, f.due_date) == (
            grant.child_id,
            f"break-glass:{grant.pk}",
            D(2018, 3, 8),
        )
        assert f.recipients == ((manager.pk, "emergency_access_reviewer"),)
        assert grant.child.local_id in f.detail and grant.child.given_name not in f.detail


@override_settings(SAFEGUARD_EMERGENCY_REVIEW_HOURS=24)
def test_the_deadline_is_the_configured_hours():
    _grant()
    assert findings(D(2018, 3, 5)) == []
    assert [f.due_date for f in findings(D(2018, 3, 6))] == [D(2018, 3, 6)]


def test_a_reviewed_grant_is_never_flagged_and_a_revoked_one_still_is():
    reviewed, manager = _grant()
    BreakGlassAccess.objects.filter(pk=reviewed.pk).update(
        reviewed_at=GRANTED + dt.timedelta(hours=1), reviewed_by=manager
    )
    revoked, _ = _grant(revoked_at=GRANTED + dt.timedelta(hours=1))
    assert {f.subject_key for f in findings(D(2018, 3, 20))} == {f"break-glass:{revoked.pk}"}


def test_incremental_and_full_sweeps_agree():
    first, _ = _grant()
    second, _ = _grant()
    full = {(f.child_id, f.subject_key) for f in findings(D(2018, 3, 9))}
    assert full == {(g.child_id, f"break-glass:{g.pk}") for g in (first, second)}
    assert {f.child_id for f in findings(D(2018, 3, 9), [first.child_id])} == {first.child_id}


def test_a_grant_with_no_reviewer_still_raises_and_says_so():
    grant, _ = _grant(reviewer=False)
    (f,) = findings(D(2018, 3, 9))
    assert f.recipients == ()
    assert "No reviewer was assigned" in f.detail


def test_the_alert_goes_to_the_reviewer_by_name_and_the_review_resolves_it(
    django_capture_on_commit_callbacks,
):
    grant, manager = _grant()
    run_checks(D(2018, 3, 8), [grant.child_id])
    alert = Alert.objects.get(check_id=CHECK)
    assert alert.status == "raised" and alert.owner_id == manager.pk
    assert [(r.professional_id, r.role) for r in alert.recipients.all()] == [
        (manager.pk, "emergency_access_reviewer")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        mark_break_glass_reviewed(manager, grant_id=grant.pk)
    # The re-check after the review runs for today; the sweep for the alert's day agrees.
    run_checks(D(2018, 3, 9), [grant.child_id])
    alert.refresh_from_db()
    assert alert.status == "resolved"


@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_the_reviewer_sees_the_alert_by_local_id_without_access_to_the_record():
    grant, manager = _grant()
    run_checks(D(2018, 3, 8), [grant.child_id])
    alert = Alert.objects.get(check_id=CHECK)
    client = Client()
    client.force_login(manager)
    before = AuditEntry.objects.count()
    mine = client.get(reverse("checks:mine")).content.decode()
    assert f"Record {grant.child.local_id}" in mine
    assert grant.child.family_name not in mine
    page = client.get(reverse("checks:detail", args=[alert.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Record {grant.child.local_id}" in body and grant.child.family_name not in body
    reads = AuditEntry.objects.filter(seq__gt=before, child=grant.child)
    assert reads.count() == 2
    assert set(reads.values_list("basis", "area")) == {("emergency-review", "identity")}
    # The alert's action leads to the review page, at the grant.
    response = client.get(reverse("recording:resolve-alert", args=[alert.pk]), follow=False)
    assert response.status_code == 302
    target = client.get(response["Location"])
    assert target.status_code == 302
    assert target["Location"].endswith(f"#grant-{grant.pk}")
    # Someone else, even a manager, does not see it.
    other = person(Role.TEAM_MANAGER, team_obj=factories.team(code="other", name="Other"))
    client.force_login(other)
    assert client.get(reverse("checks:detail", args=[alert.pk])).status_code == 404
    assert (
        f"Record {grant.child.local_id}" not in client.get(reverse("checks:mine")).content.decode()
    )


# --- The deadline day for every time of day (issue 15: mutation testing) ---------------

# (granted at, UK time, on 5 March 2018; hours) -> the day the deadline falls: the alert is
# raised on that day and not before, with that due date, as every other check does (a
# deadline at midnight falls at the end of the day before, as a return interview's does).
DEADLINE_DAYS = [
    (dt.time(0, 0), 72, D(2018, 3, 7)),
    (dt.time(0, 0, 0, 1), 72, D(2018, 3, 8)),  # a microsecond after midnight: the next day
    (dt.time(0, 1), 72, D(2018, 3, 8)),
    (dt.time(10, 0), 72, D(2018, 3, 8)),
    (dt.time(23, 59), 72, D(2018, 3, 8)),
    (dt.time(0, 0), 24, D(2018, 3, 5)),
    (dt.time(12, 30), 24, D(2018, 3, 6)),
    (dt.time(0, 0), 1, D(2018, 3, 5)),
]


@pytest.mark.parametrize(("at", "hours", "day"), DEADLINE_DAYS)
def test_the_alert_is_raised_on_the_day_its_deadline_falls_whatever_the_time(
    settings, at, hours, day
):
    settings.SAFEGUARD_EMERGENCY_REVIEW_HOURS = hours
    grant, _ = _grant(granted_at=timezone.make_aware(dt.datetime.combine(D(2018, 3, 5), at)))
    assert findings(day - dt.timedelta(days=1)) == []
    for as_of in (day, day + dt.timedelta(days=1)):
        (f,) = findings(as_of)
        assert (f.subject_key, f.due_date) == (f"break-glass:{grant.pk}", day), as_of


def test_the_alert_says_who_when_why_and_by_when_and_leads_to_the_grant():
    # The alert is what the reviewer reads: its wording is part of the rule.
    # A grant with no named reviewer says so after the same text.
    for reviewer, more in ((True, ""), (False, " No reviewer was assigned when it was granted.")):
        grant, _ = _grant(reviewer=reviewer)
        (f,) = findings(D(2018, 3, 8), [grant.child_id])
        assert f.detail == (
            f"{grant.user.username} used emergency access to record {grant.child.local_id} at "
            "5 March 2018 10:00 (UK time), giving the reason \u201cFound at 2am, needs "
            "placement details\u201d. It was to be reviewed within 72 hours, by 8 March 2018 "
            "10:00, and has not been. Check that the access was justified and record the "
            "review." + more
        )
        assert f.prefill == {"grant": grant.pk}


def test_a_record_with_no_local_id_is_named_by_its_number():
    grant, _ = _grant()
    type(grant.child).objects.filter(pk=grant.child_id).update(local_id="")
    (f,) = findings(D(2018, 3, 8))
    assert f"to record {grant.child_id} at" in f.detail


def test_only_the_childrens_grants_asked_for_are_checked():
    first, _ = _grant()
    second, _ = _grant()
    assert findings(D(2018, 3, 9), []) == []
    assert [f.subject_key for f in findings(D(2018, 3, 9), [second.child_id])] == [
        f"break-glass:{second.pk}"
    ]
