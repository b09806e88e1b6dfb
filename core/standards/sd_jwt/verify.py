"""Verifying an SD-JWT (RFC 9901 §7.1, §7.3 steps 1–4): the issuer signature with
``core.jose``, then the Disclosures put in place of their digests, each checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from core import jose
from core.standards.sd_jwt.compact import DEFAULT_LIMITS, ProcessingLimits, SdJwt, split
from core.standards.sd_jwt.disclosures import (
    ARRAY_DIGEST_KEY,
    SD_ALG_KEY,
    SD_ALG_SHA256,
    SD_DIGESTS_KEY,
    ClaimPath,
    Disclosure,
    decode_disclosure,
)
from core.standards.sd_jwt.errors import (
    ArrayDisclosureInObject,
    ClaimNameConflict,
    DuplicateDigest,
    DuplicateDisclosure,
    HolderKeyMissing,
    InvalidDigestStructure,
    ObjectDisclosureInArray,
    TooDeep,
    TooManyDisclosures,
    UnreferencedDisclosure,
    UnsupportedSdAlg,
)


class DisclosedClaim(NamedTuple):
    """Where a Disclosure's claim sits in the processed claims, e.g. ``("skills", 2)``."""

    path: ClaimPath
    disclosure: Disclosure


@dataclass(frozen=True)
class ProcessedClaims:
    """The claims with Disclosures applied; ``disclosed`` follows the input Disclosure order."""

    claims: dict[str, object]
    disclosed: tuple[DisclosedClaim, ...]


class _Processing:
    __slots__ = ("by_digest", "seen", "paths", "max_depth")

    def __init__(self, by_digest: dict[str, Disclosure], max_depth: int) -> None:
        self.by_digest = by_digest
        self.seen: set[str] = set()
        self.paths: dict[str, ClaimPath] = {}
        self.max_depth = max_depth

    def take(self, digest: object) -> Disclosure | None:
        """§7.1 step 4: each digest at most once; returns its Disclosure, if one was sent."""
        if not isinstance(digest, str):
            raise InvalidDigestStructure("a digest is not a string")
        if digest in self.seen:
            raise DuplicateDigest(f"the digest {digest} appears more than once")
        self.seen.add(digest)
        return self.by_digest.get(digest)


def check_sd_alg(payload: Mapping[str, object]) -> None:
    """§4.1.1: ``_sd_alg`` absent means sha-256; sha-256 is the only one accepted here."""
    alg = payload.get(SD_ALG_KEY, SD_ALG_SHA256)
    if alg != SD_ALG_SHA256:
        shown = alg if isinstance(alg, str) and len(alg) < 40 else "(not a short string)"
        raise UnsupportedSdAlg(f"the digest algorithm {shown!r} is not supported")


def process_disclosures(
    payload: Mapping[str, object],
    disclosures: Sequence[Disclosure],
    *,
    limits: ProcessingLimits = DEFAULT_LIMITS,
) -> ProcessedClaims:
    """§7.1 steps 3–5: replace digests by disclosed claims, recursively, and check them."""
    check_sd_alg(payload)
    if len(disclosures) > limits.max_disclosures:
        raise TooManyDisclosures(f"more than {limits.max_disclosures} disclosures")
    by_digest: dict[str, Disclosure] = {}
    for disclosure in disclosures:
        if disclosure.digest in by_digest:
            raise DuplicateDisclosure(f"the disclosure {disclosure.digest} is sent twice")
        by_digest[disclosure.digest] = disclosure
    state = _Processing(by_digest, limits.max_depth)
    claims = _process_object(payload, (), state, 0)
    claims.pop(SD_ALG_KEY, None)  # §7.1 step 3.5: _sd_alg lives at the top level only
    unreferenced = [d.digest for d in disclosures if d.digest not in state.paths]
    if unreferenced:
        raise UnreferencedDisclosure(f"no digest references the disclosure {unreferenced[0]}")
    disclosed = tuple(DisclosedClaim(state.paths[d.digest], d) for d in disclosures)
    return ProcessedClaims(claims, disclosed)


def _process_value(value: object, path: ClaimPath, state: _Processing, depth: int) -> object:
    if isinstance(value, dict):
        return _process_object(value, path, state, depth)
    if isinstance(value, list):
        return _process_array(value, path, state, depth)
    return value


def _process_object(
    obj: Mapping[str, object], path: ClaimPath, state: _Processing, depth: int
) -> dict[str, object]:
    if depth > state.max_depth:
        raise TooDeep(f"the claims are nested deeper than {state.max_depth}")
    out = {
        name: _process_value(value, (*path, name), state, depth + 1)
        for name, value in obj.items()
        if name != SD_DIGESTS_KEY
    }
    digests = obj.get(SD_DIGESTS_KEY, ())
    if not isinstance(digests, list | tuple):
        raise InvalidDigestStructure("an _sd member is not an array of digests")
    for digest in digests:
        disclosure = state.take(digest)
        if disclosure is None:
            continue  # a decoy, or a claim the holder did not disclose
        if disclosure.name is None:
            raise ArrayDisclosureInObject(f"the disclosure {disclosure.digest} is in an _sd")
        if disclosure.name in out:
            raise ClaimNameConflict(f"the claim {disclosure.name!r} already exists at {path}")
        claim_path = (*path, disclosure.name)
        state.paths[disclosure.digest] = claim_path
        out[disclosure.name] = _process_value(disclosure.value, claim_path, state, depth + 1)
    return out


def _process_array(
    values: Sequence[object], path: ClaimPath, state: _Processing, depth: int
) -> list[object]:
    if depth > state.max_depth:
        raise TooDeep(f"the claims are nested deeper than {state.max_depth}")
    out: list[object] = []
    for value in values:
        if not (isinstance(value, dict) and len(value) == 1 and ARRAY_DIGEST_KEY in value):
            out.append(_process_value(value, (*path, len(out)), state, depth + 1))
            continue
        disclosure = state.take(value[ARRAY_DIGEST_KEY])
        if disclosure is None:
            continue  # §7.1 step 3.3: undisclosed elements and decoys are removed
        if disclosure.name is not None:
            raise ObjectDisclosureInArray(f"the disclosure {disclosure.digest} is in an array")
        element_path = (*path, len(out))
        state.paths[disclosure.digest] = element_path
        out.append(_process_value(disclosure.value, element_path, state, depth + 1))
    return out


# --- verifying the SD-JWT (§7.1, §7.3 steps 1–4) ---------------------------------------------


@dataclass(frozen=True)
class VerifiedSdJwt:
    """An SD-JWT whose issuer signature verified and whose Disclosures were processed.

    ``parts.kb_jwt`` is not checked here: call ``verify_kb_jwt`` when key binding is required.
    """

    parts: SdJwt
    jws: jose.Jws
    claims: dict[str, object]
    disclosed: tuple[DisclosedClaim, ...]


def verify_sd_jwt(
    serialized: str | SdJwt,
    issuer_key: jose.PublicKey | jose.KeyResolver,
    *,
    typ: str,
    algorithms: frozenset[str] = jose.ALLOWED_ALGORITHMS,
    limits: ProcessingLimits = DEFAULT_LIMITS,
) -> VerifiedSdJwt:
    """Verify the Issuer-signed JWT with ``core.jose``, then process the Disclosures."""
    parts = serialized if isinstance(serialized, SdJwt) else split(serialized, limits=limits)
    if len(parts.disclosures) > limits.max_disclosures:
        raise TooManyDisclosures(f"more than {limits.max_disclosures} disclosures")
    jws = jose.verify(parts.issuer_jwt, issuer_key, typ=typ, algorithms=algorithms)
    disclosures = [decode_disclosure(d) for d in parts.disclosures]
    processed = process_disclosures(jws.payload, disclosures, limits=limits)
    return VerifiedSdJwt(parts, jws, processed.claims, processed.disclosed)


def holder_public_key(payload: Mapping[str, object]) -> jose.PublicKey:
    """The holder key from ``cnf.jwk`` (RFC 7800 §3.2), as RFC 9901 §4.1.2 recommends."""
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise HolderKeyMissing("the SD-JWT has no cnf.jwk")
    if "d" in jwk:
        raise HolderKeyMissing("cnf.jwk must be a public key")
    return jose.PublicKey.from_jwk(jwk)
