"""Each kind of read through the pages leaves the right audit entry."""

import datetime as dt

import pytest

from safeguard.access.audit import verify_chain
from safeguard.access.models import AuditEntry
from safeguard.episodes.services import record_episode, record_placement
from safeguard.health.services import record_condition, record_medicine
from tests import factories
from tests.access_helpers import involve, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client):
    sw = person()
    child = factories.child(given_name="Amira", family_name="Quayle", nhs_number="9434765919")
    involve(sw, child)
    client.force_login(sw)
    return sw, child


def reads(user, **filters):
    return list(AuditEntry.objects.filter(actor=user, **filters).order_by("seq"))


def test_summary_page_view_is_audited_with_page_and_basis(client, setup):
    sw, child = setup
    assert client.get(f"/children/{child.pk}/", HTTP_USER_AGENT="Firefox").status_code == 200
    (entry,) = reads(sw, action="view")
    assert (entry.child, entry.area, entry.basis, entry.via) == (
        child,
        "identity",
        "involvement",
        "web",
    )
    assert (entry.path, entry.ip, entry.user_agent) == (
        f"/children/{child.pk}/",
        "127.0.0.1",
        "Firefox",
    )


def test_chronology_and_export_are_audited_as_such(client, setup):
    sw, child = setup
    client.get(f"/children/{child.pk}/chronology/?agency=wcf")
    response = client.get(f"/children/{child.pk}/chronology.csv")
    assert response.status_code == 200
    view, export = reads(sw)
    assert (view.action, view.area, view.path) == (
        "view",
        "chronology",
        f"/children/{child.pk}/chronology/?agency=wcf",
    )
    assert (export.action, export.area) == ("export", "export")


def test_caseload_and_search_record_each_child_listed(client, setup):
    sw, child = setup
    other = factories.child(family_name="Quayleson")
    involve(sw, other)
    unseen = factories.child(family_name="Quaylewood")
    client.get("/")
    listed = reads(sw, action="search_result")
    assert {e.child for e in listed} == {child, other}
    assert {e.path for e in listed} == {"/"}
    client.get("/children/search/?q=quayle")
    searched = reads(sw, action="search_result", path="/children/search/?q=quayle")
    assert {e.child for e in searched} == {child, other}
    assert not AuditEntry.objects.filter(child=unseen, action="search_result").exists()
    assert verify_chain().ok


def test_a_refused_read_leaves_no_read_entry(client, setup):
    sw, _ = setup
    stranger = factories.child(family_name="Unseen")
    assert client.get(f"/children/{stranger.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(child=stranger, actor=sw).exists()


def test_pharmacist_sees_identity_looked_after_and_medicines_only(client):
    pharmacist = person("pharmacist")
    child = factories.child(given_name="Amira", family_name="Quayle", nhs_number="9434765919")
    involve(pharmacist, child, role="pharmacist")
    record_episode(
        actor=None,
        child=child,
        kind="looked_after",
        start_date=dt.date(2023, 1, 1),
        legal_status="C2",
    )
    record_placement(
        actor=None,
        child=child,
        start_date=dt.date(2023, 1, 1),
        placement_type="K2",
        provider_name="Hilltop House",
    )
    record_condition(actor=None, child=child, name="Epilepsy")
    record_medicine(actor=None, child=child, name="Levetiracetam", start_date=dt.date(2023, 1, 1))
    client.force_login(pharmacist)
    page = client.get(f"/children/{child.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    for shown in ("Amira Quayle", "17 May 2010", "943 476 5919", "Levetiracetam"):
        assert shown in body, shown
    assert "Looked after by the local authority" in body
    for hidden in ("Hilltop House", "Epilepsy", "Who is involved", "chronology", "C2 "):
        assert hidden not in body, hidden
    assert client.get(f"/children/{child.pk}/chronology/").status_code == 404


def test_police_chronology_leaves_out_health_and_medicines_entries(client):
    from safeguard.chronology.services import record_event

    officer, sw = person("police_officer"), person()
    child = factories.child(family_name="Quayle")
    involve(officer, child, role="police_officer")
    involve(sw, child)
    hospital = factories.agency("west-nhs", name="Westshire Hospitals")
    police = factories.agency("west-police", name="Westshire Police")
    record_event(
        actor=None,
        child=child,
        event_type="self_harm",
        occurred="2023-04-01",
        source_agency=hospital,
        summary="Overdose of paracetamol",
    )
    record_event(
        actor=None,
        child=child,
        event_type="police_protection",
        occurred="2023-04-02",
        source_agency=police,
        summary="Police protection powers used",
    )
    record_condition(actor=None, child=child, name="Epilepsy", diagnosed_on=dt.date(2020, 1, 1))
    client.force_login(officer)
    body = client.get(f"/children/{child.pk}/chronology/").content.decode()
    assert "Police protection powers used" in body
    for hidden in ("Overdose", "Self-harm", "Epilepsy", "Westshire Hospitals"):
        assert hidden not in body, hidden
    crafted = client.get(f"/children/{child.pk}/chronology/?type=self_harm").content.decode()
    assert "Overdose" not in crafted
    client.force_login(sw)
    body = client.get(f"/children/{child.pk}/chronology/").content.decode()
    for shown in ("Overdose", "Epilepsy", "Police protection powers used"):
        assert shown in body, shown


def test_pharmacist_lists_their_children_without_plans_or_placement(client):
    pharmacist = person("pharmacist")
    child = factories.child(given_name="Amira", family_name="Quayle")
    involve(pharmacist, child, role="pharmacist")
    record_episode(
        actor=None,
        child=child,
        kind="looked_after",
        start_date=dt.date(2023, 1, 1),
        legal_status="C2",
    )
    client.force_login(pharmacist)
    for url in ("/", "/children/search/?q=quayle"):
        body = client.get(url).content.decode()
        assert "QUAYLE, Amira" in body, url
        assert "Not shown to your role" in body and "Looked after (C2)" not in body, url
    assert set(
        AuditEntry.objects.filter(actor=pharmacist, action="search_result").values_list(
            "area", flat=True
        )
    ) == {"identity"}


def test_alert_pages_audit_the_children_they_name(client, setup):
    from django.utils import timezone

    from safeguard.checks.models import Alert, AlertRecipient

    sw, child = setup
    today = timezone.localdate()
    alert = Alert.objects.create(
        check_id="LAC-HEALTH-ASSESSMENT",
        child=child,
        subject_key="initial",
        severity="high",
        status="raised",
        due_date=today,
        detail="Initial health assessment overdue",
        first_raised_on=today,
        raised_on=today,
    )
    AlertRecipient.objects.create(alert=alert, professional=sw, role="allocated_social_worker")
    assert client.get("/alerts/").status_code == 200
    (listed,) = reads(sw, action="search_result", path="/alerts/")
    assert (listed.child, listed.area) == (child, "summary")
    assert client.get(f"/alerts/{alert.pk}/").status_code == 200
    (viewed,) = reads(sw, action="view", path=f"/alerts/{alert.pk}/")
    assert viewed.child == child
