"""The skill credential's claims: the issuer admin's request, and the claims it becomes.

Claim names follow the EU Digital Identity Wallet's learning credential
(``urn:eu.europa.ec.eudi:learning:credential:1``) where they overlap, as the EU reference
issuer (github ``eu-digital-identity-wallet/eudi-srv-pid-issuer``, package
``learningcredential``) emits them: ``given_name``, ``family_name``,
``learner_identification``, ``achievement_title``, ``achievement_description``,
``learning_outcomes`` (array of strings), ``assessment_grade``, ``language_of_classes`` (a
non-empty array of two-letter language codes), ``expected_study_time``,
``types_of_quality_assurance`` (array of strings), ``date_of_issuance`` / ``date_of_expiry``
(ISO 8601 full-date strings), ``issuing_authority``, ``issuing_country``. Intyg's own claims
(see docs DESIGN "The skill credential"): ``birthdate`` (the OpenID Connect / PID name),
``achievement_kind``, ``eqf_level``, ``seqf_level``, ``credits``, ``skills``,
``taxonomy_versions``.

Known differences from the EU type, on purpose:

- ``issuing_authority`` is an object ``{name, organisationsnummer}`` here; the EU reference
  issuer emits a string (the name).
- The EQF level is ``eqf_level``; the EU type calls it ``level_of_learning_experience``.
- ``expected_study_time`` is an ISO 8601 duration (``PT400H``, ``P2Y``); the EU type allows
  free text.
- ``language_of_classes`` takes ISO 639-1 codes (lower case), so Japanese is ``ja``.

The split: ``SkillClaimsInput`` is what an issuer admin posts (``extra="forbid"``); the
issuing authority and country come from the issuer's tenant record, never from the request,
and ``credential_claims`` joins the two into the credential's JSON claims.

Selective disclosure (SD-JWT, RFC 9901; SD-JWT VC type metadata ``sd``): ``SD_PATHS`` lists
the claim paths that the issuer MUST make selectively disclosable, in the claim-path syntax
of draft-ietf-oauth-sd-jwt-vc "Claim Path" (``None`` = every element of an array). The
learner's identity and grade are SD; each ``skills`` element is SD on its own, so a holder
can show some skills and hide others. ``learning_outcomes`` is NOT selectively disclosable:
outcomes describe the course or programme (public, the same for every learner), not the
person, so hiding them protects no one, while hiding some would let a presentation misstate
what the achievement covered. (The EU reference issuer makes the whole array SD; being
"allowed" in the EU type, ``never`` here is a permitted narrowing.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from core.errors import InvalidInput
from schemas.personnummer import normalise_organisationsnummer, normalise_personnummer

ClaimPath = tuple[str | int | None, ...]

ISSUING_COUNTRY: Final = "SE"

SD_PATHS: Final[tuple[ClaimPath, ...]] = (
    ("given_name",),
    ("family_name",),
    ("birthdate",),
    ("learner_identification",),
    ("assessment_grade",),
    ("skills", None),
)

# ISO 8601-1 duration (PnYnMnWnDTnHnMnS): matches DURATION_PATTERN and not
# DURATION_EMPTY_PATTERN ("P" alone, or a "T" with no time component after it). Two patterns
# without look-around, and [0-9] rather than \d (Unicode digits in Python), so that every
# JSON Schema engine (ECMA-262, RE2, Rust regex, Python re) reads them alike;
# skill-credential.schema.json uses the same two (a test checks that they agree).
_DURATION_NUMBER: Final = r"[0-9]+(\.[0-9]+)?"
DURATION_PATTERN: Final = (
    rf"^P({_DURATION_NUMBER}Y)?({_DURATION_NUMBER}M)?({_DURATION_NUMBER}W)?({_DURATION_NUMBER}D)?"
    rf"(T({_DURATION_NUMBER}H)?({_DURATION_NUMBER}M)?({_DURATION_NUMBER}S)?)?$"
)
DURATION_EMPTY_PATTERN: Final = r"^P$|T$"
ISO639_1_PATTERN: Final = r"^[a-z]{2}$"
JOBTECH_CONCEPT_PATTERN: Final = (
    r"^https?://data\.jobtechdev\.se/taxonomy/concept/[0-9A-Za-z]+(_[0-9A-Za-z]+)*$"
)
ESCO_SKILL_PATTERN: Final = (
    r"^http://data\.europa\.eu/esco/skill/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
ESCO_VERSION_PATTERN: Final = r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?$"
_ISO_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Keys of unknown fields are shown in errors only when they look like field names, so a
# posted key can never smuggle a value (a personnummer, say) into an error message.
_SAFE_KEY_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _iso_date(value: object) -> object:
    """Accept a ``date`` or an ISO 8601 full-date string; nothing else (no timestamps)."""
    if isinstance(value, str) and not _ISO_DATE_RE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    if not isinstance(value, str | date):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


def _iso_duration(value: str) -> str:
    if not re.search(DURATION_PATTERN, value, re.ASCII) or re.search(
        DURATION_EMPTY_PATTERN, value, re.ASCII
    ):
        raise ValueError("expected an ISO 8601 duration such as PT400H, P6M or P1Y6M")
    return value


def _positive_number(value: object) -> object:
    """A JSON number above zero; booleans, strings, NaN and infinities are refused."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError("expected a positive number")
    return value


def _matching(pattern: str, expected: str) -> AfterValidator:
    """A validator with a readable message (pydantic's own would print the pattern)."""
    compiled = re.compile(pattern, re.ASCII)

    def check(value: str) -> str:
        if not compiled.search(value):
            raise ValueError(f"expected {expected}")
        return value

    return AfterValidator(check)


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDuration = Annotated[str, Field(max_length=64), AfterValidator(_iso_duration)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Level = Annotated[StrictInt, Field(ge=1, le=8)]


class AchievementKind(StrEnum):
    COURSE = "course"
    PROGRAMME = "programme"
    DEGREE = "degree"
    CERTIFICATE = "certificate"
    MICRO_CREDENTIAL = "micro-credential"
    VALIDATION_OF_PRIOR_LEARNING = "validation-of-prior-learning"


CreditUnit = Literal["hp", "yh-poäng", "ECTS", "gymnasiepoäng"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Credits(_Model):
    """Credits in the provider's own unit, never converted (YH-poäng are not ECTS)."""

    value: Annotated[int | float, BeforeValidator(_positive_number)]
    unit: CreditUnit


class SkillLabel(_Model):
    sv: Text
    en: Text | None = None


class Skill(_Model):
    """One skill: a JobTech Taxonomy concept, its ESCO skill when mapped, its labels."""

    id: Annotated[
        str,
        Field(max_length=200),
        _matching(JOBTECH_CONCEPT_PATTERN, "a JobTech Taxonomy concept URI"),
    ]
    esco: (
        Annotated[str, Field(max_length=200), _matching(ESCO_SKILL_PATTERN, "an ESCO skill URI")]
        | None
    ) = None
    label: SkillLabel
    proficiency: Text | None = None


class TaxonomyVersions(_Model):
    """Which versions of the JobTech Taxonomy (an integer) and of ESCO the skills come from."""

    jobtech_taxonomy: Annotated[StrictInt, Field(ge=1)]
    esco: (
        Annotated[
            str,
            Field(max_length=20),
            _matching(ESCO_VERSION_PATTERN, "an ESCO version such as v1.2.0"),
        ]
        | None
    ) = None


class IssuingAuthority(_Model):
    """Set by the issuer from its tenant record, never from a request."""

    name: Text
    organisationsnummer: Annotated[str, AfterValidator(normalise_organisationsnummer)]


class SkillClaimsInput(_Model):
    """What an issuer admin posts to create a skill credential offer."""

    given_name: Text
    family_name: Text
    birthdate: IsoDate | None = None
    learner_identification: Annotated[str | None, Field(repr=False)] = None
    achievement_title: Text
    achievement_description: LongText | None = None
    achievement_kind: AchievementKind
    learning_outcomes: list[LongText] = Field(default_factory=list, max_length=100)
    language_of_classes: (
        Annotated[
            list[
                Annotated[
                    str,
                    Field(max_length=2),
                    _matching(ISO639_1_PATTERN, "a two-letter ISO 639-1 code such as sv"),
                ]
            ],
            Field(min_length=1, max_length=20),
        ]
        | None
    ) = None
    expected_study_time: IsoDuration | None = None
    types_of_quality_assurance: list[Text] = Field(default_factory=list, max_length=20)
    eqf_level: Level | None = None
    seqf_level: Level | None = None
    credits: list[Credits] = Field(default_factory=list, max_length=10)
    skills: list[Skill] = Field(default_factory=list, max_length=200)
    taxonomy_versions: TaxonomyVersions | None = None
    assessment_grade: Text | None = None
    date_of_issuance: IsoDate | None = None
    date_of_expiry: IsoDate | None = None

    @field_validator("learner_identification")
    @classmethod
    def _personnummer(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return normalise_personnummer(value, today=_today(info))

    @field_validator("birthdate")
    @classmethod
    def _born_in_the_past(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and value > _today(info):
            raise ValueError("the birthdate is in the future")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SkillClaimsInput:
        if self.skills and self.taxonomy_versions is None:
            raise ValueError("taxonomy_versions is required when skills are given")
        if any(s.esco for s in self.skills) and (
            self.taxonomy_versions is None or self.taxonomy_versions.esco is None
        ):
            raise ValueError("taxonomy_versions.esco is required when a skill has an esco URI")
        if self.date_of_issuance and self.date_of_expiry:
            _check_expiry(self.date_of_issuance, self.date_of_expiry)
        return self


def _today(info: ValidationInfo) -> date:
    context = info.context if isinstance(info.context, dict) else {}
    today = context.get("today")
    return today if isinstance(today, date) else date.today()


def _check_expiry(issued: date, expires: date) -> None:
    if expires <= issued:
        raise ValueError("date_of_expiry must be after date_of_issuance")


@dataclass(frozen=True)
class ClaimProblem:
    """One reason the claims were refused: where (``loc``, pydantic's location with unsafe
    keys replaced by ``<field>``), what kind (pydantic's error ``type``), and a message in
    English. Never the input value."""

    loc: tuple[int | str, ...]
    kind: str
    message: str

    def line(self) -> str:
        path = _loc_path(self.loc)
        return f"- {path}: {self.message}" if path else f"- {self.message}"


class InvalidClaims(InvalidInput):
    """``invalid_input`` whose problems a form can show beside its fields (the pages); the
    API shows the same problems as the lines of ``detail``."""

    def __init__(self, problems: Sequence[ClaimProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(problem.line() for problem in self.problems)
        super().__init__("The skill claims are not valid:\n" + lines)


def validate_claims(data: object, *, today: date | None = None) -> SkillClaimsInput:
    """Validate a posted request; raise ``InvalidClaims`` naming each bad field, never a value.

    ``today`` dates the check of birthdates and the century of ``YYMMDD-NNNN`` numbers; the
    caller passes its clock's date (``None`` reads the system date).
    """
    try:
        return SkillClaimsInput.model_validate(data, context={"today": today or date.today()})
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        raise InvalidClaims([_problem(e) for e in errors]) from None


def _problem(error: ErrorDetails) -> ClaimProblem:
    """The problem of one pydantic error, without the input value."""
    kind = error["type"]
    if kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = "is not a known field"
    elif kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
    else:
        message = error["msg"]
    loc = tuple(
        part if isinstance(part, int) or _SAFE_KEY_RE.fullmatch(part) else "<field>"
        for part in error["loc"]
    )
    return ClaimProblem(loc, kind, message)


def _loc_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = part if _SAFE_KEY_RE.fullmatch(part) else "<field>"
            path += f".{name}" if path else name
    return path


def credential_claims(
    claims: SkillClaimsInput, issuing_authority: IssuingAuthority, today: date
) -> dict[str, object]:
    """The credential's claims as JSON: absent optionals omitted, dates as ISO strings.

    ``date_of_issuance`` defaults to ``today``. Raises ``InvalidInput`` if the expiry is not
    after the issuance date. The SD-JWT layer applies ``SD_PATHS``; these are plain claims.
    """
    issued = claims.date_of_issuance or today
    if claims.date_of_expiry is not None:
        try:
            _check_expiry(issued, claims.date_of_expiry)
        except ValueError as exc:
            problem = ClaimProblem(("date_of_expiry",), "value_error", str(exc))
            raise InvalidClaims([problem]) from None
    data = claims.model_dump(mode="json", exclude_none=True)
    out: dict[str, object] = {
        key: value for key, value in data.items() if value != [] and key != "date_of_issuance"
    }
    out["date_of_issuance"] = issued.isoformat()
    out["issuing_authority"] = issuing_authority.model_dump(mode="json")
    out["issuing_country"] = ISSUING_COUNTRY
    return out
