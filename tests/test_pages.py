"""The pages: sign in/out, caseload, search, child summary, chronology and its CSV."""

import csv
import io

import pytest
from django.urls import reverse

from tests import web_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The default hasher is deliberately slow; these tests create accounts many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return web_data.build()


@pytest.fixture
def sw_client(client, world):
    client.force_login(world.sw)
    return client


def text(response) -> str:
    return response.content.decode()


# --- Signing in and out -------------------------------------------------------------------


def test_sign_in_with_correct_password_goes_to_caseload(client, world):
    response = client.post(
        reverse("accounts:sign-in"), {"username": "sam.walker", "password": web_data.PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("children:caseload")
    page = client.get(response["Location"])
    assert "Sam Walker" in text(page)


@pytest.mark.parametrize(
    "username,password",
    [("sam.walker", "wrong-password-here"), ("nobody.at.all", web_data.PASSWORD)],
)
def test_sign_in_failure_gives_one_message_whatever_was_wrong(client, world, username, password):
    response = client.post(
        reverse("accounts:sign-in"), {"username": username, "password": password}
    )
    assert response.status_code == 200
    body = text(response)
    assert "There is a problem" in body
    assert '<a href="#id_username">Enter a correct username and password</a>' in body
    assert "<title>Error: Sign in" in body
    # The password typed is never sent back.
    assert password not in body.replace(username, "")


def test_inactive_account_gets_the_same_message(client, world):
    world.sw.is_active = False
    world.sw.save()
    response = client.post(
        reverse("accounts:sign-in"), {"username": "sam.walker", "password": web_data.PASSWORD}
    )
    assert "Enter a correct username and password" in text(response)


def test_sign_in_with_empty_fields_names_each_field(client, world):
    response = client.post(reverse("accounts:sign-in"), {"username": "", "password": ""})
    body = text(response)
    assert '<a href="#id_username">Enter your username</a>' in body
    assert '<a href="#id_password">Enter your password</a>' in body
    assert 'class="govuk-input govuk-!-width-one-half govuk-input--error"' in body


def test_sign_out_is_post_only(sw_client):
    assert sw_client.get(reverse("accounts:sign-out")).status_code == 405
    response = sw_client.post(reverse("accounts:sign-out"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign-in")
    page = sw_client.get(response["Location"])
    assert "You have signed out" in text(page)
    assert sw_client.get(reverse("children:caseload")).status_code == 302


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("children:caseload", {}),
        ("children:search", {}),
        ("children:summary", {"child_id": 1}),
        ("chronology:chronology", {"child_id": 1}),
        ("chronology:export", {"child_id": 1}),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, world, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:sign-in')}?next={url}"


# --- Layout ---------------------------------------------------------------------------------


def test_layout_has_service_navigation_and_no_inline_script_or_style(sw_client, world):
    body = text(sw_client.get(reverse("children:caseload")))
    assert '<html lang="en-GB"' in body
    assert 'href="#main-content" class="govuk-skip-link"' in body
    assert 'aria-current="page"' in body
    assert "Sam Walker" in body
    assert 'action="/sign-out/"' in body
    assert "style=" not in body
    assert "<script>" not in body  # every script has a src (strict CSP)
    assert 'type="module" src="/static/safeguard-init.js"' in body


def test_phase_banner_only_in_demo_mode(sw_client, settings):
    assert "govuk-phase-banner" not in text(sw_client.get(reverse("children:caseload")))
    settings.MODE = "demo"
    assert "Demo</strong>" in text(sw_client.get(reverse("children:caseload")))


# --- Caseload -------------------------------------------------------------------------------


def test_caseload_shows_only_my_current_involvements(sw_client, world):
    body = text(sw_client.get(reverse("children:caseload")))
    assert "SMITH, Sarah" in body
    assert "BROWN, Tom" in body
    assert "GREEN, Olive" not in body  # involvement ended last year
    assert "SMITHSON, Peter" not in body  # someone else's
    assert "Looked after (V2)" in body
    assert "Child protection plan" in body
    assert "U6 Foster placement with other foster carer (not long term)" in body
    # Tom appears once, with both of my roles.
    assert body.count("BROWN, Tom") == 1
    assert "Allocated social worker, Exploitation (Get Safe) worker" in body
    assert f'href="{reverse("children:summary", args=[world.sarah.pk])}"' in body


def test_caseload_empty_state(client, world):
    client.force_login(world.officer.__class__.objects.create_user("new.person", password="x"))
    body = text(client.get(reverse("children:caseload")))
    assert "You are not currently involved with any children." in body


# --- Search ---------------------------------------------------------------------------------


def search(client, q):
    return client.get(reverse("children:search"), {"q": q})


@pytest.mark.parametrize(
    "q,found,not_found",
    [
        # Peter is only the manager's, and Sam's involvement with Olive has ended: the
        # access rule (docs/access.md) keeps both out of Sam's results.
        ("smith", ["SMITH, Sarah"], ["BROWN, Tom", "SMITHSON, Peter"]),
        ("SAR smi", ["SMITH, Sarah"], ["SMITHSON, Peter"]),
        ("3/12/2001", ["SMITH, Sarah"], ["BROWN, Tom"]),
        ("03/12/2001", ["SMITH, Sarah"], ["BROWN, Tom"]),
        ("2001-12-03", ["SMITH, Sarah"], ["BROWN, Tom"]),
        ("943 476 5919", ["SMITH, Sarah"], ["BROWN, Tom"]),
        ("9434765870", ["BROWN, Tom"], ["SMITH, Sarah"]),
        ("wcf-00456", ["BROWN, Tom"], ["SMITH, Sarah"]),
        ("wcf-00789", [], ["GREEN, Olive"]),
    ],
)
def test_search_by_each_kind_of_key(sw_client, world, q, found, not_found):
    body = text(search(sw_client, q))
    for name in found:
        assert name in body
    for name in not_found:
        assert name not in body


def test_search_with_no_match(sw_client, world):
    body = text(search(sw_client, "zebedee"))
    assert "No child you work with matches" in body
    assert "No child you work with matches “zebedee”" in body


@pytest.mark.parametrize(
    "q,message",
    [
        ("", "Enter a name, date of birth, NHS number or local child ID"),
        ("   ", "Enter a name, date of birth, NHS number or local child ID"),
        ("31/02/2001", "31/02/2001 is not a real date: enter a date of birth like 3/12/2001"),
        (
            "12/2001",
            "Enter a date of birth as day/month/year, for example 3/12/2001, or as 2001-12-03",
        ),
        ("1/1/2999", "Date of birth must be today or in the past"),
        ("!!!", "Enter a name using letters, or a date of birth, NHS number or local child ID"),
        ("s", "Enter at least 2 letters of the child&#x27;s name"),
    ],
)
def test_search_bad_input_in_error_summary(sw_client, world, q, message):
    body = text(search(sw_client, q))
    assert "There is a problem" in body
    assert f'<a href="#id_q">{message}</a>' in body
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in body
    assert "govuk-table" not in body


def test_search_page_without_query_shows_just_the_form(sw_client, world):
    body = text(sw_client.get(reverse("children:search")))
    assert "There is a problem" not in body
    assert 'name="q"' in body


# --- Child summary --------------------------------------------------------------------------


def test_child_summary_content(sw_client, world):
    body = text(sw_client.get(reverse("children:summary", args=[world.sarah.pk])))
    for expected in [
        "Sarah Smith",
        "3 December 2001",
        "943 476 5919",
        "WCF-00123",
        "White British",
        "Looked after: V2 Single period of accommodation under s20, since 10 January 2017",
        "U6 Foster placement with other foster carer (not long term)",
        "Mr and Mrs Oak",
        "Sam Walker",
        "Allocated social worker",
        "Westshire Police",
        "Jane Smith",
        "Yes: Birth mother (s2)",
        "Adults of concern: Mark Stone (on police bail not to contact Sarah)",
        "Frontal lobe epilepsy, diagnosed 2010",
        "Lamotrigine 100 mg twice daily, prescribed by Dr Ash",
        "Review health assessment, 4 March 2019 by Nurse Birch",
        reverse("chronology:chronology", args=[world.sarah.pk]),
    ]:
        assert expected in body, expected
    assert "Carbamazepine" not in body  # stopped in 2016
    assert "Child in need plan" not in body  # ended 2017


def test_child_summary_age_at_death(sw_client, world):
    import datetime as dt

    from safeguard.children.services import record_date_of_death

    record_date_of_death(actor=None, child=world.sarah, date_of_death=dt.date(2019, 6, 20))
    body = text(sw_client.get(reverse("children:summary", args=[world.sarah.pk])))
    assert "Sarah died on 20 June 2019, aged 17." in body
    assert "Age at death" in body
    # Read as at her death: the team manager's involvement (from 2018) and the police
    # officer's (from 1 June 2019) were current then.
    assert "Tia Manager" in body and "Pat Hale" in body
    assert "U6 Foster placement" in body


def test_child_summary_as_at_death_leaves_out_what_came_later(sw_client, world):
    import datetime as dt

    from safeguard.children.services import record_date_of_death

    record_date_of_death(actor=None, child=world.sarah, date_of_death=dt.date(2018, 6, 1))
    body = text(sw_client.get(reverse("children:summary", args=[world.sarah.pk])))
    assert "Tia Manager" in body  # involved from 1 January 2018
    assert "Pat Hale" not in body  # involved from 1 June 2019, after she died
    assert "Mr and Mrs Oak" not in body  # placement from January 2019
    assert "Looked after: V2" in body


def test_unknown_child_is_404_in_govuk_style(sw_client, world):
    response = sw_client.get(reverse("children:summary", args=[999999]))
    assert response.status_code == 404


# --- Chronology -----------------------------------------------------------------------------


def chronology(client, child, params=None):
    return client.get(reverse("chronology:chronology", args=[child.pk]), params or {})


def rows(body):
    return body.count('<tr class="govuk-table__row sg-') + body.count(
        '<tr class="govuk-table__row" data-entry-type'
    )


def test_chronology_shows_every_agency_in_order(sw_client, world):
    body = text(chronology(sw_client, world.sarah, {"order": "oldest"}))
    order = [
        "Child in need plan started",
        "Looked after under V2 Single period of accommodation under s20 started",
        "Placed: U6",
        'June 2019 <span class="govuk-body-s">(approximate)</span>',
        "Seizure at an adult",
        "Police called to an address",
    ]
    positions = [body.index(item) for item in order]
    assert positions == sorted(positions)
    # Newest first by default.
    newest = text(chronology(sw_client, world.sarah))
    positions = [newest.index(item) for item in order]
    assert positions == sorted(positions, reverse=True)
    assert '2010 <span class="govuk-body-s">(approximate)</span>' in body
    # Corrected and withdrawn entries are hidden by default; the correction is shown.
    assert "3 May 2019" in body
    assert "2 May 2019" not in body
    assert "Suspended from school" not in body
    assert "Correction of an earlier entry: Wrong date copied from the discharge letter" in body


def test_chronology_filter_by_agency(sw_client, world):
    body = text(chronology(sw_client, world.sarah, {"agency": ["west-police"]}))
    assert "Police called to an address" in body
    assert "Seizure at an adult" not in body
    assert "Placed: U6" not in body
    assert 'value="west-police" checked' in body


def test_chronology_filter_by_type(sw_client, world):
    body = text(chronology(sw_client, world.sarah, {"type": ["seizure", "placement_start"]}))
    assert "Seizure at an adult" in body
    assert "Placed: U6" in body
    assert "Police called" not in body
    assert "Showing 2 of" in body


def test_chronology_filter_by_period(sw_client, world):
    body = text(
        chronology(
            sw_client,
            world.sarah,
            {"from_day": "", "from_month": "6", "from_year": "2019", "to_year": "2019"},
        )
    )
    assert "Police called" in body
    assert "=HYPERLINK(&quot;http://evil.example&quot;" in body
    assert "3 May 2019" not in body
    assert "Placed: U6" not in body


def test_chronology_shows_corrected_and_withdrawn_when_asked(sw_client, world):
    body = text(chronology(sw_client, world.sarah, {"corrected": "on"}))
    assert "2 May 2019" in body
    assert "Corrected later" in body
    assert "because: Wrong date copied from the discharge letter" in body
    assert "Withdrawn because: Recorded on the wrong child&#x27;s file" in body
    assert "Withdrawn later" in body


@pytest.mark.parametrize(
    "params,message,anchor",
    [
        (
            {"from_day": "31", "from_month": "2", "from_year": "2019"},
            "The ‘from’ date must be a real date, for example 27 3 2019 or 2019",
            "id_from_day",
        ),
        ({"to_month": "3"}, "The ‘to’ date must include a year", "id_to_day"),
        (
            {"from_day": "4", "from_year": "2019"},
            "The ‘from’ date must include a month",
            "id_from_day",
        ),
        (
            {"from_year": "2020", "to_year": "2019"},
            "The ‘to’ date must be the same as or after the ‘from’ date",
            "id_to_day",
        ),
        (
            {"from_year": "20x9"},
            "The ‘from’ date must be a real date, for example 27 3 2019 or 2019",
            "id_from_day",
        ),
        (
            {"agency": "nowhere"},
            "Select agencies from the list (nowhere is not one of them)",
            "agency-1",
        ),
    ],
)
def test_chronology_filter_errors_in_error_summary(sw_client, world, params, message, anchor):
    body = text(chronology(sw_client, world.sarah, params))
    assert "There is a problem" in body
    assert f'<a href="#{anchor}">{message}</a>' in body
    assert 'id="timeline"' not in body


def test_chronology_of_unknown_child_is_404(sw_client, world):
    assert sw_client.get(reverse("chronology:chronology", args=[999999])).status_code == 404


def test_chronology_page_loads_htmx_from_static_and_targets_main(sw_client, world):
    body = text(chronology(sw_client, world.sarah))
    assert 'src="/static/vendor/htmx/htmx.min.js"' in body
    assert 'hx-push-url="true"' in body
    assert 'hx-select="#main-content"' in body


# --- CSV export -----------------------------------------------------------------------------


def export(client, child, params=None):
    response = client.get(reverse("chronology:export", args=[child.pk]), params or {})
    assert response.status_code == 200, response.content
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return response, list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))


def test_csv_export_content(sw_client, world):
    response, records = export(sw_client, world.sarah)
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="chronology-WCF-00123-')
    assert list(records[0]) == [
        "occurred",
        "precision",
        "agency",
        "type_code",
        "type_label",
        "summary",
        "recorded_at",
        "recorded_by",
        "status",
        "details",
    ]
    incident = next(r for r in records if r["type_code"] == "police_incident")
    assert incident["occurred"] == "2019-06-16T21:40+01:00"
    assert incident["precision"] == "exact"
    assert incident["agency"] == "Westshire Police"
    assert incident["type_label"] == "Police incident"
    assert incident["recorded_by"] == "Pat Hale"
    assert incident["status"] == "current"
    # Details as readable text, not raw JSON.
    assert incident["details"] == "incident ref: WP-1906-0042"
    missing = next(r for r in records if r["type_code"] == "missing_from_care")
    assert (missing["occurred"], missing["precision"]) == ("2019-06", "month")
    assert {r["status"] for r in records} == {"current"}


def test_csv_export_guards_against_formula_injection(sw_client, world):
    _, records = export(sw_client, world.sarah, {"type": "note"})
    assert [r["summary"] for r in records] == ['\'=HYPERLINK("http://evil.example","click")']


def test_csv_export_applies_the_same_filters(sw_client, world):
    _, records = export(sw_client, world.sarah, {"agency": "west-police"})
    assert [r["type_code"] for r in records] == ["police_incident"]
    _, records = export(
        sw_client, world.sarah, {"corrected": "on", "type": "ae_attendance", "order": "oldest"}
    )
    assert [(r["occurred"], r["status"]) for r in records] == [
        ("2019-05-02", "superseded"),
        ("2019-05-03", "current"),
    ]
    _, records = export(
        sw_client, world.sarah, {"corrected": "on", "type": "school_exclusion", "order": "oldest"}
    )
    assert [r["status"] for r in records] == ["superseded", "withdrawn"]


def test_csv_export_with_bad_filter_is_400(sw_client, world):
    response = sw_client.get(
        reverse("chronology:export", args=[world.sarah.pk]),
        {"from_year": "2020", "to_year": "2019"},
    )
    assert response.status_code == 400
    assert "The ‘to’ date must be the same as or after the ‘from’ date" in response.content.decode()


def test_safe_cell_prefixes_every_formula_start():
    from safeguard.chronology.export import safe_cell

    for start in "=+-@\t\r":
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("Seizure") == "Seizure"
    assert safe_cell(None) == ""


# --- Error pages and the access policy ------------------------------------------------------


def test_404_page_is_govuk_styled(sw_client, world):
    response = sw_client.get("/no-such-page/")
    assert response.status_code == 404
    body = text(response)
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in body
    assert "govuk-service-navigation" in body


def test_500_page_renders_without_a_request():
    from django.template.loader import render_to_string

    body = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in body
    assert "Sign out" not in body


def test_csrf_failure_page(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:sign-in"), {"username": "sam.walker", "password": web_data.PASSWORD}
    )
    assert response.status_code == 403
    assert "The form has expired" in text(response)


def test_child_pages_refuse_a_child_the_policy_hides(sw_client, world, monkeypatch):
    from safeguard.access import policy
    from safeguard.children.models import Child

    monkeypatch.setattr(policy, "visible_children", lambda request, area: Child.objects.none())
    for url in [
        reverse("children:summary", args=[world.sarah.pk]),
        reverse("chronology:chronology", args=[world.sarah.pk]),
        reverse("chronology:export", args=[world.sarah.pk]),
    ]:
        assert sw_client.get(url).status_code == 404, url


def test_summary_leaves_out_areas_the_policy_hides(sw_client, world, monkeypatch):
    from safeguard.casework import views

    # The view shows the sections of the areas the policy allows (policy.allowed_areas).
    def only_summary(request, child):
        return frozenset({"identity", "looked_after_status", "summary"})

    monkeypatch.setattr(views, "allowed_areas", only_summary)
    body = text(sw_client.get(reverse("children:summary", args=[world.sarah.pk])))
    assert "Who is involved" in body
    assert "Family and people" not in body
    assert "Mark Stone" not in body
    assert "Lamotrigine" not in body
    assert "Read Sarah’s chronology" not in body


def test_views_never_query_children_directly():
    """Every child lookup goes through safeguard.access.policy (see its docstring)."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "safeguard"
    offenders = [
        str(path.relative_to(root))
        for app in ("accounts", "children", "chronology")
        for name in ("views.py", "selectors.py", "forms.py", "export.py")
        if (path := root / app / name).exists() and "Child.objects" in path.read_text()
    ]
    assert offenders == []
