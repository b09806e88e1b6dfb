"""One verification of an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc, RFC 9901), for every role
that receives one: the wallet as a credential arrives from its issuer (``verify``, every step
in order) and the verifier's pipeline, which runs the same steps one at a time as its named
checks, with its own in between (the trust list before any key is fetched, the issuer's
types after the signature, key binding and DCQL at the end).

    parse → header (``typ`` dc+sd-jwt, ``alg``) → issuer key → signature → validity (§3.4)
          → disclosures (RFC 9901 §7.1; §3.2.2.2) → status reference (§3.2.2.2, Token Status List)

The issuer key comes from the issuer's JWT VC Issuer Metadata (§4), through ``Resolvers``, or
from the ``x5c`` chain in the header validated to the trust anchors the role's trust list
gives for that issuer (§3.5, HAIP 1.0 §6.1.1); a header offering both must name one key
(``sd_jwt_vc.issuer_signature_key``). Never from ``jwk``, ``jku`` or ``x5u``. A header's
``kid`` names a published key, and an unknown ``kid`` refetches the metadata once (a
rotation); a header without ``kid`` or ``x5c`` gets the published keys of its ``alg`` as
candidates, and the signature takes the one that verifies. Every step raises the error of the check
that failed (``core.jose``, ``core.standards.sd_jwt``, ``sd_jwt_vc``, ``status_list``). Which
issuers may be asked about, and what a status value means for the credential, is the role's.
No HTTP here: ``core.resolvers.FetchingResolvers`` fetches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509

from core import jose
from core.standards import sd_jwt, sd_jwt_vc, status_list


class Resolvers(Protocol):
    def issuer_keys(
        self, issuer: str, now: int, *, refresh: bool = False
    ) -> Mapping[str, jose.PublicKey]:
        """The issuer's published keys by kid; ``refresh`` skips any cached copy."""
        ...

    def status(
        self,
        reference: status_list.StatusListReference,
        issuer: str,
        now: int,
        anchors: tuple[x509.Certificate, ...] = (),
    ) -> int:
        """The value at ``reference`` in the issuer's status list (verified with its keys, or
        its ``x5c`` to ``anchors``)."""
        ...


@dataclass(frozen=True)
class Unverified:
    """An SD-JWT VC split into its parts, its Issuer-signed JWT decoded; nothing checked."""

    parts: sd_jwt.SdJwt
    jws: jose.Jws

    @property
    def payload(self) -> dict[str, object]:
        return self.jws.payload


@dataclass(frozen=True)
class VerifiedCredential:
    """An SD-JWT VC whose every step passed: ``claims`` has the Disclosures applied;
    ``status`` is its status list reference, not yet looked up (``Resolvers.status``)."""

    parts: sd_jwt.SdJwt
    jws: jose.Jws
    claims: dict[str, object]
    issuer: str
    vct: str
    status: status_list.StatusListReference | None


def parse(serialized: str) -> Unverified:
    parts = sd_jwt.split(serialized)
    return Unverified(parts, jose.parse(parts.issuer_jwt))


def check_header(jws: jose.Jws) -> None:
    """The header, before any key is touched: ``typ`` is dc+sd-jwt (§3.2.1), ``alg`` allowed."""
    jose.check_header(jws.header, typ=sd_jwt_vc.TYP_SD_JWT_VC)


def issuer_key(
    resolvers: Resolvers,
    issuer: str,
    header: Mapping[str, object],
    now: int,
    anchors: tuple[x509.Certificate, ...] = (),
    pins: frozenset[str] = frozenset(),
) -> jose.Keys:
    """The key the header offers: its ``x5c`` leaf (chained to ``anchors``), the published key
    its ``kid`` names, or both agreeing (the candidates for a header with neither);
    ``sd_jwt_vc.IssuerKeyNotFound`` if the issuer publishes none. With ``pins`` (the trust
    list's certificate thumbprints for the issuer) the leaf must be one of them."""
    if pins:
        sd_jwt_vc.check_pinned(header, pins)
    return sd_jwt_vc.issuer_signature_key(
        header,
        lambda refresh: resolvers.issuer_keys(issuer, now, refresh=refresh),
        issuer,
        anchors,
        now,
    )


def check_signature(jws: jose.Jws, key: jose.Keys) -> None:
    jose.verify(jws, key, typ=sd_jwt_vc.TYP_SD_JWT_VC)


def disclose(unverified: Unverified) -> sd_jwt.ProcessedClaims:
    """The Disclosures decoded and put in place (RFC 9901 §7.1), none of a claim that §3.2.2.2
    keeps in the signed payload."""
    decoded = [sd_jwt.decode_disclosure(d) for d in unverified.parts.disclosures]
    processed = sd_jwt.process_disclosures(unverified.payload, decoded)
    sd_jwt_vc.check_disclosed_paths(item.path for item in processed.disclosed)
    return processed


def status_reference(payload: Mapping[str, object]) -> status_list.StatusListReference | None:
    """The ``status`` claim's status list reference; ``None`` for a credential without one."""
    return status_list.parse_status_claim(payload["status"]) if "status" in payload else None


def verify(
    credential: str | Unverified,
    resolvers: Resolvers,
    *,
    now: int,
    skew: int,
    anchors: tuple[x509.Certificate, ...] = (),
    pins: frozenset[str] = frozenset(),
) -> VerifiedCredential:
    """Every step, in order; the status is referenced, not looked up."""
    unverified = parse(credential) if isinstance(credential, str) else credential
    payload = unverified.payload
    vct = sd_jwt_vc.required_string(payload, "vct")
    issuer = sd_jwt_vc.required_string(payload, "iss")
    check_header(unverified.jws)
    key = issuer_key(resolvers, issuer, unverified.jws.header, now, anchors, pins)
    check_signature(unverified.jws, key)
    sd_jwt_vc.check_validity(payload, now=now, skew=skew)
    processed = disclose(unverified)
    reference = status_reference(payload)
    return VerifiedCredential(
        unverified.parts, unverified.jws, processed.claims, issuer, vct, reference
    )
