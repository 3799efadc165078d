"""The real sign-in page: password, then the second factor; lockout; no enumeration."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.access_helpers import person
from tests.test_signin_hardening import code_for

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def sign_in(client, username, password, ip="192.0.2.20"):
    return client.post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def error_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r'value="[^"]*"', "", body)


@override_settings(SAFEGUARD_REQUIRE_OTP=True)
def test_password_then_code_then_the_caseload(client):
    sw = person()
    device = TOTPDevice.objects.create(user=sw, name="phone", confirmed=True)
    response = sign_in(client, sw.username, PASSWORD)
    assert response.status_code == 302
    caseload = client.get(response["Location"])
    assert caseload.status_code == 302
    assert caseload["Location"].startswith("/access/two-factor/?next=")
    # The password alone opens no page with children on it.
    for url in ("/", "/children/search/?q=smith"):
        assert client.get(url).status_code == 302
    done = client.post(caseload["Location"], {"token": code_for(device)})
    assert done.status_code == 302
    assert client.get(done["Location"]).status_code == 200


@override_settings(SAFEGUARD_REQUIRE_OTP=True)
def test_first_sign_in_without_an_authenticator_goes_to_set_up(client):
    sw = person()
    sign_in(client, sw.username, PASSWORD)
    response = client.get("/")
    assert response["Location"].startswith("/access/two-factor/set-up/")


@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_wrong_password_unknown_user_and_inactive_account_look_the_same(client):
    sw = person()
    inactive = person()
    inactive.is_active = False
    inactive.save()
    pages = [
        sign_in(client, sw.username, "wrong-password"),
        sign_in(client, "nobody-by-this-name", "wrong-password"),
        sign_in(client, inactive.username, PASSWORD),
    ]
    assert {p.status_code for p in pages} == {200}
    assert "Enter a correct username and password" in pages[0].content.decode()
    # Same page, apart from the username typed back.
    texts = [error_text(p) for p in pages]
    assert texts[0] == texts[1] == texts[2]


@override_settings(AXES_ENABLED=True, SAFEGUARD_REQUIRE_OTP=False)
def test_sign_in_locks_after_five_failures_and_says_so_without_confirming_the_account(client):
    sw = person()
    for attempt in range(1, 5):
        response = sign_in(client, sw.username, "wrong-password")
        assert response.status_code == 200, attempt
        assert b"Enter a correct username and password" in response.content
    locked = sign_in(client, sw.username, "wrong-password")
    assert locked.status_code == 429
    assert b"You have tried to sign in too many times. Wait 30 minutes" in locked.content
    assert sign_in(client, sw.username, PASSWORD).status_code == 429
    for _ in range(5):
        ghost = sign_in(client, "no-such-user", "wrong-password")
    assert ghost.status_code == 429 and ghost.content == locked.content


@override_settings(AXES_ENABLED=True, SAFEGUARD_REQUIRE_OTP=False)
def test_a_successful_sign_in_resets_the_failure_count(client):
    sw = person()
    for _ in range(4):
        sign_in(client, sw.username, "wrong-password")
    assert sign_in(client, sw.username, PASSWORD).status_code == 302
    client.post("/sign-out/")
    for _ in range(4):
        assert sign_in(client, sw.username, "wrong-password").status_code == 200


@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_an_idle_session_is_signed_out(client):
    sw = person()
    assert sign_in(client, sw.username, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    session = Session.objects.get()
    session.expire_date = timezone.now() - timezone.timedelta(seconds=1)
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
