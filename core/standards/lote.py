"""ETSI TS 119 602 V1.1.1 (2025-11), Lists of Trusted Entities (LoTE): the JSON binding, signed
as a compact JWS, read into Intyg's one trust model (``core.standards.trust_list.TrustList``).

The standard's text was not at hand; the structure, names and casing were confirmed from:

- the JSON schema of the standard (ETSI forge ``esi/x19_60201_lists_of_trusted_entities``,
  ``1960201_json_schema.json``) as vendored by the EU reference implementation,
  ``eu-digital-identity-wallet/eudi-lib-kmp-etsi-1196x2`` (``119602-data-model``), whose
  ``ETSI19602.kt`` also holds the EU LoTE types and service types used below;
- the list the Swedish wallet platform's ecosystem publishes: ``diggsweden/wallet-ecosystem``,
  ``config/certificates/scripts/generate_lote.sh`` and the signed
  ``config/trust-source/signed/trusted-entities.json`` (vendored under
  ``tests/vectors/digg-wallet-ecosystem-lote/``): a compact JWS with the header
  ``{"alg": "ES256", "x5c": [<signer>]}`` — no ``typ``, no ``kid`` — over
  ``{"LoTE": {"ListAndSchemeInformation": …, "TrustedEntitiesList": […]}}``;
- the European Commission's (non-production) PID providers list as quoted in tests of
  ``a-sit-plus/vck`` (``LoTETestData``).

What is read (the schema is closed: ``additionalProperties: false`` throughout, so an unknown
member is an error here too):

    LoTE member                                   Intyg model
    ListAndSchemeInformation.LoTESequenceNumber   ``sequence_number`` (rollback refused)
    ListAndSchemeInformation.ListIssueDateTime    ``issued_at`` (RFC 3339 → NumericDate)
    ListAndSchemeInformation.NextUpdate           ``next_update`` (past it: expired)
    ListAndSchemeInformation.SchemeOperatorName   ``operator_name`` (sv, else en, else first)
    DistributionPoints[0], else LoTEType          ``list_id`` (a label: a LoTE has no id)
    TrustedEntity with an issuance service        one ``TrustedIssuer`` per https URL in the
                                                  service's ServiceSupplyPoints; without one,
                                                  a ``certified_issuers`` entry, found by the
                                                  x5c chain of what it signs
    TEName                                        ``TrustedIssuer.name``
    ServiceDigitalIdentity.X509Certificates       ``TrustedIssuer.x5c`` (base64 DER)
    (no restriction by credential type)           ``TrustedIssuer.vcts = None``: any type

Why ServiceSupplyPoints and not TEInformationURI: Intyg keys an issuer by the https URL that
its credentials carry in ``iss`` and fetches its keys from there. A supply point is where the
listed service is reached — for an issuance service, the credential issuer — while
TEInformationURI points at information *about* the entity, a web page that may live on another
party's host; keying trust to it could hand that host the entity's trust. The lists seen so far
(DIGG's, the Commission's) name no supply points and identify a provider by certificate alone:
such an entity becomes one of ``TrustList.certified_issuers``, and a credential finds it when
its ``x5c`` chain validates to the entity's certificates with a leaf that names the
credential's ``iss`` (``TrustList.issuer_for``, ``core.x509.verify_issuer_x5c``).

Left out, with reasons kept in ``skipped``: services of other types (wallet solutions,
revocation, relying-party access/registration certificate providers, registers — the latter
name CAs, not verifiers with a ``client_id``, so no ``TrustedVerifier`` can soundly come from
them), services whose ``ServiceStatus`` is not one that grants trust, services or entities
with extensions (which may narrow trust in ways not understood here), and services without
X.509 certificates. ServiceHistory is not read. The signature is checked only against the
operator keys configured for trust lists, never a key the token brings: a ``kid`` (an RFC
7638 thumbprint, Intyg's convention) or the key of the leaf certificate of ``x5c`` must be one
of them; the certificate is a pointer to the key, and its chain is not validated.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

from core import jose
from core import x509 as certs
from core.errors import JoseError
from core.standards.trust_list import (
    FORMAT_LOTE,
    MAX_ENTITIES,
    MAX_TRUST_LIST_BYTES,
    TYP_TRUST_LIST,
    SkippedEntry,
    TrustedIssuer,
    TrustList,
    TrustListMalformed,
    TrustListSignatureInvalid,
    TrustListUnknownKey,
    check_currency,
    check_issuer_id,
    parse_signed_list,
)

LOTE: Final = "LoTE"
LOTE_VERSION: Final = 1  # LoTEVersionIdentifier of TS 119 602 V1.1.1
MAX_CERTIFICATES_PER_SERVICE: Final = 20

# Service types of the EU lists (TS 119 602 annexes, as in ETSI19602.kt): those that issue
# credentials a verifier receives. Revocation services and the rest issue none.
SVC_PID_ISSUANCE: Final = "http://uri.etsi.org/19602/SvcType/PID/Issuance"
SVC_PUB_EAA_ISSUANCE: Final = "http://uri.etsi.org/19602/SvcType/PubEAA/Issuance"
SVC_MDL_ISSUANCE: Final = "http://uri.etsi.org/19602/SvcType/mDL/Issuance"
ISSUANCE_SERVICE_TYPES: Final = frozenset(
    {SVC_PID_ISSUANCE, SVC_PUB_EAA_ISSUANCE, SVC_MDL_ISSUANCE}
)

# ServiceStatus values under which a service is trusted: "granted" (TS 119 612's vocabulary,
# which DIGG's list uses) and the PubEAA list's "notified". Absent is trusted too (the EU PID
# and wallet provider profiles carry no status). Any other value — withdrawn, or unknown — is not.
TRUSTED_STATUSES: Final = frozenset(
    {
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted",
        "http://uri.etsi.org/19602/PubEAAProvidersList/SvcStatus/notified",
    }
)

# The members of each object, from the JSON schema (all objects are closed).
_LIST_MEMBERS: Final = frozenset({"ListAndSchemeInformation", "TrustedEntitiesList"})
_SCHEME_MEMBERS: Final = frozenset(
    {
        "LoTEVersionIdentifier",
        "LoTESequenceNumber",
        "LoTEType",
        "SchemeOperatorName",
        "SchemeOperatorAddress",
        "SchemeName",
        "SchemeInformationURI",
        "StatusDeterminationApproach",
        "SchemeTypeCommunityRules",
        "SchemeTerritory",
        "PolicyOrLegalNotice",
        "HistoricalInformationPeriod",
        "PointersToOtherLoTE",
        "ListIssueDateTime",
        "NextUpdate",
        "DistributionPoints",
        "SchemeExtensions",
    }
)
_ENTITY_MEMBERS: Final = frozenset({"TrustedEntityInformation", "TrustedEntityServices"})
_ENTITY_INFO_MEMBERS: Final = frozenset(
    {"TEName", "TETradeName", "TEAddress", "TEInformationURI", "TEInformationExtensions"}
)
_SERVICE_MEMBERS: Final = frozenset({"ServiceInformation", "ServiceHistory"})
_SERVICE_INFO_MEMBERS: Final = frozenset(
    {
        "ServiceName",
        "ServiceDigitalIdentity",
        "ServiceTypeIdentifier",
        "ServiceStatus",
        "StatusStartingTime",
        "SchemeServiceDefinitionURI",
        "ServiceSupplyPoints",
        "ServiceDefinitionURI",
        "ServiceInformationExtensions",
    }
)
_IDENTITY_MEMBERS: Final = frozenset(
    {"X509Certificates", "X509SubjectNames", "PublicKeyValues", "X509SKIs", "OtherIds"}
)
_PKI_OB_MEMBERS: Final = frozenset({"encoding", "specRef", "val"})
_SUPPLY_POINT_MEMBERS: Final = frozenset({"ServiceType", "uriValue"})
# JSON schema "format": "date-time" is RFC 3339 §5.6: a time zone is required.
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def is_lote(token: str) -> bool:
    """Does ``token`` read as a LoTE (payload ``{"LoTE": …}``, not Intyg's ``typ``)? Says
    which reader to use, nothing about validity; anything unreadable is not a LoTE."""
    try:
        parsed = jose.parse(token, max_bytes=MAX_TRUST_LIST_BYTES)
    except JoseError:
        return False
    typ = parsed.header.get("typ")
    return LOTE in parsed.payload and not jose.same_type(typ, TYP_TRUST_LIST)


def verify_lote(
    token: str,
    operator_keys: Sequence[jose.PublicKey],
    now: int,
    *,
    skew: int = 0,
    min_sequence_number: int | None = None,
) -> TrustList:
    """Header, signature by an operator key, schema, then time: the list or its error."""
    parsed = parse_signed_list(token, typ=None)  # a LoTE has no typ of its own
    candidates = _operator_key(parsed.header, operator_keys)
    try:
        jose.verify(parsed, candidates, typ=None)
    except JoseError:
        raise TrustListSignatureInvalid("the operator key does not verify the LoTE") from None
    token_hash = jose.b64url_encode(hashlib.sha256(token.encode()).digest())
    listed = parse_lote(parsed.payload, token_hash=token_hash)
    return check_currency(listed, now, skew=skew, min_sequence_number=min_sequence_number)


def _operator_key(
    header: Mapping[str, object], operator_keys: Sequence[jose.PublicKey]
) -> list[jose.PublicKey]:
    """The operator key the header names: by the leaf of ``x5c`` (the signing certificate of
    JAdES, ETSI TS 119 182-1), else by ``kid``. A ``kid`` beside ``x5c`` may be the
    publisher's own label; it is refused only when it is another operator key's."""
    kid = header.get("kid")
    if "x5c" in header:
        try:
            leaf = certs.public_key_of(certs.parse_x5c(header["x5c"])[0])
        except certs.X509KeyUnsupported:
            raise TrustListUnknownKey("the x5c leaf key is no kind of operator key") from None
        except certs.X509Error as exc:
            raise TrustListMalformed(f"the LoTE's x5c: {exc.detail}") from None
        if kid is not None and kid != leaf.kid and any(k.kid == kid for k in operator_keys):
            raise TrustListUnknownKey("kid and the x5c leaf name different operator keys")
        found = [k for k in operator_keys if k.kid == leaf.kid]
        if not found:
            raise TrustListUnknownKey("the x5c leaf certificate's key is not an operator key")
        return found
    if kid is None:
        raise TrustListUnknownKey("the LoTE names its key neither by x5c nor by kid")
    found = [k for k in operator_keys if k.kid == kid]
    if not found:
        raise TrustListUnknownKey(f"kid {str(kid)[:64]!r} is not an operator key")
    return found


# --- the document ----------------------------------------------------------------------------


def parse_lote(payload: Mapping[str, object], *, token_hash: str) -> TrustList:
    """The verified payload, read into the trust model (no time checks here)."""
    if set(payload) != {LOTE}:
        raise TrustListMalformed("a LoTE payload has exactly one member, LoTE")
    lote = _object(payload[LOTE], LOTE, _LIST_MEMBERS)
    if "ListAndSchemeInformation" not in lote:
        raise TrustListMalformed("LoTE.ListAndSchemeInformation is required")
    scheme = _object(lote["ListAndSchemeInformation"], "ListAndSchemeInformation", _SCHEME_MEMBERS)
    if _integer(scheme, "LoTEVersionIdentifier") != LOTE_VERSION:
        raise TrustListMalformed(f"only LoTEVersionIdentifier {LOTE_VERSION} is understood")
    sequence = _integer(scheme, "LoTESequenceNumber")
    if sequence < 1:
        raise TrustListMalformed("LoTESequenceNumber starts at 1")
    issued_at = _instant(scheme.get("ListIssueDateTime"), "ListIssueDateTime")
    next_update = _instant(scheme.get("NextUpdate"), "NextUpdate")
    if next_update <= issued_at:
        raise TrustListMalformed("NextUpdate must come after ListIssueDateTime")
    if "SchemeExtensions" in scheme:
        raise TrustListMalformed("SchemeExtensions may narrow the whole list; not understood")
    raw_entities = lote.get("TrustedEntitiesList", [])
    if not isinstance(raw_entities, list) or len(raw_entities) > MAX_ENTITIES:
        raise TrustListMalformed(f"TrustedEntitiesList is an array of at most {MAX_ENTITIES}")
    issuers: dict[str, TrustedIssuer] = {}
    certified: list[TrustedIssuer] = []
    skipped: list[SkippedEntry] = []
    for position, raw in enumerate(raw_entities):
        found, by_certificate, reasons = _entity(raw, f"TrustedEntitiesList[{position}]")
        skipped.extend(reasons)
        certified.extend(by_certificate)
        for issuer in found:
            if issuer.id in issuers:
                raise TrustListMalformed(f"{issuer.id!r} is listed by two entities")
            issuers[issuer.id] = issuer
    return TrustList(
        list_id=_list_id(scheme),
        sequence_number=sequence,
        issued_at=issued_at,
        next_update=next_update,
        operator_name=_text(scheme.get("SchemeOperatorName"), "SchemeOperatorName"),
        issuers=MappingProxyType(issuers),
        verifiers=MappingProxyType({}),
        token_hash=token_hash,
        format=FORMAT_LOTE,
        skipped=tuple(skipped),
        certified_issuers=tuple(certified),
    )


def _entity(
    raw: object, what: str
) -> tuple[list[TrustedIssuer], list[TrustedIssuer], list[SkippedEntry]]:
    """The issuers one trusted entity yields (one per supply point URL), the one it yields by
    certificates alone (its issuance services without a supply point), and what it skips."""
    entity = _object(raw, what, _ENTITY_MEMBERS)
    info = _object(
        entity.get("TrustedEntityInformation"),
        f"{what}.TrustedEntityInformation",
        _ENTITY_INFO_MEMBERS,
    )
    name = _text(info.get("TEName"), f"{what}.TEName")
    services = entity.get("TrustedEntityServices")
    if not isinstance(services, list) or not services:
        raise TrustListMalformed(f"{what}.TrustedEntityServices must be a non-empty array")
    certificates: dict[str, tuple[str, ...]] = {}  # issuer URL → its certificates
    unlocated: tuple[str, ...] = ()  # certificates of issuance services with no URL
    skipped: list[SkippedEntry] = []
    for index, service in enumerate(services):
        where = f"{what}.TrustedEntityServices[{index}]"
        info_of_service = _object(service, where, _SERVICE_MEMBERS).get("ServiceInformation")
        si = _object(info_of_service, f"{where}.ServiceInformation", _SERVICE_INFO_MEMBERS)
        x5c = _certificates(si.get("ServiceDigitalIdentity"), f"{where}.ServiceDigitalIdentity")
        urls = _supply_points(si.get("ServiceSupplyPoints"), f"{where}.ServiceSupplyPoints")
        reason = _why_not_an_issuer(si, x5c, has_extensions="TEInformationExtensions" in info)
        if reason:
            service_name = _text(si.get("ServiceName"), f"{where}.ServiceName", required=False)
            skipped.append(SkippedEntry(name, f"{service_name or where}: {reason}"))
            continue
        if not urls:
            unlocated += tuple(c for c in x5c if c not in unlocated)
        for url in urls:
            known = certificates.get(url, ())
            certificates[url] = known + tuple(c for c in x5c if c not in known)
    issuers = [
        TrustedIssuer(url, name, None, x5c, frozenset()) for url, x5c in certificates.items()
    ]
    # Named by certificates: its id is given by the credential whose chain finds it.
    by_certificate = [TrustedIssuer("", name, None, unlocated, frozenset())] if unlocated else []
    return issuers, by_certificate, skipped


def _why_not_an_issuer(
    si: Mapping[str, object], x5c: tuple[str, ...], *, has_extensions: bool
) -> str | None:
    """Why a (well-formed) service yields no trusted issuer; None when it does."""
    service_type = si.get("ServiceTypeIdentifier")
    status = si.get("ServiceStatus")
    if not isinstance(service_type, str):
        return "it names no ServiceTypeIdentifier"
    if service_type not in ISSUANCE_SERVICE_TYPES:
        return f"{service_type[:120]} is not a credential issuance service"
    if status is not None and status not in TRUSTED_STATUSES:
        return f"its ServiceStatus {str(status)[:120]} grants no trust"
    if has_extensions or "ServiceInformationExtensions" in si:
        return "it carries extensions, which may narrow its trust and are not understood"
    if not x5c:
        return "its ServiceDigitalIdentity has no X509Certificates"
    return None


def _certificates(raw: object, what: str) -> tuple[str, ...]:
    """X509Certificates (pkiOb ``val``: base64 DER), checked to be certificates; other kinds
    of identity (subject names, SKIs, bare keys) are not keys Intyg can use and are ignored."""
    identity = _object(raw, what, _IDENTITY_MEMBERS)
    values = identity.get("X509Certificates", [])
    if not isinstance(values, list) or len(values) > MAX_CERTIFICATES_PER_SERVICE:
        raise TrustListMalformed(f"{what}.X509Certificates: at most {MAX_CERTIFICATES_PER_SERVICE}")
    found: list[str] = []
    for index, value in enumerate(values):
        pki_ob = _object(value, f"{what}.X509Certificates[{index}]", _PKI_OB_MEMBERS)
        encoded = pki_ob.get("val")
        try:
            if not isinstance(encoded, str):
                raise ValueError
            der = base64.b64decode(encoded.encode("ascii"), validate=True)
            certs.certificate_from_der(der)
        except (ValueError, binascii.Error, certs.X509Error):
            raise TrustListMalformed(
                f"{what}.X509Certificates[{index}].val is not a base64 DER certificate"
            ) from None
        found.append(base64.b64encode(der).decode("ascii"))  # as x5c holds it (RFC 7515 §4.1.6)
    return tuple(found)


def _supply_points(raw: object, what: str) -> list[str]:
    """The https (or, in development, loopback http) URLs among the supply points."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        raise TrustListMalformed(f"{what} must be a non-empty array")
    urls: list[str] = []
    for index, value in enumerate(raw):
        point = _object(value, f"{what}[{index}]", _SUPPLY_POINT_MEMBERS)
        uri = point.get("uriValue")
        if not isinstance(uri, str) or not uri:
            raise TrustListMalformed(f"{what}[{index}].uriValue is required")
        try:
            check_issuer_id(uri, f"{what}[{index}]")
        except TrustListMalformed:
            continue  # a mailto:, an http page, … names no credential issuer
        if uri not in urls:
            urls.append(uri)
    return urls


def _list_id(scheme: Mapping[str, object]) -> str:
    points = scheme.get("DistributionPoints")
    if isinstance(points, list) and points and isinstance(points[0], str) and points[0]:
        return points[0]
    lote_type = scheme.get("LoTEType")
    return lote_type if isinstance(lote_type, str) and lote_type else "LoTE"


# --- small readers ---------------------------------------------------------------------------


def _object(raw: object, what: str, members: frozenset[str]) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        raise TrustListMalformed(f"{what} is required and must be an object")
    unknown = set(raw) - members
    if unknown:
        raise TrustListMalformed(f"{what} has unknown members {sorted(unknown)[:5]}")
    return raw


def _integer(obj: Mapping[str, object], name: str) -> int:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TrustListMalformed(f"ListAndSchemeInformation.{name} is required, an integer")
    return value


def _instant(value: object, what: str) -> int:
    """An RFC 3339 date-time with its offset, as a NumericDate."""
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
        raise TrustListMalformed(f"{what} is required, a date-time with a time zone")
    try:
        return int(dt.datetime.fromisoformat(value).timestamp())
    except ValueError:
        raise TrustListMalformed(f"{what} is not a valid date-time") from None


def _text(value: object, what: str, *, required: bool = True) -> str:
    """A multilingual string (``[{"lang", "value"}]``): Swedish, else English, else the first."""
    if value is None and not required:
        return ""
    if not isinstance(value, list) or not value:
        raise TrustListMalformed(f"{what} must be a non-empty array of {{lang, value}}")
    texts: dict[str, str] = {}
    for item in value:
        entry = _object(item, what, frozenset({"lang", "value"}))
        lang, text = entry.get("lang"), entry.get("value")
        if not isinstance(lang, str) or not isinstance(text, str) or not text:
            raise TrustListMalformed(f"{what}: each entry has a lang and a non-empty value")
        texts.setdefault(lang.lower(), text)
    return texts.get("sv") or texts.get("en") or next(iter(texts.values()))
