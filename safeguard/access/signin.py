"""Sign-in hardening pieces: the client's address and the lockout page (django-axes)."""

import ipaddress

from django.conf import settings
from django.shortcuts import render

LOCKOUT_MESSAGE = (
    "You have tried to sign in too many times. Wait 30 minutes, then try again. "
    "If you have forgotten your password, ask your administrator."
)


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """The same page whether or not the account exists, so it reveals nothing."""
    return render(
        request,
        "access/locked_out.html",
        {"lockout_message": LOCKOUT_MESSAGE},
        status=429,
    )


def client_ip(request) -> str | None:
    """The address of the client, for lockout and for the audit trail.

    REMOTE_ADDR unless SAFEGUARD_TRUSTED_PROXIES says how many reverse proxies in front of
    Safeguard append to X-Forwarded-For: then the address the outermost trusted proxy saw
    (counting from the right). Entries further left are supplied by the client and never
    trusted, so a client cannot dodge the lockout by inventing addresses.
    """
    meta = getattr(request, "META", {})
    proxies = getattr(settings, "SAFEGUARD_TRUSTED_PROXIES", 0)
    candidate = meta.get("REMOTE_ADDR")
    if proxies > 0:
        hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return ipaddress.ip_address((candidate or "").strip()).compressed
    except ValueError:
        return None
