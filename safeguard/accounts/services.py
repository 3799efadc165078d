"""Writes to agencies, teams and professionals' accounts: validated and transactional.

`actor` is the person making the change (None for the scenario loader and system jobs);
the audit layer records it.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Agency, Team, User


def create_agency(
    *, actor, code: str, name: str, kind: str, external_id: str = "", synthetic: bool = False
) -> Agency:
    agency = Agency(code=code, name=name, kind=kind, external_id=external_id, synthetic=synthetic)
    with transaction.atomic():
        agency.full_clean()
        agency.save()
    return agency


def create_team(*, actor, agency: Agency, code: str, name: str) -> Team:
    team = Team(agency=agency, code=code, name=name)
    with transaction.atomic():
        team.full_clean()
        team.save()
    return team


def create_professional(
    *,
    actor,
    username: str,
    first_name: str,
    last_name: str,
    agency: Agency,
    role: str,
    team: Team | None = None,
    job_title: str = "",
    email: str = "",
    phone: str = "",
    password: str | None = None,
    encoded_password: str | None = None,
    scenario_ref: str = "",
) -> User:
    """Create a professional's account.

    Without a password the account cannot sign in with one (set_unusable_password): real
    accounts get their password through the sign-in set-up, never from a file.
    `encoded_password` is an already-hashed password (django make_password), for loaders
    creating many demo accounts with the same demo password; pass the plain `password` too
    (the loader does) so it is checked against this person. Every password given is checked
    by the validators (settings.AUTH_PASSWORD_VALIDATORS).
    """
    if team is not None and team.agency_id != agency.pk:
        raise ValidationError({"team": f"The team {team.name!r} is not part of {agency.name}"})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        agency=agency,
        team=team,
        role=role,
        job_title=job_title,
        email=email,
        phone=phone,
        scenario_ref=scenario_ref,
    )
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    if encoded_password:
        user.password = encoded_password
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.full_clean()
        user.save()
    return user
