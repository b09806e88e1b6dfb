"""The compact serialisation (RFC 9901 §4): ``<Issuer-signed JWT>~<D.1>~...~<D.N>~[<KB-JWT>]``,
split and joined, within the bounds a verifier processes (§10)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from core import jose
from core.standards.sd_jwt.errors import MalformedSdJwt, TooManyDisclosures

SEPARATOR: Final = "~"


@dataclass(frozen=True)
class ProcessingLimits:
    """Bounds on what a verifier will process (RFC 9901 §10: resource exhaustion)."""

    max_depth: int = 32
    max_disclosures: int = 512


DEFAULT_LIMITS: Final = ProcessingLimits()


def serialize(issuer_jwt: str, disclosures: Iterable[str], kb_jwt: str | None = None) -> str:
    """§4: ``<Issuer-signed JWT>~<D.1>~...~<D.N>~`` followed by the KB-JWT, if any."""
    return SEPARATOR.join((issuer_jwt, *disclosures, kb_jwt or ""))


@dataclass(frozen=True)
class SdJwt:
    """A compact SD-JWT or SD-JWT+KB split into its parts (nothing verified yet)."""

    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None = None

    @property
    def without_kb(self) -> str:
        """The SD-JWT part that ``sd_hash`` covers: ``<JWT>~<D.1>~...~<D.N>~``."""
        return serialize(self.issuer_jwt, self.disclosures)

    def serialize(self) -> str:
        return serialize(self.issuer_jwt, self.disclosures, self.kb_jwt)


def split(serialized: str, *, limits: ProcessingLimits = DEFAULT_LIMITS) -> SdJwt:
    """Split ``<JWT>~<D.1>~...~<D.N>~[<KB-JWT>]``; every part except the last is non-empty."""
    if not isinstance(serialized, str) or not serialized.isascii():
        raise MalformedSdJwt("an SD-JWT is an ASCII string")
    if len(serialized) > jose.MAX_TOKEN_BYTES:
        raise MalformedSdJwt("the SD-JWT is too large")
    parts = serialized.split(SEPARATOR)
    if len(parts) < 2:
        raise MalformedSdJwt("an SD-JWT ends with '~' (or '~' and a key binding JWT)")
    issuer_jwt, *disclosures, kb_jwt = parts
    if not issuer_jwt or any(not d for d in disclosures):
        raise MalformedSdJwt("an SD-JWT has an empty part between '~' separators")
    if len(disclosures) > limits.max_disclosures:
        raise TooManyDisclosures(f"more than {limits.max_disclosures} disclosures")
    return SdJwt(issuer_jwt, tuple(disclosures), kb_jwt or None)
