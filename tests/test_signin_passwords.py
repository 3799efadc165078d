"""Passwords: a strength estimate and no personal details, wherever an account is made."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from safeguard.accounts import services as account_services
from safeguard.accounts.models import User
from safeguard.scenarios.loader import ScenarioError, load
from tests import factories
from tests.test_scenarios import GOOD, table_counts, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def john():
    return User(username="jsmith", first_name="John", last_name="Smith", email="j.smith@x.org")


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaaaa", " " * 12, "abcdefghijkl", "qwertyuiop12", "passwordpassword"],
    ids=["repeat", "spaces", "sequence", "keyboard", "common-doubled"],
)
def test_weak_passwords_are_refused(password, john):
    with pytest.raises(ValidationError, match="too easy to guess|too common"):
        validate_password(password, john)


@pytest.mark.parametrize("password", ["johnsmith2024!", "Smithereens-99x!", "JSMITH-long-pass-9"])
def test_passwords_containing_the_username_or_name_are_refused(password, john):
    with pytest.raises(ValidationError) as exc:
        validate_password(password, john)
    assert "Your password must not contain your username or your name." in exc.value.messages


def test_a_strong_password_and_the_demo_password_pass(john):
    validate_password("correct-horse-battery-staple", john)
    validate_password("safeguard-demo", john)


def test_creating_a_professional_checks_the_password():
    agency = factories.agency()
    with pytest.raises(ValidationError) as exc:
        account_services.create_professional(
            actor=None,
            username="a.person",
            first_name="Ann",
            last_name="Person",
            agency=agency,
            role="social_worker",
            password="aaaaaaaaaaaa",
        )
    assert "password" in exc.value.message_dict
    assert not User.objects.filter(username="a.person").exists()


def test_the_scenario_loader_refuses_a_weak_demo_password_naming_the_field(tmp_path):
    before = table_counts()
    text = GOOD.replace("password: safeguard-demo", "password: aaaaaaaaaaaa", 1)
    with pytest.raises(ScenarioError) as exc:
        load([write(tmp_path, text)])
    assert "password" in str(exc.value) and "too easy to guess" in str(exc.value)
    assert table_counts() == before


def test_the_admin_refuses_a_weak_password_for_a_new_account(client):
    admin = factories.user(role="administrator", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "new.person", "password1": "aaaaaaaaaaaa", "password2": "aaaaaaaaaaaa"},
    )
    assert response.status_code == 200
    assert b"too easy to guess" in response.content
    assert not User.objects.filter(username="new.person").exists()
