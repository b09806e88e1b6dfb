"""The "issue one credential" form: its fields, the claims they make, and the claims'
problems put back beside the fields they came from.

The form is flat HTML (no script needed): the skills are numbered rows
(``skills-0-id``, ``skills-0-label_sv`` ...), the credits too; a row left empty is ignored.
The claims it makes are validated by the same service as the admin API
(``issuer.service.create_offer``); its ``InvalidClaims`` problems carry pydantic locations
(``("skills", 1, "label", "sv")``), which ``field_of`` maps back to the form's field names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from schemas.skill_credential import AchievementKind, ClaimProblem, CreditUnit

SKILL_ROWS: Final = 5
SKILL_ROWS_MAX: Final = 50
CREDIT_ROWS: Final = 2
SKILL_PARTS: Final = ("label_sv", "label_en", "id", "esco", "proficiency")
CREDIT_PARTS: Final = ("value", "unit")
KINDS: Final = tuple(kind.value for kind in AchievementKind)
UNITS: Final = CreditUnit.__args__  # type: ignore[attr-defined]
LEVELS: Final = tuple(str(level) for level in range(1, 9))

# One text field per claim; the lists are one item per line (or comma-separated codes).
TEXT_FIELDS: Final = (
    "given_name",
    "family_name",
    "birthdate",
    "learner_identification",
    "achievement_title",
    "achievement_description",
    "achievement_kind",
    "expected_study_time",
    "eqf_level",
    "seqf_level",
    "assessment_grade",
    "date_of_issuance",
    "date_of_expiry",
)
LINE_LIST_FIELDS: Final = ("learning_outcomes", "types_of_quality_assurance")
OTHER_FIELDS: Final = ("language_of_classes", "jobtech_taxonomy", "esco_version", "row_id")
INTEGER_FIELDS: Final = frozenset({"eqf_level", "seqf_level"})
ROW_ID_MAX: Final = 200

# Messages of the schema's own checks (value_error), by how they begin: the catalogue key.
VALUE_ERROR_KEYS: Final = (
    ("expected a date", "date"),
    ("expected an ISO 8601 duration", "duration"),
    ("expected a positive number", "positive"),
    ("expected a JobTech Taxonomy concept URI", "jobtech"),
    ("expected an ESCO skill URI", "esco"),
    ("expected an ESCO version", "esco_version"),
    ("expected a two-letter ISO 639-1 code", "language"),
    ("the birthdate is in the future", "birthdate_future"),
    ("taxonomy_versions is required", "taxonomy_required"),
    ("taxonomy_versions.esco is required", "esco_version_required"),
    ("date_of_expiry must be after", "expiry_order"),
)
# pydantic's error types that the catalogue words itself
KIND_KEYS: Final = frozenset(
    {
        "missing",
        "string_too_short",
        "string_too_long",
        "int_type",
        "int_parsing",
        "int_from_float",
        "greater_than_equal",
        "less_than_equal",
        "enum",
        "literal_error",
        "too_long",
        "too_short",
    }
)


@dataclass
class OfferForm:
    """What the form holds: the values as entered (kept when it comes back with problems)."""

    values: dict[str, str] = field(default_factory=dict)
    skill_rows: int = SKILL_ROWS
    with_tx_code: bool = True
    form_key: str = ""

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    @classmethod
    def read(cls, form: Mapping[str, object]) -> OfferForm:
        names = [*TEXT_FIELDS, *LINE_LIST_FIELDS, *OTHER_FIELDS]
        rows = _bounded_int(form.get("skill_rows"), SKILL_ROWS, 1, SKILL_ROWS_MAX)
        names += [f"skills-{i}-{part}" for i in range(rows) for part in SKILL_PARTS]
        names += [f"credits-{i}-{part}" for i in range(CREDIT_ROWS) for part in CREDIT_PARTS]
        values = {name: _text(form.get(name)) for name in names}
        key = _text(form.get("form_key"))
        return cls(
            values=values,
            skill_rows=rows,
            with_tx_code=form.get("tx_code") == "on",
            form_key=key if re.fullmatch(r"[0-9a-f-]{36}", key) else "",
        )

    def filled_skill_rows(self) -> list[int]:
        return [
            i
            for i in range(self.skill_rows)
            if any(self.value(f"skills-{i}-{part}") for part in SKILL_PARTS)
        ]

    def filled_credit_rows(self) -> list[int]:
        return [
            i
            for i in range(CREDIT_ROWS)
            if any(self.value(f"credits-{i}-{part}") for part in CREDIT_PARTS)
        ]

    @property
    def row_id(self) -> str | None:
        return self.value("row_id") or None

    def claims(self) -> dict[str, object]:
        """The claims to validate, as the admin API would receive them; empty fields left
        out, numbers as numbers where they read as such (else as text, which the schema
        refuses with its own message)."""
        claims: dict[str, object] = {}
        for name in TEXT_FIELDS:
            value = self.value(name)
            if value:
                claims[name] = int(value) if name in INTEGER_FIELDS and value.isdigit() else value
        for name in LINE_LIST_FIELDS:
            lines = [line.strip() for line in self.value(name).splitlines() if line.strip()]
            if lines:
                claims[name] = lines
        languages = [code for code in re.split(r"[\s,;]+", self.value("language_of_classes"))]
        if any(languages):
            claims["language_of_classes"] = [code.lower() for code in languages if code]
        credits = [self._credit(i) for i in self.filled_credit_rows()]
        if credits:
            claims["credits"] = credits
        skills = [self._skill(i) for i in self.filled_skill_rows()]
        if skills:
            claims["skills"] = skills
        versions: dict[str, object] = {}
        if jobtech := self.value("jobtech_taxonomy"):
            versions["jobtech_taxonomy"] = int(jobtech) if jobtech.isdigit() else jobtech
        if esco := self.value("esco_version"):
            versions["esco"] = esco
        if versions:
            claims["taxonomy_versions"] = versions
        return claims

    def _credit(self, row: int) -> dict[str, object]:
        credit: dict[str, object] = {}
        if value := self.value(f"credits-{row}-value"):
            credit["value"] = _number(value)
        if unit := self.value(f"credits-{row}-unit"):
            credit["unit"] = unit
        return credit

    def _skill(self, row: int) -> dict[str, object]:
        skill: dict[str, object] = {}
        label = {
            language: text
            for language in ("sv", "en")
            if (text := self.value(f"skills-{row}-label_{language}"))
        }
        if label:
            skill["label"] = label
        for part in ("id", "esco", "proficiency"):
            if text := self.value(f"skills-{row}-{part}"):
                skill[part] = text
        return skill

    def problems_by_field(self, problems: tuple[ClaimProblem, ...]) -> dict[str, list[str]]:
        """Each problem's catalogue key (``issue.problem.*``) or English message, by the form
        field it belongs to (``""``: the form as a whole)."""
        skill_rows, credit_rows = self.filled_skill_rows(), self.filled_credit_rows()
        out: dict[str, list[str]] = {}
        for problem in problems:
            name = field_of(_located(problem), skill_rows, credit_rows)
            out.setdefault(name, []).append(problem_key(problem))
        return out


def _located(problem: ClaimProblem) -> tuple[int | str, ...]:
    """The problem's location; a whole-model check names its field at its message's start."""
    if problem.loc:
        return problem.loc
    first = problem.message.split(" ", 1)[0]
    return tuple(first.split(".")) if re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", first) else ()


def field_of(loc: tuple[int | str, ...], skill_rows: list[int], credit_rows: list[int]) -> str:
    """The form field that a claim location came from; ``""`` when none does."""
    if not loc:
        return ""
    head, rest = loc[0], loc[1:]
    if head in ("skills", "credits"):
        rows = skill_rows if head == "skills" else credit_rows
        if not rest or not isinstance(rest[0], int) or rest[0] >= len(rows):
            return f"{head}-{rows[0] if rows else 0}-{'label_sv' if head == 'skills' else 'value'}"
        row, part = rows[rest[0]], rest[1:]
        if head == "credits":
            return f"credits-{row}-{'unit' if part[:1] == ('unit',) else 'value'}"
        if part[:1] == ("label",):
            return f"skills-{row}-label_en" if part[1:2] == ("en",) else f"skills-{row}-label_sv"
        name = part[0] if part and part[0] in ("id", "esco", "proficiency") else "label_sv"
        return f"skills-{row}-{name}"
    if head == "taxonomy_versions":
        return "esco_version" if rest[:1] == ("esco",) else "jobtech_taxonomy"
    if head in TEXT_FIELDS or head in LINE_LIST_FIELDS or head == "language_of_classes":
        return str(head)
    return ""


def problem_key(problem: ClaimProblem) -> str:
    """``issue.problem.<key>`` when the catalogue words this problem, else ``en:`` + the
    schema's English message."""
    if problem.kind == "value_error":
        for start, key in VALUE_ERROR_KEYS:
            if problem.message.startswith(start):
                return f"issue.problem.{key}"
        if problem.loc[:1] == ("learner_identification",):
            return "issue.problem.personnummer"
        return f"en:{problem.message}"
    if problem.kind in KIND_KEYS:
        return f"issue.problem.{problem.kind}"
    return f"en:{problem.message}"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _number(text: str) -> object:
    """A credit amount as a number: ``7,5`` (Swedish) and ``7.5`` alike; else the text."""
    candidate = text.replace(",", ".", 1)
    if candidate.isdigit():
        return int(candidate)
    try:
        return float(candidate) if re.fullmatch(r"[0-9]+\.[0-9]+", candidate) else text
    except ValueError:
        return text


def _bounded_int(value: object, default: int, low: int, high: int) -> int:
    text = value if isinstance(value, str) else ""
    return min(max(int(text), low), high) if text.isdigit() and len(text) < 4 else default
