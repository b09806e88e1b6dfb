"""Signed lists of trusted entities, modelled on ETSI TS 119 602 (Lists of Trusted Entities).

ETSI TS 119 602 V1.1.1 (2025-11) defines the LoTE, the JSON successor of the XML trusted lists
of ETSI TS 119 612: scheme information (operator name, issue date, next update, sequence
number) and a list of trusted entities, each with its name and digital identities (X.509
certificates, keys), signed as a compact JWS (JAdES). This module is modelled on that structure
as publicly described (the standard's own text was not at hand when it was written), and keeps
its shape and meaning but not its vocabulary — it is not a conformant LoTE, and does not claim
to be: its lists are produced and read only by Intyg deployments (a verifier's "which issuers
for which ``vct``", a wallet's "which verifiers"). The mapping:

    Intyg member                 LoTE component (ETSI TS 119 602)
    ``list_id``                  the list's URI / identity in the scheme
    ``sequence_number``          LoTESequenceNumber (a reader refuses to go back: rollback)
    ``issued_at``                ListIssueDateTime (here a NumericDate, RFC 7519 §2)
    ``next_update``              NextUpdate — after it, the list is expired and unusable
    ``operator.name``            SchemeOperatorName
    ``entities[]``               TrustedEntitiesList
    ``entities[].name``          TEName
    ``entities[].id``            the entity's identifier (issuer URL, verifier client_id)
    ``entities[].kind``          the service type: issuing credentials / relying party
    ``entities[].vcts``          the credential types the issuer is trusted for (a service
                                 restriction that Intyg's scheme defines)
    ``entities[].x5c``           ServiceDigitalIdentity / X509Certificates (base64 DER)
    ``entities[].certificate_thumbprints``  ServiceDigitalIdentity by digest (base64url SHA-256)
    ``entities[].purposes``      a verifier's registered purposes and the claims each needs
                                 (``core.standards.intended_use``: what an EUDI registration
                                 certificate, ETSI TS 119 475, carries as intended use)
    ``entities[].keys``          a wallet provider's public JWKs (ServiceDigitalIdentity as
                                 keys): the keys that sign its wallet attestations
                                 (``core.standards.client_attestation``) and key attestations
                                 (``core.standards.key_attestation``)

A wallet provider (``kind: "wallet_provider"``, HAIP 1.0 §4.3: the issuer trusts the provider
that attests a wallet, not the wallet) is listed by its identifier (the ``iss`` of what it
signs) and its ``keys``, which it must have; it has no ``vcts``, ``purposes`` or ``x5c``.

The list is a JWS whose ``typ`` is ``trust-list+jwt`` (Intyg's choice, not a registered media
type: explicit typing per RFC 8725 §3.11 keeps a trust list from being mistaken for any other
token). It is signed by the list operator's key; readers are configured with the operator's
public keys and nothing in the token chooses the key but a ``kid`` that must be one of them.
The schema is closed: an unknown member is an error, because a list that means more than the
reader understands must not be read as meaning less. Loading from a file or URL is the
caller's job.

The model (``TrustList``, ``TrustedIssuer``, ``TrustedVerifier``) is also what a real LoTE is
read into, by ``core.standards.lote``: there an issuer's ``vcts`` is None (any type its scheme
covers), and entries that cannot be mapped are kept in ``TrustList.skipped`` with the reason.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

from cryptography import x509

from core import jose
from core import x509 as certs
from core.config import is_loopback_host
from core.errors import IntygError, JoseError
from core.standards import intended_use

TYP_TRUST_LIST: Final = "trust-list+jwt"
FORMAT_INTYG: Final = "intyg"
FORMAT_LOTE: Final = "etsi-ts-119602"
KIND_ISSUER: Final = "issuer"
KIND_VERIFIER: Final = "verifier"
KIND_WALLET_PROVIDER: Final = "wallet_provider"
MAX_PROVIDER_KEYS: Final = 16
PREFIX_X509_SAN_DNS: Final = "x509_san_dns:"
PREFIX_X509_HASH: Final = "x509_hash:"
MAX_TRUST_LIST_BYTES: Final = 4 * 1024 * 1024
MAX_ENTITIES: Final = 10_000

_TOP_MEMBERS: Final = frozenset(
    {"list_id", "sequence_number", "issued_at", "next_update", "operator", "entities"}
)
_ENTITY_MEMBERS: Final = frozenset(
    {"id", "name", "kind", "vcts", "x5c", "certificate_thumbprints", "purposes", "keys"}
)
_THUMBPRINT = re.compile(r"[A-Za-z0-9_-]{43}")
_DNS_NAME = re.compile(r"(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")


# --- errors ----------------------------------------------------------------------------------


class TrustListError(IntygError):
    code = "trust_list_invalid"
    title = "The trust list is not valid"


class TrustListMalformed(TrustListError):
    code = "trust_list_malformed"
    title = "The trust list does not follow its schema"


class TrustListWrongTyp(TrustListError):
    code = "trust_list_wrong_typ"
    title = "The token is not a trust list"


class TrustListUnknownKey(TrustListError):
    code = "trust_list_unknown_key"
    title = "The trust list is not signed by a configured operator key"


class TrustListSignatureInvalid(TrustListError):
    code = "trust_list_signature_invalid"
    title = "The trust list's signature does not verify"


class TrustListExpired(TrustListError):
    code = "trust_list_expired"
    title = "The trust list is past its next update"


class TrustListNotYetValid(TrustListError):
    code = "trust_list_not_yet_valid"
    title = "The trust list is issued in the future"


class TrustListRolledBack(TrustListError):
    code = "trust_list_rolled_back"
    title = "The trust list is older than one already seen"


# --- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedIssuer:
    """An issuer, keyed by its https identifier (the SD-JWT VC ``iss``).

    ``vcts`` is the set of credential types it is trusted for (Intyg's lists always name
    them), or None: trusted for any type the list's scheme covers. None comes from an ETSI TS
    119 602 list (``core.standards.lote``), whose entries carry no type restriction: its
    scheme (e.g. "PID providers") is the restriction, and Intyg cannot map a scheme to
    ``vct`` URIs. With None the trust check passes for every ``vct``; what a verifier accepts
    is then narrowed only by what its request (DCQL) asks for."""

    id: str
    name: str
    vcts: frozenset[str] | None
    x5c: tuple[str, ...]
    certificate_thumbprints: frozenset[str]

    def allows(self, vct: str) -> bool:
        """Is this issuer trusted to issue credentials of type ``vct``? (exact match)"""
        return self.vcts is None or vct in self.vcts

    @cached_property
    def trust_anchors(self) -> tuple[x509.Certificate, ...]:
        """The listed certificates as anchors for the ``x5c`` chains of its credentials and
        status lists (SD-JWT VC §3.5); none: it is trusted through its published metadata."""
        # Validated when the list was read; not bounded as a presented chain is (a list may
        # name more anchors for one entity than a chain has links).
        return tuple(certs.certificate_from_der(base64.b64decode(v)) for v in self.x5c)


@dataclass(frozen=True)
class SkippedEntry:
    """An entry of a list that the reader could not map to an issuer or verifier, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class TrustedVerifier:
    id: str  # a client_id with its prefix, e.g. ``x509_san_dns:verifier.example.se``
    name: str
    x5c: tuple[str, ...]
    certificate_thumbprints: frozenset[str]
    #: the purposes it is registered for (empty: the list registers none)
    purposes: tuple[intended_use.RegisteredPurpose, ...] = ()

    def purpose(self, purpose_id: str) -> intended_use.RegisteredPurpose | None:
        return next((p for p in self.purposes if p.id == purpose_id), None)

    def pins(self, thumbprint: str | None) -> bool:
        """True when the list pins no certificate, or pins this one."""
        return not self.certificate_thumbprints or thumbprint in self.certificate_thumbprints


@dataclass(frozen=True)
class TrustedWalletProvider:
    """A wallet provider, keyed by the ``iss`` of its wallet and key attestations."""

    id: str
    name: str
    keys: tuple[jose.PublicKey, ...]


@dataclass(frozen=True)
class TrustList:
    list_id: str
    sequence_number: int
    issued_at: int
    next_update: int
    operator_name: str
    issuers: Mapping[str, TrustedIssuer]
    verifiers: Mapping[str, TrustedVerifier]
    token_hash: str  # base64url SHA-256 of the signed list, for logs and evidence
    format: str = FORMAT_INTYG  # or FORMAT_LOTE (``core.standards.lote``)
    skipped: tuple[SkippedEntry, ...] = ()  # entries left out (only a LoTE has them)
    #: Issuers a list names by their certificates alone (a LoTE's PID providers): found by
    #: the ``x5c`` chain of what they sign, whose leaf names the ``iss``.
    certified_issuers: tuple[TrustedIssuer, ...] = ()
    #: Wallet providers (only Intyg's format names them), keyed by their identifier.
    wallet_providers: Mapping[str, TrustedWalletProvider] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )

    def wallet_provider(self, identifier: str) -> TrustedWalletProvider | None:
        return self.wallet_providers.get(identifier)

    def issuer(self, identifier: str) -> TrustedIssuer | None:
        return self.issuers.get(identifier)

    def issuer_for(self, identifier: str, x5c: object, now: int) -> TrustedIssuer | None:
        """The entry for ``identifier`` (an ``iss``): listed by it, else the entry named by
        certificates alone whose anchors the ``x5c`` chain validates to, its leaf naming
        ``identifier`` (``core.x509.verify_issuer_x5c``), returned under that identifier. When
        several such entries validate it (entities sharing a CA) none is: the list does not
        say which of them the issuer is."""
        listed = self.issuers.get(identifier)
        if listed is not None or x5c is None or not self.certified_issuers:
            return listed
        try:
            top = certs.parse_x5c(x5c)[-1]
        except certs.X509Error:
            return None
        found = []
        # Only entries with an anchor that could have issued the top of the chain are tried.
        for entry in self.certified_issuers:
            if not any(a.subject == top.issuer for a in entry.trust_anchors):
                continue
            try:
                certs.verify_issuer_x5c(x5c, entry.trust_anchors, now, identifier)
            except certs.X509Error:
                continue
            found.append(entry)
        if len(found) != 1:
            return None
        named = dataclasses.replace(found[0], id=identifier)
        named.__dict__["trust_anchors"] = found[0].trust_anchors  # parsed once per list
        return named

    def verifier(self, client_id: str) -> TrustedVerifier | None:
        """The entry listed under ``client_id``; for ``x509_hash:<hash>``, else the entry that
        pins that certificate (one verifier, whichever prefix it asks with)."""
        try:
            found = self.verifiers.get(normalise_verifier_id(client_id))
        except TrustListMalformed:
            return None
        prefix, _, thumbprint = client_id.partition(":")
        if found is None and prefix + ":" == PREFIX_X509_HASH:
            pinning = (
                v for v in self.verifiers.values() if thumbprint in v.certificate_thumbprints
            )
            found = next(pinning, None)
        return found


def normalise_verifier_id(identifier: str) -> str:
    """A bare DNS name stands for ``x509_san_dns:<name>``; DNS names compare in lower case."""
    prefix, colon, rest = identifier.partition(":")
    if not colon:
        prefix, rest = PREFIX_X509_SAN_DNS.rstrip(":"), identifier
    if prefix + ":" == PREFIX_X509_SAN_DNS:
        if not _DNS_NAME.fullmatch(rest.lower()):
            raise TrustListMalformed(f"{identifier!r} is not a DNS name")
        return PREFIX_X509_SAN_DNS + rest.lower()
    return identifier


# --- building and signing --------------------------------------------------------------------


def issuer_entry(
    identifier: str,
    name: str,
    vcts: Iterable[str],
    *,
    x5c: Sequence[str] = (),
    certificate_thumbprints: Sequence[str] = (),
) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": identifier,
        "name": name,
        "kind": KIND_ISSUER,
        "vcts": sorted(set(vcts)),
    }
    return _with_identities(entry, x5c, certificate_thumbprints)


def verifier_entry(
    client_id: str,
    name: str,
    *,
    x5c: Sequence[str] = (),
    certificate_thumbprints: Sequence[str] = (),
    purposes: Sequence[Mapping[str, object]] = (),
) -> dict[str, object]:
    """A verifier's entry; each of ``purposes`` is ``{"id", "name"?: {lang: text}, "claims":
    [{"vct", "path"}]}`` (``core.standards.intended_use``)."""
    entry: dict[str, object] = {"id": client_id, "name": name, "kind": KIND_VERIFIER}
    if purposes:
        entry["purposes"] = [dict(p) for p in purposes]
    return _with_identities(entry, x5c, certificate_thumbprints)


def wallet_provider_entry(
    identifier: str, name: str, keys: Sequence[Mapping[str, object]]
) -> dict[str, object]:
    """A wallet provider's entry: its identifier and the public JWKs it signs attestations
    with (``intyg trust-list hosted-wallet`` writes the hosted wallet's)."""
    return {"id": identifier, "name": name, "kind": KIND_WALLET_PROVIDER, "keys": list(keys)}


def _with_identities(
    entry: dict[str, object], x5c: Sequence[str], thumbprints: Sequence[str]
) -> dict[str, object]:
    if x5c:
        entry["x5c"] = list(x5c)
    if thumbprints:
        entry["certificate_thumbprints"] = list(thumbprints)
    return entry


def build_trust_list(
    *,
    list_id: str,
    operator_name: str,
    entities: Sequence[Mapping[str, object]],
    issued_at: int,
    next_update: int,
    sequence_number: int = 1,
) -> dict[str, object]:
    """The list document (validated with the same schema that ``verify_trust_list`` applies)."""
    doc: dict[str, object] = {
        "list_id": list_id,
        "sequence_number": sequence_number,
        "issued_at": issued_at,
        "next_update": next_update,
        "operator": {"name": operator_name},
        "entities": [dict(e) for e in entities],
    }
    _parse_document(doc, token_hash="")
    return doc


def sign_trust_list(doc: Mapping[str, object], key: jose.PrivateKey) -> str:
    _parse_document(doc, token_hash="")
    return jose.sign(doc, key, typ=TYP_TRUST_LIST)


# --- verifying -------------------------------------------------------------------------------


def verify_trust_list(
    token: str,
    operator_keys: Sequence[jose.PublicKey],
    now: int,
    *,
    skew: int = 0,
    min_sequence_number: int | None = None,
) -> TrustList:
    """Signature by an operator key, ``typ``, schema, then time: the list or its error."""
    parsed = parse_signed_list(token, typ=TYP_TRUST_LIST)
    _verify_signature(parsed, operator_keys)
    trust_list = _parse_document(
        parsed.payload, token_hash=jose.b64url_encode(hashlib.sha256(token.encode()).digest())
    )
    return check_currency(trust_list, now, skew=skew, min_sequence_number=min_sequence_number)


def check_currency(
    listed: TrustList, now: int, *, skew: int = 0, min_sequence_number: int | None = None
) -> TrustList:
    """Issued, not past its next update, not older than one already seen: the list, or why not.
    (ETSI TS 119 602 ListIssueDateTime, NextUpdate, LoTESequenceNumber: for either format.)"""
    if listed.issued_at > now + skew:
        raise TrustListNotYetValid(f"the list is issued at {listed.issued_at}, after now")
    if now - skew >= listed.next_update:
        raise TrustListExpired(
            f"the list's next update was due at {listed.next_update}; fetch a fresh list"
        )
    if min_sequence_number is not None and listed.sequence_number < min_sequence_number:
        raise TrustListRolledBack(
            f"sequence number {listed.sequence_number} is below {min_sequence_number}"
        )
    return listed


def parse_signed_list(token: str, *, typ: str | None) -> jose.Jws:
    """The checks before any key (size, JWS shape, ``alg`` allow-list, ``typ``, ``crit``) for a
    list in either format; ``typ=None`` for a LoTE (see ``jose.check_header``)."""
    try:
        parsed = jose.parse(token, max_bytes=MAX_TRUST_LIST_BYTES)
        jose.check_header(parsed.header, typ=typ)
    except jose.TypeMismatch as exc:
        wanted = "no typ, or a generic one" if typ is None else repr(typ)
        raise TrustListWrongTyp(f"typ must be {wanted}") from exc
    except JoseError as exc:
        raise TrustListMalformed(f"the trust list is not a valid JWS: {exc.detail}") from exc
    return parsed


def _verify_signature(parsed: jose.Jws, operator_keys: Sequence[jose.PublicKey]) -> None:
    kid = parsed.header.get("kid")
    alg = parsed.header.get("alg")
    if kid is not None:
        candidates = [k for k in operator_keys if k.kid == kid]
        if not candidates:
            raise TrustListUnknownKey(f"kid {str(kid)[:64]!r} is not an operator key")
    else:
        candidates = [k for k in operator_keys if k.alg == alg]
        if not candidates:
            raise TrustListUnknownKey(f"no operator key is configured for {alg!r}")
    for key in candidates:
        try:
            jose.verify(parsed, key, typ=TYP_TRUST_LIST)
            return
        except JoseError:
            continue
    raise TrustListSignatureInvalid("no configured operator key verifies the trust list")


_KIND_NAMES: Final = {str: "a string", int: "an integer", dict: "an object", list: "an array"}


def _require(obj: Mapping[str, object], name: str, kind: type, what: str) -> object:
    value = obj.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) or value == "":
        raise TrustListMalformed(f"{what}.{name} is required and must be {_KIND_NAMES[kind]}")
    return value


def _strings(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise TrustListMalformed(f"{what} must be a non-empty array of strings")
    if not all(isinstance(v, str) and v for v in value) or len(set(value)) != len(value):
        raise TrustListMalformed(f"{what} must hold distinct non-empty strings")
    return list(value)


def _parse_document(doc: Mapping[str, object], *, token_hash: str) -> TrustList:
    unknown = set(doc) - _TOP_MEMBERS
    if unknown:
        raise TrustListMalformed(f"unknown members {sorted(unknown)}")
    list_id = str(_require(doc, "list_id", str, "list"))
    sequence = _require(doc, "sequence_number", int, "list")
    issued_at = _require(doc, "issued_at", int, "list")
    next_update = _require(doc, "next_update", int, "list")
    assert isinstance(sequence, int) and isinstance(issued_at, int)
    assert isinstance(next_update, int)
    if sequence < 1:
        raise TrustListMalformed("sequence_number starts at 1")
    if next_update <= issued_at:
        raise TrustListMalformed("next_update must come after issued_at")
    operator = _require(doc, "operator", dict, "list")
    assert isinstance(operator, dict)
    if set(operator) != {"name"}:
        raise TrustListMalformed("operator has exactly one member, name")
    operator_name = str(_require(operator, "name", str, "operator"))
    entities = _require(doc, "entities", list, "list")
    assert isinstance(entities, list)
    if len(entities) > MAX_ENTITIES:
        raise TrustListMalformed(f"more than {MAX_ENTITIES} entities")
    issuers: dict[str, TrustedIssuer] = {}
    verifiers: dict[str, TrustedVerifier] = {}
    providers: dict[str, TrustedWalletProvider] = {}
    for position, raw in enumerate(entities):
        entity = _parse_entity(raw, f"entities[{position}]")
        found: dict[str, TrustedIssuer] | dict[str, TrustedVerifier]
        found = issuers if isinstance(entity, TrustedIssuer) else verifiers
        if entity.id in found or entity.id in providers:
            raise TrustListMalformed(f"{entity.id!r} is listed twice")
        if isinstance(entity, TrustedIssuer):
            issuers[entity.id] = entity
        elif isinstance(entity, TrustedVerifier):
            verifiers[entity.id] = entity
        else:
            providers[entity.id] = entity
    return TrustList(
        list_id=list_id,
        sequence_number=sequence,
        issued_at=issued_at,
        next_update=next_update,
        operator_name=operator_name,
        issuers=MappingProxyType(issuers),
        verifiers=MappingProxyType(verifiers),
        token_hash=token_hash,
        wallet_providers=MappingProxyType(providers),
    )


def _parse_entity(
    raw: object, what: str
) -> TrustedIssuer | TrustedVerifier | TrustedWalletProvider:
    if not isinstance(raw, dict):
        raise TrustListMalformed(f"{what} must be an object")
    unknown = set(raw) - _ENTITY_MEMBERS
    if unknown:
        raise TrustListMalformed(f"{what} has unknown members {sorted(unknown)}")
    identifier = str(_require(raw, "id", str, what))
    name = str(_require(raw, "name", str, what))
    kind = raw.get("kind")
    if kind == KIND_WALLET_PROVIDER:
        return _parse_wallet_provider(raw, identifier, name, what)
    if "keys" in raw:
        raise TrustListMalformed(f"{what}: only a wallet provider is listed with keys")
    x5c: tuple[str, ...] = ()
    if "x5c" in raw:
        x5c = tuple(_strings(raw["x5c"], f"{what}.x5c"))
        try:
            certs.parse_x5c(list(x5c))
        except certs.X509Error as exc:
            raise TrustListMalformed(f"{what}.x5c: {exc.detail}") from None
    thumbprints: frozenset[str] = frozenset()
    if "certificate_thumbprints" in raw:
        values = _strings(raw["certificate_thumbprints"], f"{what}.certificate_thumbprints")
        if not all(_THUMBPRINT.fullmatch(v) for v in values):
            raise TrustListMalformed(f"{what}: a thumbprint is base64url SHA-256 (43 chars)")
        thumbprints = frozenset(values)
    if kind == KIND_ISSUER:
        check_issuer_id(identifier, what)
        vcts = frozenset(_strings(raw.get("vcts"), f"{what}.vcts"))
        if "purposes" in raw:
            raise TrustListMalformed(f"{what}: an issuer has no purposes")
        return TrustedIssuer(identifier, name, vcts, x5c, thumbprints)
    if kind == KIND_VERIFIER:
        if "vcts" in raw:
            raise TrustListMalformed(f"{what}: a verifier has no vcts")
        purposes: tuple[intended_use.RegisteredPurpose, ...] = ()
        if "purposes" in raw:
            try:
                purposes = intended_use.parse_purposes(raw["purposes"], f"{what}.purposes")
            except intended_use.IntendedUseMalformed as exc:
                raise TrustListMalformed(exc.detail) from None
        verifier_id = normalise_verifier_id(identifier)
        return TrustedVerifier(verifier_id, name, x5c, thumbprints, purposes)
    raise TrustListMalformed(f"{what}.kind must be 'issuer', 'verifier' or 'wallet_provider'")


def _parse_wallet_provider(
    raw: Mapping[str, object], identifier: str, name: str, what: str
) -> TrustedWalletProvider:
    check_issuer_id(identifier, what)  # an https URL, like an issuer's
    extra = set(raw) - {"id", "name", "kind", "keys"}
    if extra:
        raise TrustListMalformed(f"{what}: a wallet provider has no {sorted(extra)}")
    keys = raw.get("keys")
    if not isinstance(keys, list) or not 1 <= len(keys) <= MAX_PROVIDER_KEYS:
        raise TrustListMalformed(f"{what}.keys must hold 1 to {MAX_PROVIDER_KEYS} public JWKs")
    parsed = []
    for jwk in keys:
        if not isinstance(jwk, dict) or "d" in jwk:
            raise TrustListMalformed(f"{what}.keys holds public JWK objects only")
        try:
            parsed.append(jose.PublicKey.from_jwk(jwk))
        except JoseError as exc:
            raise TrustListMalformed(f"{what}.keys: {exc.detail}") from None
    return TrustedWalletProvider(identifier, name, tuple(parsed))


def check_issuer_id(identifier: str, what: str) -> None:
    """An issuer is an HTTPS URL (DESIGN: http only on loopback, for development lists)."""
    try:
        parts = urlsplit(identifier)
        host = parts.hostname
    except ValueError:
        raise TrustListMalformed(f"{what}.id is not a URL") from None
    if not host or parts.fragment or parts.query or parts.username is not None:
        raise TrustListMalformed(f"{what}.id must be an issuer URL without query or fragment")
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback_host(host)):
        raise TrustListMalformed(f"{what}.id must be an https URL")
