"""A relying party's registered purposes ("intended use") and the claims each one needs.

Modelled on the Wallet-Relying Party Registration Certificate (WRPRC) of ETSI TS 119 475
V1.2.1 (clause 5.2), which carries what the relying party registered under CIR (EU) 2025/848
Annex I (9)-(10): its intended use, in words (``purpose``, a multilingual string), and the
data it may ask for (``credentials``: DCQL-like credential queries, each with ``format``,
``meta`` {``vct_values``} and a list of claim queries with their ``path``). eIDAS 2 art. 5b(3)
forbids asking for more than was registered, and the ARF (topic X, high-level requirements
RPRC_*) expects the wallet to compare a request with the registration.

Intyg carries the same facts in a verifier's entry of its signed trust list (member
``purposes``), for ecosystems that issue no registration certificates, in a flatter shape:

    Intyg member                       WRPRC (ETSI TS 119 475 V1.2.1, clause 5.2)
    ``purposes[]``                     one registered intended use
    ``purposes[].id``                  its identifier (the one a request names)
    ``purposes[].name`` {lang: text}   ``purpose`` (multilingual, shown to the user)
    ``purposes[].claims[]``            ``credentials[]``, flattened: one entry per
      ``.vct``                           ``credentials[].meta.vct_values[]`` value and
      ``.path``                          ``credentials[].claim[].path`` (DCQL §7 pointer)

A path is a DCQL claims path pointer (OpenID4VP 1.0 §7): names, array indices, and ``null``
for every element. A registered path covers the claim it points to and everything under it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from core.errors import IntygError

MAX_PURPOSES: Final = 50
MAX_CLAIMS_PER_PURPOSE: Final = 500
MAX_PATH_LENGTH: Final = 16
MAX_NAME_CHARS: Final = 200
_PURPOSE_MEMBERS: Final = frozenset({"id", "name", "claims"})
_CLAIM_MEMBERS: Final = frozenset({"vct", "path"})
_PURPOSE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")

#: A DCQL claims path pointer: names, indices, ``None`` for every element.
PathPattern = tuple[str | int | None, ...]


class IntendedUseMalformed(IntygError):
    code = "intended_use_malformed"
    title = "A registered purpose does not follow its schema"


@dataclass(frozen=True)
class RegisteredClaim:
    vct: str
    path: PathPattern


@dataclass(frozen=True)
class RegisteredPurpose:
    id: str
    name: tuple[tuple[str, str], ...]  # (language tag, text), in the list's order
    claims: tuple[RegisteredClaim, ...]

    def needs(self, vct: str, path: Sequence[str | int | None]) -> bool:
        """Does this purpose need the claim at ``path`` of a ``vct`` credential? True when a
        registered path for that type covers it (see ``covers``)."""
        return any(c.vct == vct and covers(c.path, path) for c in self.claims)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": dict(self.name),
            "claims": [{"vct": c.vct, "path": list(c.path)} for c in self.claims],
        }


def covers(registered: Sequence[str | int | None], asked: Sequence[str | int | None]) -> bool:
    """A registered path covers an asked one when it is a prefix of it, step by step: a name
    or index only itself, ``None`` (every element) any index or ``None``. So ``["skills"]``
    covers ``["skills", None, "label"]``, ``["skills", 0]`` does not cover ``["skills", None]``
    (that asks for every element), and an asked path shorter than the registered one is more
    than was registered."""
    if len(registered) > len(asked):
        return False
    for mine, theirs in zip(registered, asked, strict=False):
        if mine is None:
            if not (theirs is None or (isinstance(theirs, int) and not isinstance(theirs, bool))):
                return False
        elif mine != theirs or isinstance(theirs, bool) or theirs is None:
            return False
    return True


def parse_purposes(raw: object, what: str) -> tuple[RegisteredPurpose, ...]:
    """The ``purposes`` member of a verifier's entry, or ``IntendedUseMalformed``."""
    if not isinstance(raw, list) or not raw:
        raise IntendedUseMalformed(f"{what} must be a non-empty array")
    if len(raw) > MAX_PURPOSES:
        raise IntendedUseMalformed(f"{what}: more than {MAX_PURPOSES} purposes")
    purposes = [_purpose(item, f"{what}[{i}]") for i, item in enumerate(raw)]
    if len({p.id for p in purposes}) != len(purposes):
        raise IntendedUseMalformed(f"{what}: a purpose id is listed twice")
    return tuple(purposes)


def _purpose(raw: object, what: str) -> RegisteredPurpose:
    if not isinstance(raw, dict):
        raise IntendedUseMalformed(f"{what} must be an object")
    unknown = set(raw) - _PURPOSE_MEMBERS
    if unknown:
        raise IntendedUseMalformed(f"{what} has unknown members {sorted(unknown)}")
    identifier = raw.get("id")
    if not isinstance(identifier, str) or not _PURPOSE_ID.fullmatch(identifier):
        raise IntendedUseMalformed(
            f"{what}.id is required: 1-200 letters, digits and . _ : / - (a letter or digit first)"
        )
    name = _name(raw["name"], f"{what}.name") if "name" in raw else ()
    claims = raw.get("claims")
    if not isinstance(claims, list) or not claims:
        raise IntendedUseMalformed(f"{what}.claims must be a non-empty array")
    if len(claims) > MAX_CLAIMS_PER_PURPOSE:
        raise IntendedUseMalformed(f"{what}.claims: more than {MAX_CLAIMS_PER_PURPOSE}")
    parsed = tuple(_claim(c, f"{what}.claims[{i}]") for i, c in enumerate(claims))
    if len(set(parsed)) != len(parsed):
        raise IntendedUseMalformed(f"{what}.claims: a claim is listed twice")
    return RegisteredPurpose(identifier, name, parsed)


def _name(raw: object, what: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not raw:
        raise IntendedUseMalformed(f"{what} must be a non-empty object of language: text")
    for tag, text in raw.items():
        if not _LANGUAGE_TAG.fullmatch(tag):
            raise IntendedUseMalformed(f"{what}: {tag[:20]!r} is not a language tag")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_NAME_CHARS:
            raise IntendedUseMalformed(f"{what}.{tag} must be text of 1-{MAX_NAME_CHARS} chars")
    return tuple((tag, text) for tag, text in raw.items())


def _claim(raw: object, what: str) -> RegisteredClaim:
    if not isinstance(raw, dict) or set(raw) != _CLAIM_MEMBERS:
        raise IntendedUseMalformed(f"{what} must be an object with exactly vct and path")
    vct, path = raw["vct"], raw["path"]
    if not isinstance(vct, str) or not vct:
        raise IntendedUseMalformed(f"{what}.vct must be a non-empty string")
    if not isinstance(path, list) or not path or len(path) > MAX_PATH_LENGTH:
        raise IntendedUseMalformed(f"{what}.path must be an array of 1-{MAX_PATH_LENGTH} steps")
    for step in path:
        name = isinstance(step, str) and step != ""
        index = isinstance(step, int) and not isinstance(step, bool) and step >= 0
        if not (name or index or step is None):
            raise IntendedUseMalformed(
                f"{what}.path holds names, indices (0 or more) and null (every element) only"
            )
    return RegisteredClaim(vct, tuple(path))
