"""The admin site is for accounts only: no child-record model is registered there."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import override_settings

from tests.access_helpers import person

CHILD_RECORD_APPS = {"children", "episodes", "health", "chronology"}


def test_no_child_record_model_is_registered_in_the_admin():
    registered = {model._meta.label for model in admin.site._registry}
    child_record_models = {
        m._meta.label for m in apps.get_models() if m._meta.app_label in CHILD_RECORD_APPS
    }
    assert not registered & child_record_models, (
        "child-record models must not be in the admin (docs/access.md, 'The admin site'): "
        f"{sorted(registered & child_record_models)}"
    )


@pytest.mark.django_db
@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_only_superusers_and_administrators_reach_the_admin(client):
    for role, staff, expected in [
        ("social_worker", True, 302),
        ("team_manager", True, 302),
        ("administrator", False, 302),
        ("administrator", True, 200),
    ]:
        client.force_login(person(role, is_staff=staff))
        assert client.get("/admin/").status_code == expected, (role, staff)


@pytest.mark.django_db
@override_settings(SAFEGUARD_REQUIRE_OTP=True)
def test_the_admin_needs_the_second_factor(client):
    client.force_login(person("administrator", is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/access/two-factor/set-up/")


@pytest.mark.django_db
@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_audit_trail_in_the_admin_is_read_only_and_names_no_child(client):
    from safeguard.access.models import AuditEntry
    from tests import factories

    factories.child(given_name="Nadia", family_name="Oyelaran")
    entry = AuditEntry.objects.get()
    client.force_login(person("administrator", is_staff=True, is_superuser=True))
    listing = client.get("/admin/access/auditentry/")
    detail = client.get(f"/admin/access/auditentry/{entry.pk}/change/")
    assert listing.status_code == detail.status_code == 200
    for page in (listing, detail):
        assert b"Oyelaran" not in page.content
    assert b'name="_save"' not in detail.content
    assert client.post(f"/admin/access/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
