"""Password validators beyond Django's own (settings.AUTH_PASSWORD_VALIDATORS).

Django's validators pass "aaaaaaaaaaaa", twelve spaces and "johnsmith2024!" for John
Smith. These add a strength estimate (zxcvbn, Dropbox's estimator: it finds repeats,
sequences, keyboard patterns, dictionary words and the person's own details) and refuse a
password that contains the person's username or name. Source: NCSC password guidance
("use a password strength meter"); NIST SP 800-63B 5.1.1.2 (refuse context-specific words
such as the username); OWASP ASVS v4 2.1.7, 2.1.8.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

# zxcvbn scores 0 to 4; 3 is "safely unguessable: moderate protection from offline
# slow-hash attacks" (about 10^8 guesses or more).
MIN_SCORE = 3
# zxcvbn is slow on long inputs, and nobody types more than this.
MAX_CHECKED = 128


def _personal_words(user) -> list[str]:
    if user is None:
        return []
    values = [
        getattr(user, name, "") or "" for name in ("username", "first_name", "last_name", "email")
    ]
    words = set()
    for value in values:
        value = value.split("@", 1)[0].lower()
        words.add(value)
        words.update(re.split(r"[^\w]+|_", value))
    return sorted(w for w in words if len(w) >= 3)


class StrengthValidator:
    """At least zxcvbn score MIN_SCORE, counting the person's details as guessable."""

    def __init__(self, min_score: int = MIN_SCORE):
        self.min_score = min_score

    def validate(self, password, user=None):
        result = zxcvbn(password[:MAX_CHECKED], user_inputs=_personal_words(user))
        if result["score"] < self.min_score:
            hint = result["feedback"].get("warning") or ""
            message = "This password is too easy to guess."
            if hint:
                message += f" {hint}"
            raise ValidationError(message, code="password_too_weak")

    def get_help_text(self):
        return (
            "Your password must be hard to guess: avoid repeated characters, sequences, "
            "keyboard patterns and single common words. Three or four random words work well."
        )


class NotPersonalValidator:
    """The password must not contain the username, the person's names or email name."""

    def validate(self, password, user=None):
        lowered = password.lower()
        for word in _personal_words(user):
            if word in lowered:
                raise ValidationError(
                    "Your password must not contain your username or your name.",
                    code="password_contains_personal_details",
                )

    def get_help_text(self):
        return "Your password must not contain your username or your name."
