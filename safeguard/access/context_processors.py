from .roles import has_capability


def access(request):
    """Which access links the signed-in professional's role offers (navigation, 404)."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", "") if user is not None and user.is_authenticated else ""
    return {
        "may_break_glass": bool(role) and has_capability(role, "break_glass"),
        "may_review_access": bool(role) and has_capability(role, "review_access"),
    }
