"""SD-JWT VC Type Metadata for the skill credential.

Implements the "Type Metadata" part of draft-ietf-oauth-sd-jwt-vc (editor's copy, repository
``oauth-wg/oauth-sd-jwt-vc``, ``main`` @ f50f0a4; the shape follows the draft's "Example Type
Metadata", kept in ``tests/vectors`` as ``ietf-sd-jwt-vc/type_metadata_examples.json``):

- Type Metadata Format: ``vct``, ``name``, ``description``, ``extends``, ``display``, ``claims``.
- Display Metadata: one entry per locale (``locale``, ``name``, ``description``,
  ``rendering.simple`` with ``background_color`` / ``text_color``).
- Claim Metadata: ``path`` (Claim Path: strings, ``null`` = every array element),
  ``display`` (``locale``, ``label``, ``description``), ``mandatory``, ``sd``
  (``always`` / ``allowed`` / ``never``).
- Extending Claim Metadata: the type ``extends`` the EU learning credential
  (``urn:eu.europa.ec.eudi:learning:credential:1``); an extending type may narrow ``sd`` from
  ``allowed`` to ``always`` or ``never`` and may make an optional claim mandatory.

JSON Schema: draft -11 and earlier defined ``schema`` / ``schema_uri`` (+ ``#integrity``)
members; the working group removed them (oauth-wg/oauth-sd-jwt-vc PR #345, Sept 2025, for
draft -12), and the current examples carry neither. ``type_metadata`` therefore leaves them
out unless the caller passes ``schema_uri``, for wallets still on draft -11 (e.g. the EUDI
reference libraries); it then adds ``schema_uri#integrity`` over ``schema_bytes()``, which is
exactly what the issuer must serve at that URI.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Final

from schemas.skill_credential import SD_PATHS, ClaimPath

EXTENDS_VCT: Final = "urn:eu.europa.ec.eudi:learning:credential:1"
LOCALES: Final = ("sv-SE", "en-US")
SCHEMA_FILE: Final = "skill-credential.schema.json"


class Sd(StrEnum):
    """Claim Selective Disclosure Metadata values."""

    ALWAYS = "always"
    ALLOWED = "allowed"
    NEVER = "never"


@dataclass(frozen=True)
class ClaimText:
    """A claim's label in Swedish and English, for the wallet's display."""

    sv: str
    en: str


CLAIM_TEXTS: Final[dict[ClaimPath, ClaimText]] = {
    ("given_name",): ClaimText("Förnamn", "Given name(s)"),
    ("family_name",): ClaimText("Efternamn", "Family name(s)"),
    ("birthdate",): ClaimText("Födelsedatum", "Date of birth"),
    ("learner_identification",): ClaimText(
        "Personnummer eller samordningsnummer", "Swedish personal identity number"
    ),
    ("achievement_title",): ClaimText("Benämning", "Achievement title"),
    ("achievement_description",): ClaimText("Beskrivning", "Description"),
    ("achievement_kind",): ClaimText("Slag av utbildning eller validering", "Kind of achievement"),
    ("learning_outcomes",): ClaimText("Läranderesultat", "Learning outcomes"),
    ("language_of_classes",): ClaimText("Undervisningsspråk", "Language of classes"),
    ("expected_study_time",): ClaimText("Förväntad studietid", "Expected study time"),
    ("types_of_quality_assurance",): ClaimText("Kvalitetssäkring", "Types of quality assurance"),
    ("eqf_level",): ClaimText("Nivå enligt EQF", "EQF level"),
    ("seqf_level",): ClaimText("Nivå enligt SeQF", "SeQF level"),
    ("credits",): ClaimText("Poäng", "Credits"),
    ("credits", None, "value"): ClaimText("Antal poäng", "Amount"),
    ("credits", None, "unit"): ClaimText("Poängslag", "Unit"),
    ("skills",): ClaimText("Kompetenser", "Skills"),
    ("skills", None): ClaimText("Kompetens", "Skill"),
    ("skills", None, "id"): ClaimText("Begrepp i JobTech Taxonomy", "JobTech Taxonomy concept"),
    ("skills", None, "esco"): ClaimText("ESCO-färdighet", "ESCO skill"),
    ("skills", None, "label"): ClaimText("Benämning", "Label"),
    ("skills", None, "label", "sv"): ClaimText("Benämning på svenska", "Label in Swedish"),
    ("skills", None, "label", "en"): ClaimText("Benämning på engelska", "Label in English"),
    ("skills", None, "proficiency"): ClaimText("Färdighetsnivå", "Proficiency"),
    ("taxonomy_versions",): ClaimText("Taxonomiversioner", "Taxonomy versions"),
    ("taxonomy_versions", "jobtech_taxonomy"): ClaimText(
        "Version av JobTech Taxonomy", "JobTech Taxonomy version"
    ),
    ("taxonomy_versions", "esco"): ClaimText("Version av ESCO", "ESCO version"),
    ("assessment_grade",): ClaimText("Betyg", "Grade"),
    ("date_of_issuance",): ClaimText("Utfärdandedatum", "Date of issuance"),
    ("date_of_expiry",): ClaimText("Giltigt till", "Date of expiry"),
    ("issuing_authority",): ClaimText("Utfärdare", "Issuing authority"),
    ("issuing_authority", "name"): ClaimText("Namn", "Name"),
    ("issuing_authority", "organisationsnummer"): ClaimText(
        "Organisationsnummer", "Swedish organisation number"
    ),
    ("issuing_country",): ClaimText("Utfärdande land", "Issuing country"),
}

# Claims that every skill credential contains (selectively disclosable or not).
MANDATORY_PATHS: Final[frozenset[ClaimPath]] = frozenset(
    {
        ("given_name",),
        ("family_name",),
        ("achievement_title",),
        ("achievement_kind",),
        ("date_of_issuance",),
        ("issuing_authority",),
        ("issuing_authority", "name"),
        ("issuing_authority", "organisationsnummer"),
        ("issuing_country",),
    }
)

_DISPLAY: Final = {
    "sv-SE": {
        "name": "Kompetensintyg",
        "description": "Intyg från en utbildningsanordnare om en utbildning eller validering "
        "och de kompetenser den visar.",
    },
    "en-US": {
        "name": "Skill credential",
        "description": "A credential from an education provider for a course, programme or "
        "validation and the skills it shows.",
    },
}
_RENDERING_SIMPLE: Final = {"background_color": "#1f4e79", "text_color": "#ffffff"}


def sd_marker(path: ClaimPath) -> Sd:
    """``always`` for the paths in ``SD_PATHS``, ``never`` for every other claim."""
    return Sd.ALWAYS if path in SD_PATHS else Sd.NEVER


def _claim_metadata(path: ClaimPath, text: ClaimText) -> dict[str, object]:
    entry: dict[str, object] = {
        "path": list(path),
        "display": [
            {"locale": "sv-SE", "label": text.sv},
            {"locale": "en-US", "label": text.en},
        ],
        "sd": sd_marker(path).value,
    }
    if path in MANDATORY_PATHS:
        entry["mandatory"] = True
    return entry


def _display() -> list[dict[str, object]]:
    return [
        {"locale": locale, **_DISPLAY[locale], "rendering": {"simple": dict(_RENDERING_SIMPLE)}}
        for locale in LOCALES
    ]


def type_metadata(vct: str, schema_uri: str | None = None) -> dict[str, object]:
    """The Type Metadata document served at ``vct``.

    ``schema_uri`` (optional, see the module docstring) adds the draft -11 ``schema_uri``
    and ``schema_uri#integrity`` members.
    """
    document: dict[str, object] = {
        "vct": vct,
        "name": "Intyg skill credential",
        "description": "A skill credential: a learning achievement, its credits and levels, "
        "and the skills it shows as JobTech Taxonomy and ESCO concepts.",
        "extends": EXTENDS_VCT,
        "display": _display(),
        "claims": [_claim_metadata(path, text) for path, text in CLAIM_TEXTS.items()],
    }
    if schema_uri is not None:
        document["schema_uri"] = schema_uri
        document["schema_uri#integrity"] = schema_integrity()
    return document


def schema_bytes() -> bytes:
    """The JSON Schema document exactly as it is to be served."""
    return resources.files("schemas").joinpath(SCHEMA_FILE).read_bytes()


def schema_integrity() -> str:
    """W3C Subresource Integrity metadata (``sha256-…``) of ``schema_bytes()``."""
    digest = hashlib.sha256(schema_bytes()).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
