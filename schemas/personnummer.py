"""Swedish identity numbers: personnummer, samordningsnummer and organisationsnummer.

Sources (Skatteverket):

- Personnummer, folkbokföringslagen (1991:481) 18 §, and Skatteverket's brochure SKV 704
  "Personnummer": ``YYMMDD-NNNC``; the separator becomes ``+`` in the year the holder turns
  100; the last digit ``C`` is a check digit by the Luhn (modulus 10, weights 2-1-2-1…)
  algorithm over the ten-digit form's first nine digits. Serial numbers for a day can run
  out, in which case a neighbouring day is used: the date part is not always the exact
  birthdate, so it is never checked against a ``birthdate`` claim.
- Samordningsnummer, folkbokföringslagen 18 a §: built like a personnummer, with 60 added to
  the day of birth (day 61–91).
- Organisationsnummer, lagen (1974:174) om identitetsbeteckning för juridiska personer m.fl.:
  ten digits ``GGNNNN-NNNC``, the third digit is at least 2 (so that it can never be a
  personnummer's month), Luhn check digit as above. The 12-digit form with the prefix ``16``
  used by some registers is accepted and shortened.

The canonical personnummer form here is the 12-digit ``YYYYMMDDNNNC`` (a samordningsnummer
keeps its day + 60). Errors are ``ValueError`` subclasses whose messages say what is wrong but
NEVER contain the number, its digits or its date: an identity number must not reach a log,
an error message or a problem-details response.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

SAMORDNINGSNUMMER_DAY_OFFSET: Final = 60

# re.ASCII: only the digits 0-9 (Python's \d alone would also match other scripts' digits).
_PERSONNUMMER_RE: Final = re.compile(
    r"(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep>[-+]?)"
    r"(?P<serial>\d{3})(?P<check>\d)",
    re.ASCII,
)
_ORGANISATIONSNUMMER_RE: Final = re.compile(r"(?:16)?(?P<first>\d{6})-?(?P<last>\d{4})", re.ASCII)
_EARLIEST_YEAR: Final = 1800


class IdentityNumberError(ValueError):
    """A Swedish identity number that is not valid. The message never contains the number."""


class InvalidPersonnummer(IdentityNumberError):
    """Not a valid personnummer or samordningsnummer."""


class InvalidOrganisationsnummer(IdentityNumberError):
    """Not a valid organisationsnummer."""


def luhn_check_digit(digits: str) -> int:
    """The Luhn (modulus 10) check digit for ``digits``, weights 2-1-2-1… from the left.

    Skatteverket's weighting starts with 2 on the first of the nine digits; for an odd number
    of digits that is the same as the classic right-to-left Luhn.
    """
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def _birth_year(century: str | None, yy: int, month: int, day: int, sep: str, today: date) -> int:
    """The four-digit year: explicit, or inferred from the separator as Skatteverket does.

    With ``-`` (or none) the holder is under 100: the latest year ending in ``yy`` whose
    ``month``/``day`` is not after ``today``. With ``+`` the holder is 100 or older: a century
    earlier still.
    """
    if century is not None:
        if sep == "+":
            raise InvalidPersonnummer(
                "the '+' separator is only used with the ten-digit form (YYMMDD+NNNN)"
            )
        return int(century) * 100 + yy
    year = today.year - (today.year - yy) % 100
    if (month, day) > (today.month, today.day) and year == today.year:
        year -= 100
    if sep == "+":
        year -= 100
    return year


def normalise_personnummer(value: str, *, today: date) -> str:
    """Validate a personnummer or samordningsnummer; return its 12-digit ``YYYYMMDDNNNC`` form.

    Accepts ``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN``, ``YYMMDD-NNNN``, ``YYMMDDNNNN`` and
    ``YYMMDD+NNNN`` (age 100 or more). ``today`` decides the century of the 10-digit forms
    and rejects a date of birth in the future. Raises ``InvalidPersonnummer``.
    """
    match = _PERSONNUMMER_RE.fullmatch(value.strip())
    if match is None:
        raise InvalidPersonnummer(
            "not a personnummer or samordningsnummer: expected YYYYMMDD-NNNN, YYMMDD-NNNN "
            "or YYMMDD+NNNN"
        )
    yy, month, coded_day = int(match["yy"]), int(match["mm"]), int(match["dd"])
    day = (
        coded_day - SAMORDNINGSNUMMER_DAY_OFFSET
        if coded_day > SAMORDNINGSNUMMER_DAY_OFFSET
        else coded_day
    )
    year = _birth_year(match["century"], yy, month, day, match["sep"], today)
    try:
        born = date(year, month, day)
    except ValueError:
        raise InvalidPersonnummer(
            "not a personnummer or samordningsnummer: the date part is not a calendar date"
        ) from None
    if born > today or year < _EARLIEST_YEAR:
        raise InvalidPersonnummer(
            "not a personnummer or samordningsnummer: the date part is outside the possible range"
        )
    ten = f"{match['yy']}{match['mm']}{match['dd']}{match['serial']}"
    if luhn_check_digit(ten) != int(match["check"]):
        raise InvalidPersonnummer(
            "not a valid personnummer or samordningsnummer: the check digit does not match"
        )
    return f"{year:04d}{match['mm']}{match['dd']}{match['serial']}{match['check']}"


def normalise_organisationsnummer(value: str) -> str:
    """Validate an organisationsnummer; return its 10 digits ``GGNNNNNNNC`` without separator.

    A sole trader's identity number is their personnummer; it is refused here (third digit
    below 2), because the issuing authority is published in every credential it issues.
    Raises ``InvalidOrganisationsnummer``.
    """
    match = _ORGANISATIONSNUMMER_RE.fullmatch(value.strip())
    if match is None:
        raise InvalidOrganisationsnummer(
            "not an organisationsnummer: expected ten digits, NNNNNN-NNNN"
        )
    digits = match["first"] + match["last"]
    if int(digits[2]) < 2:
        raise InvalidOrganisationsnummer(
            "not an organisationsnummer: the third digit must be two or more "
            "(a personnummer is not accepted as an issuer's number)"
        )
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidOrganisationsnummer(
            "not a valid organisationsnummer: the check digit does not match"
        )
    return digits
