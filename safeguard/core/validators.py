"""Validators for the identifiers children's records carry."""

import re

from django.core.exceptions import ValidationError


def nhs_number_is_valid(value: str) -> bool:
    """NHS number: 10 digits, the last a modulus-11 check digit (NHS Data Dictionary).

    Weights 10..2 over the first nine digits; check = 11 - (sum mod 11), where 11 means 0
    and 10 means the number is invalid.
    """
    if len(value) != 10 or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(value[9])


def normalise_nhs_number(value: str) -> str:
    """Accept the printed form '943 476 5919' as well as '9434765919'."""
    return "".join(value.split()).replace("-", "")


def validate_nhs_number(value: str) -> None:
    if not nhs_number_is_valid(value):
        raise ValidationError(
            "Enter a valid NHS number: 10 digits with a correct check digit",
            code="invalid_nhs_number",
        )


# Unique Pupil Number (DfE "Unique pupil numbers (UPNs): guidance for schools", Annex A):
# a check letter, then 12 characters (LA code 3, establishment 4, year 2, serial 3); a
# temporary UPN ends in a letter. The check letter is sum(weight * value) mod 23 over
# characters 2-13 with weights 2..13, mapped onto this alphabet.
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _upn_char_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return _UPN_LETTERS.index(char)


def upn_is_valid(value: str) -> bool:
    if len(value) != 13:
        return False
    check, body = value[0], value[1:]
    if check not in _UPN_LETTERS or not body[:11].isdigit():
        return False
    if not (body[11].isdigit() or body[11] in _UPN_LETTERS):
        return False
    total = sum(_upn_char_value(c) * w for c, w in zip(body, range(2, 14), strict=True))
    return _UPN_LETTERS[total % 23] == check


def validate_upn(value: str) -> None:
    if not upn_is_valid(value):
        raise ValidationError(
            "Enter a valid UPN: a check letter followed by 12 characters", code="invalid_upn"
        )


# UK postcode shape (outward code, space optional, inward code), e.g. "WR1 2AB", "M1 1AE".
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def normalise_postcode(value: str) -> str:
    """Upper case, one space before the inward code: 'wr12ab' -> 'WR1 2AB'."""
    compact = "".join(value.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def validate_postcode(value: str) -> None:
    if not _POSTCODE.match(value.upper()):
        raise ValidationError("Enter a real UK postcode, like WR1 2AB", code="invalid_postcode")
