"""Security middleware: Content-Security-Policy, the second-factor gate, audit context."""

from __future__ import annotations

import logging

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve

from . import audit

logger = logging.getLogger(__name__)


class ContentSecurityPolicyMiddleware:
    """Send the strict CSP (settings.SAFEGUARD_CSP) on every response.

    Django 5.2 has no built-in CSP. The policy allows no inline script or style, so
    templates load GOV.UK Frontend from our own static files and nothing else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.SAFEGUARD_CSP)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user.

    Any page a signed-in professional gets may carry a child's details; no browser or proxy
    cache may keep it (the back button after sign-out, a shared computer). Static files are
    left cacheable. Source: OWASP ASVS v4 8.2.1; NCSC "Protecting bulk personal data".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) and not request.path.startswith(
            settings.STATIC_URL
        ):
            response["Cache-Control"] = "no-store"
        return response


# URL names a signed-in but not yet second-factor-verified user may reach.
SECOND_FACTOR_EXEMPT = {
    "access:otp-verify",
    "access:otp-set-up",
    "accounts:sign-in",
    "accounts:sign-out",
}


class SecondFactorMiddleware:
    """When SAFEGUARD_REQUIRE_OTP is on, a password alone opens nothing but the OTP step.

    Signed-in users whose session is not verified by django-otp are sent to enter a code
    (or to set up their authenticator app if they have none). policy.visible_children
    checks the same thing again, so a page this gate missed still shows no child.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            getattr(settings, "SAFEGUARD_REQUIRE_OTP", True)
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not self._exempt(request)
        ):
            from django_otp import devices_for_user

            target = (
                "access:otp-verify"
                if any(True for _ in devices_for_user(user, confirmed=True))
                else "access:otp-set-up"
            )
            response = redirect(target)
            if request.method == "GET":
                response["Location"] += "?" + _next_query(request)
            return response
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in SECOND_FACTOR_EXEMPT


def _next_query(request) -> str:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query["next"] = request.get_full_path()
    return query.urlencode()


class AuditContextMiddleware:
    """Let writes made while serving a request record where they came from; serve 503 when a
    read's audit entry cannot be written (the read is refused, not served unaudited)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.audit_context(request=request):
            return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, audit.AuditUnavailable):
            logger.error(
                "audit unavailable, request refused: %s %s: %s",
                request.method,
                request.path,
                exception,
            )
            broken = isinstance(exception, audit.AuditChainBroken)
            return render(
                request, "access/audit_unavailable.html", {"chain_broken": broken}, status=503
            )
        return None
