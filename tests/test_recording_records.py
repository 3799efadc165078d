"""The structured-record pages (recording/records.py): register a child, identity,
people, involvements and requests, episodes, placements, health and referrals.

Each page: the happy path writes through the service (audited); a validation error shows
the GOV.UK error summary and saves nothing; a role without the write permission gets a
404 and nothing is written.
"""

import datetime as dt
import re

import pytest
from django.test import override_settings

from safeguard.access.models import AuditEntry
from safeguard.checks.models import Alert
from safeguard.checks.services import run_checks
from safeguard.children.models import Child, Involvement, InvolvementRequest, Person, Referral
from safeguard.episodes.models import Episode, Placement
from safeguard.health.models import Condition, HealthAssessment, Medicine
from tests import factories
from tests.checks_helpers import involve, looked_after_child

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp")]
TODAY = dt.date.today()


@pytest.fixture
def no_otp():
    with override_settings(SAFEGUARD_REQUIRE_OTP=False):
        yield


@pytest.fixture
def world():
    team = factories.team()
    sw = factories.user("sw", team_obj=team)
    tm = factories.user("tm", role="team_manager", team_obj=team)
    police = factories.user("pc", role="police_officer")
    child = factories.child(given_name="Amy", family_name="Example")
    involve(child, sw, "allocated_social_worker", start=child.date_of_birth)
    involve(child, police, "police_officer", start=child.date_of_birth)
    return {"sw": sw, "tm": tm, "police": police, "child": child}


def _date(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def _writes(model):
    return AuditEntry.objects.filter(model=model._meta.label).exclude(actor=None).count()


# --- register a child -----------------------------------------------------------------------


REGISTER = {
    "given_name": "Nina",
    "family_name": "Newchild",
    "date_of_birth_precision": "day",
    "sex": "F",
    "ethnicity": "NOBT",
    **_date("date_of_birth", dt.date(2015, 4, 2)),
}


def test_register_a_child_allocates_the_social_worker(client, world):
    client.force_login(world["sw"])
    response = client.post("/children/new/", REGISTER)
    assert response.status_code == 302
    child = Child.objects.get(family_name="Newchild")
    assert response["Location"] == f"/children/{child.pk}/"
    assert child.local_id.startswith("SG")
    assert Involvement.objects.get(child=child).professional == world["sw"]
    assert Involvement.objects.get(child=child).role == "allocated_social_worker"
    assert client.get(f"/children/{child.pk}/").status_code == 200  # they can see it
    assert AuditEntry.objects.filter(child=child, model="children.Child", action="create")


def test_register_validation_error_saves_nothing(client, world):
    client.force_login(world["sw"])
    bad = REGISTER | {"nhs_number": "1234567890", "postcode": "ZZ9"}
    response = client.post("/children/new/", bad)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "There is a problem" in page
    assert "Enter a real UK postcode" in page
    assert not Child.objects.filter(family_name="Newchild").exists()


def test_register_refused_to_a_role_that_may_not(client, world):
    client.force_login(world["police"])
    assert client.get("/children/new/").status_code == 404
    assert client.post("/children/new/", REGISTER).status_code == 404
    assert not Child.objects.filter(family_name="Newchild").exists()


def test_duplicate_check_shows_visible_matches_and_hides_the_others(client, world):
    hidden = factories.child(
        given_name="Nina", family_name="Newchild", date_of_birth=dt.date(2015, 4, 2)
    )
    client.force_login(world["sw"])
    page = client.post("/children/new/", REGISTER).content.decode()
    assert "A record may already exist that you cannot see" in page
    assert hidden.local_id not in page and f"/children/{hidden.pk}/" not in page
    assert Child.objects.filter(family_name="Newchild").count() == 1
    # Visible match: named as a link.
    involve(hidden, world["sw"], "allocated_social_worker", start=hidden.date_of_birth)
    page = client.post("/children/new/", REGISTER).content.decode()
    assert f'href="/children/{hidden.pk}/"' in page
    # Saving again, confirming it is a new child, makes the record.
    assert client.post("/children/new/", REGISTER | {"confirmed_new": "on"}).status_code == 302
    assert Child.objects.filter(family_name="Newchild").count() == 2


def test_duplicate_nhs_number_is_refused_without_naming_the_child(client, world):
    factories.child(given_name="Other", family_name="Secret", nhs_number="9434765919")
    client.force_login(world["sw"])
    data = REGISTER | {"nhs_number": "943 476 5919", "confirmed_new": "on"}
    page = client.post("/children/new/", data).content.decode()
    assert "Another child’s record already has this NHS number" in page
    assert "Secret" not in page
    assert not Child.objects.filter(family_name="Newchild").exists()


def test_register_an_unborn_child(client, world):
    client.force_login(world["sw"])
    edd = TODAY + dt.timedelta(days=60)
    data = {k: v for k, v in REGISTER.items() if not k.startswith("date_of_birth_")}
    data |= {"date_of_birth_precision": "day", **_date("expected_date_of_delivery", edd)}
    data["sex"] = "U"
    assert client.post("/children/new/", data).status_code == 302
    child = Child.objects.get(family_name="Newchild")
    assert child.date_of_birth is None and child.expected_date_of_delivery == edd
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Unborn (expected" in page and "Not yet born" in page
    assert "Unborn" in client.get("/").content.decode()  # caseload row


def test_neither_dob_nor_edd_is_an_error(client, world):
    client.force_login(world["sw"])
    data = {k: v for k, v in REGISTER.items() if not k.startswith("date_of_birth_")}
    page = client.post("/children/new/", data | {"date_of_birth_precision": "day"})
    assert "Enter the date of birth, or the expected date of delivery" in page.content.decode()
    assert not Child.objects.filter(family_name="Newchild").exists()


# --- identity ---------------------------------------------------------------------------


def _identity_post(child, **changes):
    data = {
        "version": child.version,
        "given_name": child.given_name,
        "family_name": child.family_name,
        "date_of_birth_precision": child.date_of_birth_precision,
        "sex": child.sex,
        "ethnicity": child.ethnicity,
        **_date("date_of_birth", child.date_of_birth),
    }
    data.update(changes)
    return data


def test_edit_identity_keeps_history(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    assert client.get(f"/children/{child.pk}/identity/").status_code == 200
    response = client.post(
        f"/children/{child.pk}/identity/",
        _identity_post(child, preferred_name="Ames", postcode="wr12ab", age_assessed="on"),
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.preferred_name, child.postcode, child.version) == ("Ames", "WR1 2AB", 2)
    page = client.get(f"/children/{child.pk}/identity/").content.decode()
    assert "Preferred name: (blank) → Ames" in page
    assert "Home postcode: (blank) → WR1 2AB" in page


def test_identity_validation_error_saves_nothing(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    page = client.post(
        f"/children/{child.pk}/identity/", _identity_post(child, nhs_number="1234567890")
    ).content.decode()
    assert "govuk-error-summary" in page
    child.refresh_from_db()
    assert child.nhs_number == "" and child.version == 1


def test_identity_refused_to_a_role_that_may_not_write_it(client, world):
    child = world["child"]
    client.force_login(world["police"])
    assert client.get(f"/children/{child.pk}/identity/").status_code == 404
    response = client.post(f"/children/{child.pk}/identity/", _identity_post(child, upn=""))
    assert response.status_code == 404
    child.refresh_from_db()
    assert child.version == 1


def test_two_edits_from_the_same_version_the_second_is_refused(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    first = _identity_post(child, preferred_name="Ames")
    second = _identity_post(child, family_name="Changed")
    assert client.post(f"/children/{child.pk}/identity/", first).status_code == 302
    page = client.post(f"/children/{child.pk}/identity/", second).content.decode()
    assert "Someone else changed this record after you opened it" in page
    assert "Preferred name: (blank) → Ames" in page
    child.refresh_from_db()
    assert child.family_name == "Example" and child.version == 2


def test_nhs_number_alert_resolves_through_the_identity_page(
    client, world, django_capture_on_commit_callbacks
):
    child = looked_after_child(start=TODAY - dt.timedelta(days=30), dob=dt.date(2012, 1, 5))
    involve(child, world["sw"], "allocated_social_worker", start=TODAY - dt.timedelta(days=30))
    run_checks(TODAY)
    alert = Alert.objects.get(check_id="CPIS-NHS-NUMBER-MISSING", child=child)
    client.force_login(world["sw"])
    resolve = client.get(f"/alerts/{alert.pk}/resolve/")
    assert resolve["Location"] == f"/children/{child.pk}/identity/?alert={alert.pk}"
    page = client.get(resolve["Location"]).content.decode()
    assert "The alert you came from asks you to: Record the NHS number" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resolve["Location"], _identity_post(child, nhs_number="9434765870"))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "resolved"
    # (The page's "alert resolved" line needs the re-check to run before the redirect,
    # which on_commit does in production but the test transaction defers.)
    assert "Identity details saved" in client.get(response["Location"]).content.decode()


# --- people -----------------------------------------------------------------------------


def test_add_a_person_with_parental_responsibility_and_end_it(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    data = {
        "given_name": "Mary",
        "family_name": "Example",
        "sex": "F",
        "rel_relationship": "mother",
        "rel_parental_responsibility": "on",
        "rel_pr_basis": "birth_mother",
    }
    assert client.post(f"/children/{child.pk}/people/add/", data).status_code == 302
    rel = child.relationships.get()
    assert rel.parental_responsibility and rel.person.given_name == "Mary"
    end = {"which": f"{rel.pk}:", **_date("end_date", TODAY)}
    assert client.post(f"/children/{child.pk}/people/end/", end).status_code == 302
    rel.refresh_from_db()
    assert rel.end_date == TODAY


def test_pr_without_a_basis_saves_neither_person_nor_relationship(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    data = {
        "given_name": "Mary",
        "sex": "F",
        "rel_relationship": "mother",
        "rel_parental_responsibility": "on",
    }
    page = client.post(f"/children/{child.pk}/people/add/", data).content.decode()
    assert "Say how this person holds parental responsibility" in page
    assert 'href="#id_rel_pr_basis"' in page
    assert not Person.objects.exists()


def test_people_refused_to_pharmacist(client, world):
    pharmacist = factories.user("ph", role="pharmacist")
    involve(world["child"], pharmacist, "pharmacist", start=world["child"].date_of_birth)
    client.force_login(pharmacist)
    url = f"/children/{world['child'].pk}/people/add/"
    assert client.post(url, {"given_name": "X", "rel_relationship": "other"}).status_code == 404
    assert not Person.objects.exists()


# --- involvements -----------------------------------------------------------------------


def test_team_manager_allocates_and_ends_with_a_version_check(client, world):
    child = world["child"]
    worker = factories.user("new-sw")
    client.force_login(world["tm"])
    data = {
        "professional": worker.pk,
        "role": "allocated_social_worker",
        **_date("start_date", TODAY),
    }
    assert client.post(f"/children/{child.pk}/involvements/add/", data).status_code == 302
    inv = Involvement.objects.get(child=child, professional=worker)
    # The choice carries the version the user saw: an older one is refused.
    stale = {"which": f"{inv.pk}:0", **_date("end_date", TODAY)}
    page = client.post(f"/children/{child.pk}/involvements/end/", stale).content.decode()
    assert "Someone else changed this record" in page
    ok = {"which": f"{inv.pk}:1", **_date("end_date", TODAY)}
    assert client.post(f"/children/{child.pk}/involvements/end/", ok).status_code == 302
    inv.refresh_from_db()
    assert inv.end_date == TODAY and inv.version == 2


def test_social_worker_may_not_allocate(client, world):
    client.force_login(world["sw"])
    url = f"/children/{world['child'].pk}/involvements/add/"
    data = {"professional": world["sw"].pk, "role": "iro", **_date("start_date", TODAY)}
    assert client.post(url, data).status_code == 404
    assert not Involvement.objects.filter(role="iro").exists()


def test_ask_to_be_involved_and_the_allocated_worker_accepts(client, world):
    child = world["child"]
    client.force_login(world["police"])
    url = f"/children/{child.pk}/involvements/request/"
    empty = client.post(url, {"role": "police_officer"}).content.decode()
    assert "govuk-error-summary" in empty and not InvolvementRequest.objects.exists()
    data = {"role": "missing_coordinator", "reason": "Missing episodes in my area"}
    assert client.post(url, data).status_code == 302
    request = InvolvementRequest.objects.get()
    # The police officer may not decide.
    decide = f"/children/{child.pk}/involvements/requests/"
    assert client.get(decide).status_code == 404
    client.force_login(world["sw"])
    summary = client.get(f"/children/{child.pk}/").content.decode()
    assert decide in summary
    assert client.post(decide, {"which": request.pk, "decision": "accept"}).status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted"
    assert Involvement.objects.filter(
        child=child, professional=world["police"], role="missing_coordinator"
    ).exists()


# --- episodes, placements ---------------------------------------------------------------


def test_episode_placement_and_move(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    start = TODAY - dt.timedelta(days=100)
    episode = {"kind": "looked_after", "legal_status": "V2", **_date("start_date", start)}
    assert client.post(f"/children/{child.pk}/episodes/add/", episode).status_code == 302
    first = {"placement_type": "U1", **_date("start_date", start)}
    assert client.post(f"/children/{child.pk}/placements/add/", first).status_code == 302
    # A move without a reason is refused; nothing changes.
    move = {"placement_type": "K2", "version": 1, **_date("start_date", TODAY)}
    page = client.post(f"/children/{child.pk}/placements/add/", move).content.decode()
    assert "Select the reason the placement changed" in page
    assert Placement.objects.filter(child=child).count() == 1
    response = client.post(
        f"/children/{child.pk}/placements/add/", move | {"reason_changed": "CHILD"}
    )
    assert response.status_code == 302
    old, new = Placement.objects.filter(child=child).order_by("start_date")
    assert (old.end_date, old.reason_changed, old.version) == (TODAY, "CHILD", 2)
    assert new.end_date is None
    end = {"which": f"{new.pk}:1", "reason_changed": "E", **_date("end_date", TODAY)}
    assert client.post(f"/children/{child.pk}/placements/end/", end).status_code == 302
    ep = Episode.objects.get(child=child)
    end_ep = {"which": f"{ep.pk}:", "reason_ended": "E11", **_date("end_date", TODAY)}
    assert client.post(f"/children/{child.pk}/episodes/end/", end_ep).status_code == 302
    assert Episode.objects.get(child=child).end_date == TODAY


def test_placement_without_a_looked_after_episode_is_refused(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    data = {"placement_type": "U1", **_date("start_date", TODAY)}
    page = client.post(f"/children/{child.pk}/placements/add/", data).content.decode()
    assert "record the looked-after episode first" in page
    assert not Placement.objects.exists()


def test_episodes_refused_to_police(client, world):
    client.force_login(world["police"])
    data = {"kind": "early_help", **_date("start_date", TODAY)}
    assert client.post(f"/children/{world['child'].pk}/episodes/add/", data).status_code == 404
    assert not Episode.objects.exists()


# --- health, medicines, referrals -------------------------------------------------------


def test_condition_medicine_and_stopping_it(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    cond = {"name": "Epilepsy", "chronic": "on", **_date("diagnosed_on", dt.date(2015, 1, 1))}
    assert client.post(f"/children/{child.pk}/conditions/add/", cond).status_code == 302
    condition = Condition.objects.get()
    med = {
        "name": "Lamotrigine",
        "condition": condition.pk,
        "long_term": "on",
        **_date("start_date", dt.date(2015, 2, 1)),
    }
    assert client.post(f"/children/{child.pk}/medicines/add/", med).status_code == 302
    medicine = Medicine.objects.get()
    assert medicine.condition == condition
    bad = {"which": f"{medicine.pk}:", **_date("end_date", dt.date(2014, 1, 1))}
    page = client.post(f"/children/{child.pk}/medicines/end/", bad).content.decode()
    assert "The end date must be the same as or after the start date" in page
    ok = {"which": f"{medicine.pk}:", **_date("end_date", TODAY)}
    assert client.post(f"/children/{child.pk}/medicines/end/", ok).status_code == 302
    assert Medicine.objects.get().end_date == TODAY
    assert _writes(Medicine) == 2


def test_health_assessment_alert_resolves_through_the_page(
    client, world, django_capture_on_commit_callbacks
):
    child = looked_after_child(start=TODAY - dt.timedelta(days=60), dob=dt.date(2012, 1, 5))
    involve(child, world["sw"], "allocated_social_worker", start=TODAY - dt.timedelta(days=60))
    run_checks(TODAY)
    alert = Alert.objects.filter(child=child, check_id__contains="HEALTH").first()
    assert alert is not None, list(Alert.objects.values_list("check_id", flat=True))
    client.force_login(world["sw"])
    url = client.get(f"/alerts/{alert.pk}/resolve/")["Location"]
    assert url.startswith(f"/children/{child.pk}/health-assessments/add/?alert=")
    page = client.get(url).content.decode()
    assert 'value="initial" checked' in page
    empty = client.post(url, {"kind": "initial"}).content.decode()
    assert "Enter date of the assessment" in empty and not HealthAssessment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"kind": "initial", **_date("date", TODAY)})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_referral_with_outcome(client, world):
    child = world["child"]
    client.force_login(world["sw"])
    url = f"/children/{child.pk}/referrals/add/"
    bad = {
        "service": "camhs",
        "reason": "Low mood",
        "outcome": "no_contact",
        **_date("date", TODAY),
    }
    assert "Enter the date of the outcome" in client.post(url, bad).content.decode()
    assert not Referral.objects.exists()
    ok = bad | _date("outcome_date", TODAY)
    assert client.post(url, ok).status_code == 302
    referral = Referral.objects.get()
    assert referral.get_outcome_display() == "Closed after no contact"
    assert referral.referred_by == world["sw"]


# --- scenario format: unborn and approximate DOB, postcode, referrals ---------------------


SCENARIO = """\
safeguard_scenario: 1
partnership:
  agencies:
    - {code: tcs, name: Test Children's Services, kind: childrens_social_care}
    - {code: tcamhs, name: Test CAMHS, kind: camhs}
children:
  - local_id: U0001
    given_name: Baby
    family_name: Unborn
    expected_date_of_delivery: 2030-06-01
    sex: U
    local_authority: tcs
  - local_id: A0001
    given_name: Ali
    family_name: Assessed
    date_of_birth: 2009-01-01
    date_of_birth_precision: year
    age_assessed: true
    age_assessment_note: Merton-compliant assessment, March 2024
    postcode: wr1 2ab
    sex: M
    local_authority: tcs
    referrals:
      - service: camhs
        to_agency: tcamhs
        from_agency: tcs
        date: 2024-01-10
        reason: Low mood and poor sleep
        outcome: no_contact
        outcome_date: 2024-03-01
"""


def test_scenario_loads_unborn_assessed_and_referrals(tmp_path):
    from safeguard.scenarios.loader import load

    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    result = load([path])
    assert result.counts["children"] == 2 and result.counts["referrals"] == 1
    unborn = Child.objects.get(local_id="U0001")
    assert unborn.date_of_birth is None and unborn.age_on(TODAY) is None
    assessed = Child.objects.get(local_id="A0001")
    assert assessed.date_of_birth_display == "2009 (year only) (age assessed)"
    assert assessed.postcode == "WR1 2AB"
    referral = assessed.referrals.get()
    assert (referral.outcome, referral.outcome_date) == ("no_contact", dt.date(2024, 3, 1))
    assert referral.to_agency.code == "tcamhs"


def test_scenario_child_with_both_dob_and_edd_is_refused(tmp_path):
    from safeguard.scenarios.loader import ScenarioError, load

    text = SCENARIO.replace("    sex: U\n", "    sex: U\n    date_of_birth: 2030-01-01\n")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="not both"):
        load([path])
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_a_birth_or_death_in_the_future_is_refused():
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from safeguard.children import services
    from tests import factories

    child = factories.child()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="date of death must be today or in the past"):
        services.record_date_of_death(actor=None, child=child, date_of_death=tomorrow)
    child.refresh_from_db()
    assert child.date_of_death is None
    child.date_of_birth = tomorrow
    with pytest.raises(ValidationError, match="date of birth must be today or in the past"):
        child.full_clean()


# --- an empty POST is validated, not mistaken for a GET ---------------------------------------

# One page per way the pages bind their form with core.forms.posted (a plain page, the
# shared "add a record" page, the front door's pages, exploitation and missing, the
# medicines messages, contribute-without-seeing, emergency access, the second factor).
# A POST with nothing filled in (no radio chosen, no box ticked) sends no fields at all;
# with `request.POST or None` the page re-rendered the blank form without saying why.
EMPTY_POSTS = [
    ("sw", "/children/new/"),
    ("sw", "/children/{child}/identity/"),
    ("sw", "/children/{child}/episodes/add/"),
    ("sw", "/children/{child}/missing/add/"),
    ("sw", "/children/{child}/contacts/add/"),
    ("sw", "/children/{child}/close/"),
    ("pharmacist", "/medicines-messages/"),
    ("police", "/contribute/"),
    ("sw", "/access/break-glass/find/"),
    ("sw", "/access/two-factor/set-up/"),
]


@pytest.mark.parametrize(("who", "url"), EMPTY_POSTS)
def test_an_empty_post_shows_the_error_summary_and_writes_nothing(client, world, who, url):
    if who == "pharmacist":
        world["pharmacist"] = factories.user("ph", role="pharmacist")
    client.force_login(world[who])
    writes = AuditEntry.objects.exclude(actor=None).exclude(action="view").count()
    response = client.post(url.format(child=world["child"].pk))
    assert response.status_code == 200
    page = response.content.decode()
    # The GOV.UK error summary, with at least one message in it.
    assert "There is a problem" in page
    assert re.search(r'govuk-error-summary__list">\s*<li><a href="#id_', page)
    assert AuditEntry.objects.exclude(actor=None).exclude(action="view").count() == writes
