"""Sign-in hardening pieces: the lockout page (django-axes calls lockout_response)."""

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
