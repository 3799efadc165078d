"""Each role's home page has work; the demo gives every sign-in some; search says where to
go for a child it does not show; the service's own error pages and favicon in demo mode."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from safeguard.accounts.models import Role, User
from safeguard.checks.selectors import alerts_for
from safeguard.children.models import Child, Involvement
from tests import factories
from tests.access_helpers import involve

ROOT = Path(__file__).resolve().parent.parent
SARAHS_PARTNERS = ("pc.evans", "dr.shah", "ph.lee", "iro.clarke", "dsl.wood", "gs.ahmed")
NO_CASELOAD = (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR)


@pytest.fixture
def no_otp(settings):
    settings.SAFEGUARD_REQUIRE_OTP = False


@pytest.fixture
def demo(db, no_otp):
    call_command("demo", "--no-serve", stdout=StringIO())


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the demo -------------------------------------------------------------------------


def test_generated_worcestershire_file_is_current():
    from scripts.generate_demo_scenario import WORCS_OUTPUT, render_worcestershire

    assert WORCS_OUTPUT.read_text(encoding="utf-8") == render_worcestershire(), (
        "run scripts/generate_demo_scenario.py"
    )


def test_every_demo_sign_in_has_work_and_sarahs_partners_knew_her(demo):
    today = timezone.localdate()
    sarah = Child.objects.get(local_id="WCF-SARAH")
    for username in SARAHS_PARTNERS:
        assert Involvement.objects.filter(
            child=sarah, professional__username=username, start_date__lte=sarah.date_of_death
        ).exists(), f"{username} was never involved with Sarah"
    idle = []
    for user in User.objects.exclude(role__in=NO_CASELOAD):
        living = Involvement.objects.current(today).filter(
            professional=user, child__date_of_death__isnull=True
        )
        if not living.exists():
            idle.append(user.username)
    assert idle == [], f"no living child with a current involvement: {idle}"
    # After the daily sweep, Sarah's partners have alerts to act on.
    from safeguard.checks.services import run_checks

    run_checks(as_of=today)
    for username in ("dr.shah", "ph.lee", "iro.clarke", "gs.ahmed"):
        assert alerts_for(User.objects.get(username=username)).exists(), username


def test_docs_demo_lists_every_sign_in(demo):
    doc = (ROOT / "docs" / "demo.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z.]+)` \|", doc, flags=re.M))
    users = set(
        User.objects.filter(password__startswith="pbkdf2").values_list("username", flat=True)
    )
    users |= set(
        User.objects.exclude(password="")
        .exclude(password__startswith="!")
        .values_list("username", flat=True)
    )
    assert users and users <= listed, f"docs/demo.md does not list {sorted(users - listed)}"


def test_the_demo_front_door_sees_a_school_contact_about_a_child_nobody_works_with(demo):
    # Issue 14: the front door decides every contact, whoever the child is known to.
    lily = Child.objects.get(local_id="NS00046")
    assert not Involvement.objects.filter(child=lily).exists()
    queue = _client(User.objects.get(username="fd.patel")).get("/front-door/").content.decode()
    assert "Came to school hungry" in queue and f"/children/{lily.pk}/contacts/decide/" in queue
    # A social worker outside the front-door team does not.
    other = _client(User.objects.get(username="sw.jones")).get("/front-door/").content.decode()
    assert "Came to school hungry" not in other


def test_each_demo_roles_home_page_has_work(demo):
    for user in User.objects.all():
        body = _client(user).get("/").content.decode()
        if user.role == Role.PARTNERSHIP_ANALYST:
            assert "Partnership overview" in body and "Open alerts by check" in body
            assert "Looked after" in body
            assert "MARLOW" not in body and "Sarah" not in body  # counts, never names
        elif user.role == Role.ADMINISTRATOR:
            assert "Manage accounts" in body and "Intact" in body
            assert "Emergency accesses awaiting" in body
        else:
            assert "Children I work with" in body, user.username
            assert "You are not currently involved with any children" not in body, user.username
            assert "/children/" in body, user.username


def test_a_dead_childs_row_shows_status_at_death_and_involvement_ended(demo):
    patel = User.objects.get(username="sw.patel")
    body = _client(patel).get("/").content.decode()
    row = body[body.index("REVIEW, Sarah") :]
    row = row[: row.index("</tr>")]
    assert "At death:" in row and "Looked after" in row
    assert "No open plan" not in row
    assert "Involvement ended at death" in row
    summary = _client(patel).get(f"/children/{Child.objects.get(local_id='WCF-SARAH').pk}/")
    assert "Ended at death" in summary.content.decode()


# --- analyst counts -------------------------------------------------------------------


@pytest.mark.django_db
def test_analyst_counts_come_from_the_record(no_otp):
    from safeguard.episodes.services import record_episode

    for _ in range(2):
        child = factories.child()
        record_episode(
            actor=None, child=child, kind="child_in_need", start_date=dt.date(2024, 1, 1)
        )
    factories.child()
    analyst = factories.user(role=Role.PARTNERSHIP_ANALYST)
    body = _client(analyst).get("/").content.decode()
    cells = re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]+)</th><td[^>]*>(\d+)</td>', body
    )
    counts = dict(cells)
    assert counts["Child in need plan"] == "2"
    assert counts["No open plan"] == "1"
    assert counts["All living children on the record"] == "3"


# --- search ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_does_not_confirm_a_child_the_user_may_not_see(no_otp):
    officer = factories.user(role=Role.POLICE_OFFICER)
    factories.child(given_name="Quenby", family_name="Zwolinski")
    client = _client(officer)
    hidden = client.get("/children/search/", {"q": "Zwolinski"}).content.decode()
    absent = client.get("/children/search/", {"q": "Zwolinskx"}).content.decode()

    def same(body, q):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body.replace(q, "Q"))

    assert same(hidden, "Zwolinski") == same(absent, "Zwolinskx")
    assert "No child you work with matches" in hidden
    assert "Check the spelling" not in hidden.split("No child you work with matches")[0]
    assert "/contribute/" in hidden and "/access/" in hidden  # contribute and emergency access


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,contribute,emergency",
    [
        (Role.POLICE_OFFICER, True, True),
        (Role.PHARMACIST, True, False),
        (Role.IRO, False, True),
        (Role.PARTNERSHIP_ANALYST, False, False),
    ],
)
def test_search_points_each_role_to_its_routes(no_otp, role, contribute, emergency):
    from django.urls import reverse

    body = _client(factories.user(role=role)).get("/children/search/").content.decode()
    assert (reverse("recording:contribute-find") in body) is contribute
    assert (reverse("access:break-glass-find") in body) is emergency


@pytest.mark.django_db
def test_a_pharmacist_sees_their_children_and_alerts(no_otp):
    pharmacist = factories.user(role=Role.PHARMACIST)
    child = factories.child(given_name="Pia", family_name="Quarrington")
    involve(pharmacist, child, role="pharmacist", start=dt.date(2020, 1, 1))
    body = _client(pharmacist).get("/").content.decode()
    assert "QUARRINGTON, Pia" in body
    assert "add information about a child you do not work with" in body.lower()


# --- mends ----------------------------------------------------------------------------


def test_demo_mode_has_debug_off():
    env = {**os.environ, "SAFEGUARD_MODE": "demo", "PYTHONPATH": str(ROOT)}
    env.pop("DEBUG", None)
    out = subprocess.run(
        [sys.executable, "-c", "import safeguard.settings as s; print(s.DEBUG)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


@pytest.mark.django_db
@override_settings(MODE="demo", SAFEGUARD_FEEDBACK_URL="https://example.org/feedback")
def test_demo_pages_use_the_service_error_page_and_banner(no_otp):
    client = _client(factories.user(role=Role.SOCIAL_WORKER))
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body and "URLconf" not in body
    home = client.get("/").content.decode()
    assert '<section class="govuk-phase-banner" aria-label=' in home
    assert 'href="https://example.org/feedback">Give feedback' in home
    title = re.search(r"<title>(.*?)</title>", home, flags=re.S).group(1)
    assert title.count("Safeguard") == 1, title


def test_a_refusal_logs_no_traceback():
    from safeguard.core.logging import RefusalsWithoutTraceback

    def record(status):
        try:
            raise PermissionError("no")
        except PermissionError:
            rec = logging.LogRecord(
                "django.request", logging.WARNING, "", 0, "x", (), sys.exc_info()
            )
        rec.status_code = status
        return rec

    refused, failed = record(403), record(500)
    f = RefusalsWithoutTraceback()
    assert f.filter(refused) and refused.exc_info is None
    assert f.filter(failed) and failed.exc_info is not None
    from django.conf import settings

    assert "refusals" in settings.LOGGING["handlers"]["console"]["filters"]


def test_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_pyproject_uses_an_spdx_license_string():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["license"] == "AGPL-3.0-or-later"
    assert any(r.startswith("setuptools>=77") for r in data["build-system"]["requires"])
