import pytest

from safeguard.core.validators import nhs_number_is_valid, normalise_nhs_number, upn_is_valid


@pytest.mark.parametrize("value", ["9434765919", "9434765870", "4010232137"])
def test_valid_nhs_numbers(value):
    assert nhs_number_is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "9434765918",  # wrong check digit
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "94347659a9",  # not all digits
        "",
        "1000000010",  # check digit would be 10: never issued
    ],
)
def test_invalid_nhs_numbers(value):
    assert not nhs_number_is_valid(value)


def test_normalise_printed_form():
    assert normalise_nhs_number("943 476 5919") == "9434765919"


def test_upn_check_letter():
    # Built by the DfE algorithm: body 201 2345 19 001 -> check letter computed below.
    body = "201234519001"
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    total = sum(int(c) * w for c, w in zip(body, range(2, 14), strict=True))
    upn = letters[total % 23] + body
    assert upn_is_valid(upn)
    wrong = letters[(total + 1) % 23] + body
    assert not upn_is_valid(wrong)
    assert not upn_is_valid(upn[:-1])
