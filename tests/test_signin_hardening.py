"""Sign-in and session hardening: second factor, lockout, session expiry, headers, deploy."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.access_helpers import person

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@override_settings(SAFEGUARD_REQUIRE_OTP=True)
def test_password_alone_opens_nothing_until_the_authenticator_is_set_up_and_used(client):
    manager = person("team_manager")
    client.force_login(manager)
    response = client.get("/access/break-glass/")
    assert response.status_code == 302
    assert response["Location"] == "/access/two-factor/set-up/?next=%2Faccess%2Fbreak-glass%2F"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Set up your authenticator app" in page.content
    assert b'src="data:image/svg+xml' in page.content
    # No inline script (the CSP would block it): every <script> loads a file.
    assert re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>", page.content) == []
    device = TOTPDevice.objects.get(user=manager, confirmed=False)

    wrong = client.post("/access/two-factor/set-up/", {"token": "000000"})
    if code_for(device) == "000000":  # one in a million: the wrong code is the right one
        pytest.skip("generated code collided with the wrong code")
    assert wrong.status_code == 200
    assert b"There is a problem" in wrong.content
    assert b"The security code is not right, or it has expired" in wrong.content
    # Each wrong code makes the device wait longer before the next try (django-otp
    # throttling); the real user is slower than the test, so clear the wait.
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttle_reset()

    done = client.post(
        "/access/two-factor/set-up/", {"token": code_for(device), "next": "/access/break-glass/"}
    )
    assert done.status_code == 302 and done["Location"] == "/access/break-glass/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/access/break-glass/").status_code == 200


@override_settings(SAFEGUARD_REQUIRE_OTP=True)
def test_a_new_session_must_enter_the_code_and_cannot_enrol_another_device(client):
    manager = person("team_manager")
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    client.force_login(manager)
    response = client.get("/access/break-glass/")
    assert response["Location"].startswith("/access/two-factor/?next=")
    # With a confirmed device, the set-up page sends you to enter a code instead.
    assert client.get("/access/two-factor/set-up/")["Location"] == "/access/two-factor/"
    assert TOTPDevice.objects.filter(user=manager).count() == 1

    bad = client.post("/access/two-factor/", {"token": "12ab56"})
    assert b"The security code must be 6 digits" in bad.content
    ok = client.post("/access/two-factor/", {"token": code_for(device)})
    assert ok.status_code == 302
    assert client.get("/access/break-glass/").status_code == 200


@override_settings(SAFEGUARD_REQUIRE_OTP=True)
def test_otp_next_parameter_cannot_redirect_off_site(client):
    manager = person("team_manager")
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    client.force_login(manager)
    response = client.post(
        "/access/two-factor/", {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def _admin_login(client, username, password):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR="192.0.2.10",
    )


@override_settings(AXES_ENABLED=True, SAFEGUARD_REQUIRE_OTP=False)
def test_five_failures_lock_the_username_and_ip_for_thirty_minutes(client):
    admin = person("administrator", is_staff=True)
    for _ in range(4):
        response = _admin_login(client, admin.username, "wrong-password")
        assert response.status_code == 200  # the ordinary "wrong password" form
    locked = _admin_login(client, admin.username, "wrong-password")
    assert locked.status_code == 429
    assert b"You have tried to sign in too many times. Wait 30 minutes" in locked.content
    # Now even the right password is refused.
    assert _admin_login(client, admin.username, "correct-horse-battery").status_code == 429
    # Another IP address is not locked out.
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": admin.username, "password": "correct-horse-battery"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302


@override_settings(AXES_ENABLED=True, SAFEGUARD_REQUIRE_OTP=False)
def test_lockout_page_is_the_same_whether_or_not_the_account_exists(client):
    admin = person("administrator", is_staff=True)
    pages = []
    for username in (admin.username, "no-such-user"):
        for _ in range(5):
            response = _admin_login(client, username, "wrong-password")
        assert response.status_code == 429
        pages.append(response.content)
    assert pages[0] == pages[1]


@override_settings(SAFEGUARD_REQUIRE_OTP=False)
def test_session_expires_after_thirty_minutes_without_a_request(client, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    admin = person("administrator", is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    # A browser-session cookie: no Max-Age or Expires, so closing the browser ends it.
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]
    # Every request renews the 30 minutes.
    session = Session.objects.get()
    assert abs((session.expire_date - timezone.now()).total_seconds() - 1800) < 60
    # 31 minutes of inactivity later, the session is gone.
    session.expire_date = timezone.now() - timezone.timedelta(minutes=1)
    session.save()
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_every_response_carries_the_strict_csp(client):
    response = client.get("/admin/login/")
    assert response["Content-Security-Policy"] == CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_password_validators_reject_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = person()
    with pytest.raises(ValidationError) as exc:
        validate_password("password123", user)
    assert (
        "This password is too short. It must contain at least 12 characters." in exc.value.messages
    )
    assert "This password is too common." in exc.value.messages


def test_deploy_checks_are_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "SAFEGUARD_MODE": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "safeguard.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "SAFEGUARD_AUDIT_KEY": secrets.token_urlsafe(32),
        "SAFEGUARD_AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints"),
        "DEBUG": "",
    }
    # Only what a production server would have: nothing the test run set for itself
    # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy checks flag).
    for name in ("SAFEGUARD_REQUIRE_OTP", "AXES_ENABLED", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "DEBUG"],
        env={**env, "DJANGO_SETTINGS_MODULE": "safeguard.settings"},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_turn_on_hsts_secure_cookies_and_the_second_factor(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_SSL_REDIRECT, s.SAFEGUARD_REQUIRE_OTP, s.AXES_ENABLED, s.DEBUG)"
    )
    env = {
        **os.environ,
        "SAFEGUARD_MODE": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "safeguard.example.org",
        "SAFEGUARD_AUDIT_KEY": secrets.token_urlsafe(32),
        "SAFEGUARD_AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints"),
        "DJANGO_SETTINGS_MODULE": "safeguard.settings",
    }
    for name in ("SAFEGUARD_REQUIRE_OTP", "AXES_ENABLED", "DEBUG"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True", "True", "False"], (
        result.stderr
    )


def test_deploy_check_warns_when_production_turns_the_second_factor_off(tmp_path):
    env = {
        **os.environ,
        "SAFEGUARD_MODE": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "safeguard.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "SAFEGUARD_AUDIT_KEY": secrets.token_urlsafe(32),
        "SAFEGUARD_AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints"),
        "SAFEGUARD_REQUIRE_OTP": "0",
        "AXES_ENABLED": "0",
        "DJANGO_SETTINGS_MODULE": "safeguard.settings",
    }
    for name in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "(safeguard.access.W001) SAFEGUARD_REQUIRE_OTP is off in production" in result.stderr
    assert "(safeguard.access.W002) AXES_ENABLED is off in production" in result.stderr


def test_client_address_ignores_forwarded_for_unless_proxies_are_trusted(settings, rf):
    from safeguard.access.signin import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.SAFEGUARD_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.5"
    settings.SAFEGUARD_TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.9"
    settings.SAFEGUARD_TRUSTED_PROXIES = 2
    assert client_ip(request) == "6.6.6.6"
    settings.SAFEGUARD_TRUSTED_PROXIES = 3  # fewer hops than proxies: not trusted
    assert client_ip(request) == "10.0.0.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="not-an-ip")) is None


@override_settings(AXES_ENABLED=True, SAFEGUARD_REQUIRE_OTP=False)
def test_inventing_forwarded_addresses_does_not_dodge_the_lockout(client):
    admin = person("administrator", is_staff=True)
    for n in range(5):
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": admin.username, "password": "wrong-password"},
            REMOTE_ADDR="192.0.2.10",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert response.status_code == 429
