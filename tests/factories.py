"""Small builders for tests: real records written through the services."""

import datetime as dt
import itertools

from safeguard.accounts.models import Agency, AgencyKind, Team, User
from safeguard.children.services import register_child

_seq = itertools.count(1)

# Valid NHS numbers (modulus 11) for tests: 943 476 5919 is the NHS's documented example.
VALID_NHS_NUMBERS = ["9434765919", "9434765870", "9434765862", "4010232137"]


def agency(code="wcf", kind=AgencyKind.CHILDRENS_SOCIAL_CARE, name=None) -> Agency:
    obj, _ = Agency.objects.get_or_create(
        code=code, defaults={"name": name or code.upper(), "kind": kind}
    )
    return obj


def team(agency_obj=None, code="team-a", name="Team A") -> Team:
    agency_obj = agency_obj or agency()
    obj, _ = Team.objects.get_or_create(agency=agency_obj, code=code, defaults={"name": name})
    return obj


def user(username=None, role="social_worker", agency_obj=None, team_obj=None, **extra) -> User:
    username = username or f"user{next(_seq)}"
    agency_obj = agency_obj or agency()
    return User.objects.create_user(
        username=username,
        password="correct-horse-battery",
        role=role,
        agency=agency_obj,
        team=team_obj,
        first_name=extra.pop("first_name", username.title()),
        last_name=extra.pop("last_name", "Tester"),
        **extra,
    )


def child(local_id=None, **fields):
    n = next(_seq)
    defaults = {
        "local_id": local_id or f"C{n:05d}",
        "given_name": "Test",
        "family_name": f"Child{n}",
        "date_of_birth": dt.date(2010, 5, 17),
        "sex": "F",
    }
    defaults.update(fields)
    return register_child(actor=None, **defaults)
