"""Swedish identity numbers (schemas.personnummer).

Known-valid numbers are from Skatteverket's published test series and brochure examples:
198112189876 and 19900101-0017 (test personnummer), 701063-2391 (samordningsnummer, day
63 = the 3rd), 121212-1212 (the classic example), and the organisationsnummer of
Skatteverket (202100-5448) and Telefonaktiebolaget LM Ericsson (556016-0680). The check
digits in generated cases come from ``_luhn`` below, an independent right-to-left Luhn.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.personnummer import (
    SAMORDNINGSNUMMER_DAY_OFFSET,
    IdentityNumberError,
    InvalidOrganisationsnummer,
    InvalidPersonnummer,
    luhn_check_digit,
    normalise_organisationsnummer,
    normalise_personnummer,
)

TODAY = date(2025, 6, 15)


def is_samordningsnummer(normalised: str) -> bool:
    """Whether a normalised 12-digit number is a samordningsnummer (day of month + 60)."""
    return int(normalised[6:8]) > SAMORDNINGSNUMMER_DAY_OFFSET


def _luhn(digits: str) -> str:
    """Classic Luhn, from the right: the check digit that makes ``digits + c`` valid."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return str((10 - total % 10) % 10)


def _with_check(yymmdd: str, serial: str) -> str:
    return yymmdd + serial + _luhn(yymmdd + serial)


def _no_digits(exc: BaseException) -> bool:
    return not any(char.isdigit() for char in str(exc))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("198112189876", "198112189876"),
        ("19811218-9876", "198112189876"),
        ("811218-9876", "198112189876"),
        ("8112189876", "198112189876"),
        ("19900101-0017", "199001010017"),
        ("900101-0017", "199001010017"),
        (" 19900101-0017 ", "199001010017"),
        ("121212-1212", "201212121212"),
        ("121212+1212", "191212121212"),
    ],
)
def test_skatteverket_test_numbers_normalise_to_12_digits(value: str, expected: str) -> None:
    assert normalise_personnummer(value, today=TODAY) == expected


def test_luhn_check_digit_of_published_numbers() -> None:
    assert luhn_check_digit("811218987") == 6
    assert luhn_check_digit("900101001") == 7
    assert luhn_check_digit("701063239") == 1
    assert luhn_check_digit("202100544") == 8


def test_samordningsnummer_day_plus_60() -> None:
    normalised = normalise_personnummer("701063-2391", today=TODAY)
    assert normalised == "197010632391"
    assert is_samordningsnummer(normalised)
    assert not is_samordningsnummer(normalise_personnummer("198112189876", today=TODAY))


def test_century_of_ten_digit_form_follows_today() -> None:
    birthday_today = _with_check("250615", "123")
    tomorrow = _with_check("250616", "123")
    assert normalise_personnummer(birthday_today, today=TODAY).startswith("2025")
    assert normalise_personnummer(tomorrow, today=TODAY).startswith("1925")
    plus = tomorrow[:6] + "+" + tomorrow[6:]
    assert normalise_personnummer(plus, today=TODAY).startswith("1825")


def test_leap_day_depends_on_century() -> None:
    leap = _with_check("000229", "123")
    assert normalise_personnummer(leap, today=TODAY) == "20" + leap
    with pytest.raises(InvalidPersonnummer, match="calendar date"):
        normalise_personnummer("19" + leap, today=TODAY)
    with pytest.raises(InvalidPersonnummer, match="calendar date"):
        normalise_personnummer(leap[:6] + "+" + leap[6:], today=TODAY)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("198112189875", "check digit"),
        ("811218-9875", "check digit"),
        ("701063-2392", "check digit"),
        ("19811318-9876", "calendar date"),
        ("19811232-9876", "calendar date"),
        (_with_check("811292", "123"), "calendar date"),  # samordningsnummer day 92 - 60 = 32
        (_with_check("811200", "123"), "calendar date"),
        ("20" + _with_check("250616", "123"), "range"),  # born tomorrow
        ("17" + _with_check("991231", "123"), "range"),
        ("19811218+9876", "ten-digit"),
        ("19811218-987", "expected"),
        ("811218 9876", "expected"),
        ("811218--9876", "expected"),
        ("abcdefghijkl", "expected"),
        ("١٩٨١١٢١٨٩٨٧٦", "expected"),  # Arabic-Indic digits are not digits here
        ("", "expected"),
    ],
)
def test_rejects_invalid_personnummer_without_echoing_it(value: str, reason: str) -> None:
    with pytest.raises(InvalidPersonnummer, match=reason) as caught:
        normalise_personnummer(value, today=TODAY)
    assert isinstance(caught.value, ValueError)
    assert _no_digits(caught.value)


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=0, max_value=999),
    samordning=st.booleans(),
    wrong=st.integers(min_value=1, max_value=9),
)
def test_generated_numbers_roundtrip_and_any_wrong_check_digit_fails(
    born: date, serial: int, samordning: bool, wrong: int
) -> None:
    day = born.day + (60 if samordning else 0)
    ten = _with_check(f"{born:%y%m}{day:02d}", f"{serial:03d}")
    twelve = f"{born:%Y}" + ten[2:]
    assert normalise_personnummer(twelve, today=TODAY) == twelve
    assert normalise_personnummer(twelve[:8] + "-" + twelve[8:], today=TODAY) == twelve
    assert is_samordningsnummer(twelve) == samordning
    if TODAY.year - born.year < 99:  # unambiguous in the ten-digit form with '-'
        assert normalise_personnummer(ten[:6] + "-" + ten[6:], today=TODAY) == twelve
    tampered = twelve[:-1] + str((int(twelve[-1]) + wrong) % 10)
    with pytest.raises(InvalidPersonnummer):
        normalise_personnummer(tampered, today=TODAY)


@given(st.text(alphabet="0123456789-+ ", max_size=16))
def test_error_messages_never_contain_digits(value: str) -> None:
    try:
        normalise_personnummer(value, today=TODAY)
    except IdentityNumberError as exc:
        assert _no_digits(exc)
    try:
        normalise_organisationsnummer(value)
    except IdentityNumberError as exc:
        assert _no_digits(exc)


def test_today_is_the_boundary_for_a_birth_date() -> None:
    born_today = "20" + _with_check(f"{TODAY:%y%m%d}", "123")
    assert normalise_personnummer(born_today, today=TODAY) == born_today
    with pytest.raises(InvalidPersonnummer):
        normalise_personnummer(born_today, today=TODAY - timedelta(days=1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("202100-5448", "2021005448"),
        ("2021005448", "2021005448"),
        ("556016-0680", "5560160680"),
        ("16556016-0680", "5560160680"),
        ("165560160680", "5560160680"),
    ],
)
def test_organisationsnummer_normalises_to_ten_digits(value: str, expected: str) -> None:
    assert normalise_organisationsnummer(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("202100-5449", "check digit"),
        ("556016-0681", "check digit"),
        ("811218-9876", "third digit"),  # a personnummer (sole trader) is refused
        ("55601-60680", "expected"),
        ("5560160680x", "expected"),
        ("٥٥٦٠١٦٠٦٨٠", "expected"),
        ("", "expected"),
    ],
)
def test_rejects_invalid_organisationsnummer(value: str, reason: str) -> None:
    with pytest.raises(InvalidOrganisationsnummer, match=reason) as caught:
        normalise_organisationsnummer(value)
    assert _no_digits(caught.value)
