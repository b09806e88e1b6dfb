"""The Digital Credentials Query Language (DCQL) of OpenID for Verifiable Presentations 1.0.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html (1.0 final, tag
``1.0-final`` of github ``openid/OpenID4VP``). Section numbers below are the specification's.

- §6     A DCQL query: ``credentials`` (required, non-empty) and ``credential_sets``
         (optional, non-empty). Unknown properties MUST be ignored, and are, at every level.
- §6.1   Credential Query: ``id`` (``[A-Za-z0-9_-]+``, unique), ``format``, ``multiple``
         (default false), ``meta`` (required object), ``trusted_authorities``,
         ``require_cryptographic_holder_binding`` (default true), ``claims``, ``claim_sets``.
- §6.1.1 Trusted Authorities Query ``{type, values}``: parsed and kept, not evaluated here
         (it is a data-minimisation hint; the verifier checks trust on its own regardless).
- §6.2   Credential Set Query ``{options, required}`` (``required`` defaults to true).
- §6.3   Claims Query ``{id, path, values}``; ``id`` is required when ``claim_sets`` is present.
- §6.4.1 Selecting claims: no ``claims`` = only what is always disclosed; ``claims`` without
         ``claim_sets`` = all of them; with ``claim_sets`` = the first satisfiable set. A claim
         whose value matches none of ``values`` counts as absent.
- §6.4.2 Selecting credentials: every required credential set needs one satisfiable option.
- §7     Claims path pointer; §7.1.1 processing on JSON credentials; §7.2 on mdocs (exactly
         two strings: name space and data element identifier).
- App. B Format-specific ``meta``: B.1 ``type_values`` (W3C VCs, ``jwt_vc_json``), B.2
         ``doctype_value`` (``mso_mdoc``), B.3 ``vct_values`` (``dc+sd-jwt``).

Matching is implemented for ``dc+sd-jwt`` (the format Intyg issues); ``mso_mdoc`` and
``jwt_vc_json`` queries are parsed and validated so that a request asking for them can be read,
but they cannot be matched. Deliberate strictness beyond the text: a verifier MUST NOT point at
the same claim twice (§6.1) and this parser rejects such a query rather than ignoring the
duplicate; an optional member sent as ``null`` is rejected (null is not the type the text
names); ``vct`` is matched exactly (no type-metadata ``extends`` resolution here).

Every failure is a ``DcqlError`` leaf with a stable ``code``. Details name locations in the
query (``credentials[1].claims[0].path``) and claims paths, never claim values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from core import jsontext
from core.errors import IntygError

FORMAT_SD_JWT_VC: Final = "dc+sd-jwt"
FORMAT_MSO_MDOC: Final = "mso_mdoc"
FORMAT_JWT_VC_JSON: Final = "jwt_vc_json"
PARSED_FORMATS: Final = frozenset({FORMAT_SD_JWT_VC, FORMAT_MSO_MDOC, FORMAT_JWT_VC_JSON})
MATCHED_FORMATS: Final = frozenset({FORMAT_SD_JWT_VC})

ClaimsPath = tuple[str | int | None, ...]
"""A claims path pointer (§7): names, indices, and ``None`` for "every element"."""
ClaimPath = tuple[str | int, ...]
"""A concrete path to one claim; the same shape as ``core.standards.sd_jwt.ClaimPath``."""
ClaimValue = str | int | bool

_ID = re.compile(r"[A-Za-z0-9_-]+")
_SHOWABLE_FORMAT = re.compile(r"[A-Za-z0-9_.+-]{1,40}")
_ABSENT: Final = object()


# --- errors ----------------------------------------------------------------------------------


class DcqlError(IntygError):
    code = "dcql_invalid"
    title = "The DCQL query is not valid"


class DcqlMalformed(DcqlError):
    code = "dcql_malformed"
    title = "The DCQL query is not shaped as OpenID4VP 1.0 section 6 requires"


class DcqlTooLarge(DcqlError):
    code = "dcql_too_large"
    title = "The DCQL query is larger than this service accepts"


class DcqlUnsupportedFormat(DcqlError):
    code = "dcql_unsupported_format"
    title = "The DCQL query asks for a credential format this service does not support"


class DcqlMetaInvalid(DcqlError):
    code = "dcql_meta_invalid"
    title = "The meta object of a credential query does not fit its format"


class DcqlClaimPathInvalid(DcqlError):
    code = "dcql_claim_path_invalid"
    title = "A claims path pointer is not valid (OpenID4VP 1.0 section 7)"


class DcqlDuplicateId(DcqlError):
    code = "dcql_duplicate_id"
    title = "Two credential queries, or two claims queries, share an id"


class DcqlDuplicateClaim(DcqlError):
    code = "dcql_duplicate_claim"
    title = "A credential query points at the same claim more than once"


class DcqlDuplicateEntry(DcqlError):
    code = "dcql_duplicate_entry"
    title = "A claim set or credential set option lists an id twice, or an option twice"


class DcqlUnknownReference(DcqlError):
    code = "dcql_unknown_reference"
    title = "A claim set or credential set refers to an id that is not defined"


class DcqlClaimsPathNoMatch(DcqlError):
    code = "dcql_claims_path_no_match"
    title = "A claims path pointer selects nothing in the credential"


class DcqlNotSatisfied(DcqlError):
    code = "dcql_not_satisfied"
    title = "The presented credential does not satisfy the credential query"

    def __init__(self, detail: str | None = None, *, path: ClaimsPath | None = None) -> None:
        super().__init__(detail)
        self.path = path


# --- the parsed query ------------------------------------------------------------------------


@dataclass(frozen=True)
class DcqlLimits:
    """Bounds on what the parser accepts; a query is small, so these are generous."""

    max_credential_queries: int = 50
    max_claims: int = 100
    max_path_length: int = 16
    max_claim_sets: int = 50
    max_credential_sets: int = 50
    max_options: int = 50
    max_values: int = 50
    max_trusted_authorities: int = 20
    max_id_length: int = 128
    max_string_length: int = 2048
    max_json_bytes: int = 256 * 1024


DEFAULT_LIMITS: Final = DcqlLimits()


@dataclass(frozen=True)
class SdJwtVcMeta:
    """App. B.3: the credential's ``vct`` must be one of ``vct_values``."""

    vct_values: tuple[str, ...]


@dataclass(frozen=True)
class MdocMeta:
    """App. B.2 (parse only)."""

    doctype_value: str


@dataclass(frozen=True)
class W3cMeta:
    """App. B.1 (parse only): alternatives, each a set of types the credential must carry."""

    type_values: tuple[tuple[str, ...], ...]


Meta = SdJwtVcMeta | MdocMeta | W3cMeta


@dataclass(frozen=True)
class ClaimsQuery:
    """§6.3. ``intent_to_retain`` exists for ``mso_mdoc`` only (App. B.2)."""

    path: ClaimsPath
    id: str | None = None
    values: tuple[ClaimValue, ...] | None = None
    intent_to_retain: bool | None = None


@dataclass(frozen=True)
class TrustedAuthority:
    """§6.1.1, e.g. ``aki``, ``etsi_tl``, ``openid_federation``."""

    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class CredentialQuery:
    """§6.1."""

    id: str
    format: str
    meta: Meta
    multiple: bool = False
    claims: tuple[ClaimsQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    trusted_authorities: tuple[TrustedAuthority, ...] | None = None
    require_cryptographic_holder_binding: bool = True


@dataclass(frozen=True)
class CredentialSetQuery:
    """§6.2: ``options`` are alternatives, each a list of credential query ids."""

    options: tuple[tuple[str, ...], ...]
    required: bool = True


@dataclass(frozen=True)
class DcqlQuery:
    """§6. Build one with ``parse_query``, the one validating entry point."""

    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None

    def credential(self, query_id: str) -> CredentialQuery:
        for query in self.credentials:
            if query.id == query_id:
                return query
        raise DcqlUnknownReference(f"no credential query has the id {query_id!r}")


# --- parsing (§6, §6.1–§6.3, §7, App. B) -----------------------------------------------------


def parse_query_json(text: str | bytes, *, limits: DcqlLimits = DEFAULT_LIMITS) -> DcqlQuery:
    """Parse the JSON text of a ``dcql_query`` parameter (duplicate members are rejected)."""
    if len(text) > limits.max_json_bytes:
        raise DcqlTooLarge(f"the DCQL query is larger than {limits.max_json_bytes}")
    try:
        data = jsontext.loads(
            text, decoder=jsontext.UNIQUE_MEMBERS, max_bytes=limits.max_json_bytes
        )
    except jsontext.JsonRejected as exc:
        raise DcqlMalformed(f"the DCQL query is not JSON: {exc}") from exc
    return parse_query(data, limits=limits)


def parse_query(data: object, *, limits: DcqlLimits = DEFAULT_LIMITS) -> DcqlQuery:
    """Validate a decoded DCQL query (§6) and return it as frozen dataclasses."""
    obj = _object(data, "the DCQL query")
    items = _list(_get(obj, "credentials"), "credentials", limits.max_credential_queries)
    queries = tuple(
        _credential_query(item, f"credentials[{i}]", limits) for i, item in enumerate(items)
    )
    _unique((q.id for q in queries), DcqlDuplicateId, "credential query id")
    raw_sets = _get(obj, "credential_sets")
    if raw_sets is _ABSENT:
        return DcqlQuery(queries)
    known = frozenset(q.id for q in queries)
    sets = _list(raw_sets, "credential_sets", limits.max_credential_sets)
    return DcqlQuery(
        queries,
        tuple(
            _credential_set(s, f"credential_sets[{i}]", known, limits) for i, s in enumerate(sets)
        ),
    )


def _credential_query(data: object, where: str, limits: DcqlLimits) -> CredentialQuery:
    obj = _object(data, where)
    query_id = _id(_get(obj, "id"), f"{where}.id", limits)
    fmt = _string(_get(obj, "format"), f"{where}.format", limits)
    if fmt not in PARSED_FORMATS:
        shown = fmt if _SHOWABLE_FORMAT.fullmatch(fmt) else "(not shown)"
        raise DcqlUnsupportedFormat(f"{where}: the format {shown!r} is not supported")
    meta = _meta(fmt, _get(obj, "meta"), f"{where}.meta", limits)
    claims = _claims(fmt, _get(obj, "claims"), f"{where}.claims", limits)
    claim_sets = _claim_sets(claims, _get(obj, "claim_sets"), f"{where}.claim_sets", limits)
    raw_ta = _get(obj, "trusted_authorities")
    trusted = None
    if raw_ta is not _ABSENT:
        ta_where = f"{where}.trusted_authorities"
        trusted = tuple(
            _trusted_authority(t, f"{ta_where}[{i}]", limits)
            for i, t in enumerate(_list(raw_ta, ta_where, limits.max_trusted_authorities))
        )
    return CredentialQuery(
        id=query_id,
        format=fmt,
        meta=meta,
        multiple=_bool(_get(obj, "multiple"), f"{where}.multiple", default=False),
        claims=claims,
        claim_sets=claim_sets,
        trusted_authorities=trusted,
        require_cryptographic_holder_binding=_bool(
            _get(obj, "require_cryptographic_holder_binding"),
            f"{where}.require_cryptographic_holder_binding",
            default=True,
        ),
    )


def _meta(fmt: str, data: object, where: str, limits: DcqlLimits) -> Meta:
    """§6.1: ``meta`` is REQUIRED; App. B says which member each format requires."""
    if data is _ABSENT:
        raise DcqlMetaInvalid(f"{where} is required")
    if not isinstance(data, Mapping):
        raise DcqlMetaInvalid(f"{where} is not an object")
    try:
        if fmt == FORMAT_SD_JWT_VC:
            values = _list(_get(data, "vct_values"), f"{where}.vct_values", limits.max_values)
            return SdJwtVcMeta(_strings(values, f"{where}.vct_values", limits))
        if fmt == FORMAT_MSO_MDOC:
            return MdocMeta(_string(_get(data, "doctype_value"), f"{where}.doctype_value", limits))
        raw = _list(_get(data, "type_values"), f"{where}.type_values", limits.max_values)
        return W3cMeta(
            tuple(
                _strings(
                    _list(v, f"{where}.type_values[{i}]", limits.max_values),
                    f"{where}.type_values[{i}]",
                    limits,
                )
                for i, v in enumerate(raw)
            )
        )
    except DcqlMalformed as exc:
        raise DcqlMetaInvalid(exc.detail) from exc


def _claims(
    fmt: str, data: object, where: str, limits: DcqlLimits
) -> tuple[ClaimsQuery, ...] | None:
    if data is _ABSENT:
        return None
    items = _list(data, where, limits.max_claims)
    claims = tuple(_claims_query(fmt, c, f"{where}[{i}]", limits) for i, c in enumerate(items))
    _unique((c.id for c in claims if c.id is not None), DcqlDuplicateId, "claims query id")
    _unique((c.path for c in claims), DcqlDuplicateClaim, "claims path")
    return claims


def _claims_query(fmt: str, data: object, where: str, limits: DcqlLimits) -> ClaimsQuery:
    obj = _object(data, where)
    raw_id = _get(obj, "id")
    claim_id = None if raw_id is _ABSENT else _id(raw_id, f"{where}.id", limits)
    path = parse_claims_path(_get(obj, "path"), limits=limits)
    if fmt == FORMAT_MSO_MDOC and (len(path) != 2 or not all(isinstance(s, str) for s in path)):
        raise DcqlClaimPathInvalid(f"{where}.path: an mdoc path is two strings (section 7.2)")
    values = None
    raw_values = _get(obj, "values")
    if raw_values is not _ABSENT:
        values = tuple(
            _claim_value(v, f"{where}.values[{i}]", limits)
            for i, v in enumerate(_list(raw_values, f"{where}.values", limits.max_values))
        )
    retain = _get(obj, "intent_to_retain")
    intent_to_retain = None
    if fmt == FORMAT_MSO_MDOC and retain is not _ABSENT:
        intent_to_retain = _bool(retain, f"{where}.intent_to_retain", default=False)
    return ClaimsQuery(path, claim_id, values, intent_to_retain)


def parse_claims_path(data: object, *, limits: DcqlLimits = DEFAULT_LIMITS) -> ClaimsPath:
    """§7: a non-empty array of strings, nulls and non-negative integers."""
    if not isinstance(data, list | tuple) or not data:
        raise DcqlClaimPathInvalid("a claims path pointer is a non-empty array")
    if len(data) > limits.max_path_length:
        raise DcqlTooLarge(f"a claims path pointer is longer than {limits.max_path_length}")
    for step in data:
        if isinstance(step, str):
            if len(step) > limits.max_string_length:
                raise DcqlTooLarge("a claims path pointer component is too long")
        elif not (step is None or (type(step) is int and step >= 0)):
            raise DcqlClaimPathInvalid(
                "a claims path pointer component is a string, null or a non-negative integer"
            )
    return tuple(data)


def _claim_sets(
    claims: tuple[ClaimsQuery, ...] | None, data: object, where: str, limits: DcqlLimits
) -> tuple[tuple[str, ...], ...] | None:
    """§6.1/§6.3/§6.4.1: non-empty arrays of claim ids; only with ``claims``, all with ids."""
    if data is _ABSENT:
        return None
    if claims is None:
        raise DcqlMalformed(f"{where} MUST NOT be present without claims")
    if any(c.id is None for c in claims):
        raise DcqlMalformed(f"{where}: with claim_sets every claims query needs an id")
    known = frozenset(c.id for c in claims if c.id is not None)
    sets = _list(data, where, limits.max_claim_sets)
    parsed = tuple(
        _id_list(s, f"{where}[{i}]", known, limits.max_claims, limits) for i, s in enumerate(sets)
    )
    _unique((frozenset(s) for s in parsed), DcqlDuplicateEntry, "claim set")
    return parsed


def _credential_set(
    data: object, where: str, known: frozenset[str], limits: DcqlLimits
) -> CredentialSetQuery:
    obj = _object(data, where)
    raw = _list(_get(obj, "options"), f"{where}.options", limits.max_options)
    limit = limits.max_credential_queries
    options = tuple(
        _id_list(o, f"{where}.options[{i}]", known, limit, limits) for i, o in enumerate(raw)
    )
    _unique((frozenset(o) for o in options), DcqlDuplicateEntry, "credential set option")
    return CredentialSetQuery(
        options, _bool(_get(obj, "required"), f"{where}.required", default=True)
    )


def _id_list(
    data: object, where: str, known: frozenset[str], max_items: int, limits: DcqlLimits
) -> tuple[str, ...]:
    ids = tuple(
        _id(v, f"{where}[{i}]", limits) for i, v in enumerate(_list(data, where, max_items))
    )
    _unique(ids, DcqlDuplicateEntry, f"id in {where}")
    for value in ids:
        if value not in known:
            raise DcqlUnknownReference(f"{where} refers to the undefined id {value!r}")
    return ids


def _trusted_authority(data: object, where: str, limits: DcqlLimits) -> TrustedAuthority:
    obj = _object(data, where)
    kind = _string(_get(obj, "type"), f"{where}.type", limits)
    values = _list(_get(obj, "values"), f"{where}.values", limits.max_values)
    return TrustedAuthority(kind, _strings(values, f"{where}.values", limits))


# --- parsing primitives ----------------------------------------------------------------------


def _get(obj: Mapping[object, object], name: str) -> object:
    return obj.get(name, _ABSENT)


def _object(data: object, where: str) -> Mapping[object, object]:
    if not isinstance(data, Mapping):
        raise DcqlMalformed(f"{where} is not an object")
    return data


def _list(data: object, where: str, max_items: int) -> Sequence[object]:
    if data is _ABSENT:
        raise DcqlMalformed(f"{where} is required")
    if not isinstance(data, list | tuple):
        raise DcqlMalformed(f"{where} is not an array")
    if not data:
        raise DcqlMalformed(f"{where} is an empty array")
    if len(data) > max_items:
        raise DcqlTooLarge(f"{where} has more than {max_items} entries")
    return data


def _string(data: object, where: str, limits: DcqlLimits) -> str:
    if data is _ABSENT:
        raise DcqlMalformed(f"{where} is required")
    if not isinstance(data, str) or not data:
        raise DcqlMalformed(f"{where} is not a non-empty string")
    if len(data) > limits.max_string_length:
        raise DcqlTooLarge(f"{where} is longer than {limits.max_string_length} characters")
    return data


def _strings(items: Sequence[object], where: str, limits: DcqlLimits) -> tuple[str, ...]:
    return tuple(_string(v, f"{where}[{i}]", limits) for i, v in enumerate(items))


def _id(data: object, where: str, limits: DcqlLimits) -> str:
    """§6.1/§6.3: a non-empty string of alphanumerics, ``_`` and ``-``."""
    if data is _ABSENT:
        raise DcqlMalformed(f"{where} is required")
    if not isinstance(data, str) or not _ID.fullmatch(data):
        raise DcqlMalformed(f"{where} is not a string of A-Z, a-z, 0-9, _ and -")
    if len(data) > limits.max_id_length:
        raise DcqlTooLarge(f"{where} is longer than {limits.max_id_length} characters")
    return data


def _bool(data: object, where: str, default: bool) -> bool:
    if data is _ABSENT:
        return default
    if not isinstance(data, bool):
        raise DcqlMalformed(f"{where} is not a boolean")
    return data


def _claim_value(data: object, where: str, limits: DcqlLimits) -> ClaimValue:
    """§6.3: ``values`` holds strings, integers or booleans."""
    if isinstance(data, str) and len(data) > limits.max_string_length:
        raise DcqlTooLarge(f"{where} is longer than {limits.max_string_length} characters")
    if not isinstance(data, str | int):  # bool is an int
        raise DcqlMalformed(f"{where} is not a string, integer or boolean")
    return data


def _unique(items: Iterable[Hashable], error: type[DcqlError], what: str) -> None:
    seen: set[Hashable] = set()
    for item in items:
        if item in seen:
            shown = f" {item!r}" if isinstance(item, str) else ""
            raise error(f"the {what}{shown} appears more than once")
        seen.add(item)


# --- claims path pointer (§7.1.1) --------------------------------------------------------------


def select(path: ClaimsPath, document: object) -> list[tuple[ClaimPath, object]]:
    """§7.1.1: the claims ``path`` selects in a JSON credential, each with its concrete path.

    ``["skills", None, "id"]`` yields ``(("skills", 0, "id"), ...)``, ``(("skills", 1, "id"),
    ...)``, and so on. Where the specification says "abort processing and return an error" (a
    step meets a value of the wrong kind, or nothing is left selected) this raises
    ``DcqlClaimsPathNoMatch``; a component that is not a string, null or a non-negative integer
    raises ``DcqlClaimPathInvalid``.
    """
    selection: list[tuple[ClaimPath, object]] = [((), document)]
    for step in path:
        selection = _step(selection, step)
        if not selection:
            raise DcqlClaimsPathNoMatch(f"the claims path {_show(path)} selects nothing")
    return selection


def _step(
    selection: list[tuple[ClaimPath, object]], step: object
) -> list[tuple[ClaimPath, object]]:
    out: list[tuple[ClaimPath, object]] = []
    if isinstance(step, str):  # §7.1.1 2.1: a key of every selected object
        for where, value in selection:
            if not isinstance(value, Mapping):
                raise DcqlClaimsPathNoMatch(f"the claim at {list(where)} is not an object")
            if step in value:
                out.append(((*where, step), value[step]))
        return out
    if not (step is None or (type(step) is int and step >= 0)):  # §7.1.1 2.4
        raise DcqlClaimPathInvalid("a claims path component is not a string, null or index")
    for where, value in selection:  # §7.1.1 2.2 (null) and 2.3 (index): arrays only
        if not isinstance(value, list | tuple):
            raise DcqlClaimsPathNoMatch(f"the claim at {list(where)} is not an array")
        if step is None:
            out.extend(((*where, i), element) for i, element in enumerate(value))
        elif step < len(value):
            out.append(((*where, step), value[step]))
    return out


def _show(path: ClaimsPath) -> str:
    return json.dumps(list(path), ensure_ascii=False)


# --- matching (§6.4.1, App. B.3) ---------------------------------------------------------------


@dataclass(frozen=True)
class ClaimMatch:
    """One claims query as satisfied by a credential: the concrete paths it selects.

    With ``values``, only the selected claims whose value matches are kept (§6.4.1: a claim
    that does not match is treated as absent).
    """

    claim_id: str | None
    query_path: ClaimsPath
    paths: tuple[ClaimPath, ...]


@dataclass(frozen=True)
class ClaimSelection:
    """The claims one option of §6.4.1 requires; ``claim_set`` is None without claim_sets."""

    claim_set: tuple[str, ...] | None
    claims: tuple[ClaimMatch, ...]

    @property
    def paths(self) -> tuple[ClaimPath, ...]:
        """Every concrete path to disclose, in order, without repeats."""
        return tuple(dict.fromkeys(p for claim in self.claims for p in claim.paths))


@dataclass(frozen=True)
class CredentialMatch:
    """A credential that satisfies a credential query.

    ``selection`` is what to disclose: the first satisfiable claim set, the verifier's
    preference (§6.4.1), or all claims, or none (an empty selection when the query names no
    claims: only what is always disclosed goes). ``alternatives`` are the other satisfiable
    claim sets, in the verifier's order.
    """

    query_id: str
    selection: ClaimSelection
    alternatives: tuple[ClaimSelection, ...] = ()

    @property
    def paths(self) -> tuple[ClaimPath, ...]:
        return self.selection.paths


def match_credential(
    query: CredentialQuery, format: str, claims: Mapping[str, object]
) -> CredentialMatch | None:
    """Whether a credential of ``format`` with processed ``claims`` satisfies ``query``.

    ``claims`` is the fully disclosed view of the credential (for SD-JWT VC: every Disclosure
    applied, with ``vct`` and ``cnf``). A credential of another format is no match; a query of
    a format that is parsed but not matched here raises ``DcqlUnsupportedFormat``.
    """
    if format != query.format:
        return None
    if not _type_matches(query, claims):
        return None
    if query.require_cryptographic_holder_binding and "cnf" not in claims:
        return None  # App. B.3: without ``cnf`` there is no holder binding to prove
    options = _satisfiable_selections(query, claims)
    if not options:
        return None
    return CredentialMatch(query.id, options[0], options[1:])


def _type_matches(query: CredentialQuery, claims: Mapping[str, object]) -> bool:
    """App. B.3: the credential's ``vct`` is one of ``vct_values`` (exactly)."""
    if query.format not in MATCHED_FORMATS:
        raise DcqlUnsupportedFormat(f"credentials of format {query.format!r} are not matched")
    if not isinstance(query.meta, SdJwtVcMeta):
        raise DcqlMetaInvalid(f"the credential query {query.id!r} has no vct_values")
    vct = claims.get("vct")
    return isinstance(vct, str) and vct in query.meta.vct_values


def _satisfiable_selections(
    query: CredentialQuery, claims: Mapping[str, object]
) -> tuple[ClaimSelection, ...]:
    """§6.4.1: each option that the credential can satisfy, in the verifier's order."""
    if query.claims is None:
        return (ClaimSelection(None, ()),)
    if query.claim_sets is None:
        found = [_claim_match(claim, claims) for claim in query.claims]
        if any(match is None for match in found):
            return ()
        return (ClaimSelection(None, tuple(m for m in found if m is not None)),)
    by_id: dict[str | None, ClaimsQuery] = {claim.id: claim for claim in query.claims}
    cache: dict[str, ClaimMatch | None] = {}
    options: list[ClaimSelection] = []
    for claim_set in query.claim_sets:
        for claim_id in claim_set:
            if claim_id not in cache:
                cache[claim_id] = _claim_match(by_id[claim_id], claims)
        found = [cache[claim_id] for claim_id in claim_set]
        if all(match is not None for match in found):
            options.append(ClaimSelection(claim_set, tuple(m for m in found if m is not None)))
    return tuple(options)


def _claim_match(claim: ClaimsQuery, claims: Mapping[str, object]) -> ClaimMatch | None:
    try:
        selected = select(claim.path, claims)
    except DcqlClaimsPathNoMatch:
        return None
    paths = tuple(
        where
        for where, value in selected
        if claim.values is None or _value_matches(value, claim.values)
    )
    return ClaimMatch(claim.id, claim.path, paths) if paths else None


def _value_matches(value: object, allowed: tuple[ClaimValue, ...]) -> bool:
    """§6.3: type and value both match exactly, so ``true`` is not ``1`` nor ``"1"``."""
    return any(type(value) is type(candidate) and value == candidate for candidate in allowed)


def check_satisfied(query: CredentialQuery, claims: Mapping[str, object]) -> None:
    """Raise ``DcqlNotSatisfied`` unless the presented ``claims`` satisfy ``query``.

    For the verifier, after the presentation is verified: ``claims`` is the processed
    presentation (its disclosed claims and the always-visible ones). Value restrictions are
    checked too, since a verifier MUST NOT rely on the wallet honouring them (§6.4.1). The
    error names the first missing claims path (of the preferred claim set, with claim_sets).
    """
    if not _type_matches(query, claims):
        raise DcqlNotSatisfied(f"the credential's vct is not one that {query.id!r} accepts")
    if query.require_cryptographic_holder_binding and "cnf" not in claims:
        raise DcqlNotSatisfied(f"{query.id!r} requires holder binding; the credential has no cnf")
    if query.claims is None:
        return
    if query.claim_sets is None:
        _raise_missing(query, query.claims, claims)
        return
    by_id = {claim.id: claim for claim in query.claims}
    first_missing: DcqlNotSatisfied | None = None
    for claim_set in query.claim_sets:
        try:
            _raise_missing(query, [by_id[claim_id] for claim_id in claim_set], claims)
        except DcqlNotSatisfied as missing:
            first_missing = first_missing or missing
            continue
        return
    assert first_missing is not None  # claim_sets is never empty
    raise first_missing


def _raise_missing(
    query: CredentialQuery, wanted: Sequence[ClaimsQuery], claims: Mapping[str, object]
) -> None:
    for claim in wanted:
        if _claim_match(claim, claims) is None:
            raise DcqlNotSatisfied(
                f"{query.id!r}: no claim at {_show(claim.path)}"
                + (" with one of the requested values" if claim.values is not None else ""),
                path=claim.path,
            )


# --- evaluating a whole query (§6.4.2) ---------------------------------------------------------


@dataclass(frozen=True)
class CandidateCredential:
    """A credential to match: the caller's reference, its format and its processed claims."""

    ref: str
    format: str
    claims: Mapping[str, object]


@dataclass(frozen=True)
class CandidateMatch:
    candidate: CandidateCredential
    match: CredentialMatch


@dataclass(frozen=True)
class CredentialSetOutcome:
    """One credential set query (§6.2) and its options that the candidates can satisfy."""

    query: CredentialSetQuery
    satisfiable_options: tuple[tuple[str, ...], ...]

    @property
    def required(self) -> bool:
        return self.query.required

    @property
    def satisfied(self) -> bool:
        return bool(self.satisfiable_options)

    @property
    def chosen(self) -> tuple[str, ...] | None:
        """The first satisfiable option: the verifier's preference."""
        return self.satisfiable_options[0] if self.satisfiable_options else None


@dataclass(frozen=True)
class Evaluation:
    """A DCQL query evaluated against candidate credentials (§6.4.2).

    ``matches``: per credential query id, the candidates that satisfy it (possibly none).
    ``required_ids``: the credential queries in a required credential set (all of them without
    credential_sets); ``optional_ids``: those only in optional sets. ``satisfiable``: every
    required credential set has an option whose every query has a candidate (without
    credential_sets: every query has one); if not, the wallet MUST return nothing.
    ``selected_ids``: the queries to answer, taking each set's first satisfiable option
    (required sets, then satisfiable optional ones); empty when not satisfiable.
    """

    matches: Mapping[str, tuple[CandidateMatch, ...]]
    credential_sets: tuple[CredentialSetOutcome, ...]
    required_ids: frozenset[str]
    optional_ids: frozenset[str]
    satisfiable: bool
    selected_ids: tuple[str, ...]


def evaluate(query: DcqlQuery, credentials: Sequence[CandidateCredential]) -> Evaluation:
    """Match every credential query against every candidate and apply ``credential_sets``."""
    matches: dict[str, tuple[CandidateMatch, ...]] = {}
    for credential_query in query.credentials:
        found = ((c, match_credential(credential_query, c.format, c.claims)) for c in credentials)
        matches[credential_query.id] = tuple(CandidateMatch(c, m) for c, m in found if m)
    frozen = MappingProxyType(matches)
    if query.credential_sets is None:
        ids = tuple(q.id for q in query.credentials)
        ok = all(matches[i] for i in ids)
        return Evaluation(frozen, (), frozenset(ids), frozenset(), ok, ids if ok else ())
    outcomes = tuple(
        CredentialSetOutcome(s, tuple(o for o in s.options if all(matches[i] for i in o)))
        for s in query.credential_sets
    )
    required = frozenset(i for o in outcomes if o.required for opt in o.query.options for i in opt)
    optional = frozenset(i for o in outcomes for opt in o.query.options for i in opt) - required
    ok = all(o.satisfied for o in outcomes if o.required)
    ordered = [o for o in outcomes if o.required] + [o for o in outcomes if not o.required]
    selected = tuple(dict.fromkeys(i for o in ordered if o.chosen for i in o.chosen))
    return Evaluation(frozen, outcomes, required, optional, ok, selected if ok else ())


# --- the wire form -----------------------------------------------------------------------------


def to_json(query: DcqlQuery, *, limits: DcqlLimits = DEFAULT_LIMITS) -> dict[str, object]:
    """The ``dcql_query`` JSON object, defaults left out, checked as a received one would be."""
    wire: dict[str, object] = {"credentials": [_credential_json(q) for q in query.credentials]}
    if query.credential_sets is not None:
        wire["credential_sets"] = [_set_json(s) for s in query.credential_sets]
    parse_query(wire, limits=limits)  # a hand-built DcqlQuery meets the rules a parsed one does
    return wire


def _credential_json(query: CredentialQuery) -> dict[str, object]:
    out: dict[str, object] = {"id": query.id, "format": query.format, "meta": _meta_json(query)}
    if query.multiple:
        out["multiple"] = True
    if query.trusted_authorities is not None:
        out["trusted_authorities"] = [
            {"type": t.type, "values": list(t.values)} for t in query.trusted_authorities
        ]
    if not query.require_cryptographic_holder_binding:
        out["require_cryptographic_holder_binding"] = False
    if query.claims is not None:
        out["claims"] = [_claim_json(claim) for claim in query.claims]
    if query.claim_sets is not None:
        out["claim_sets"] = [list(claim_set) for claim_set in query.claim_sets]
    return out


def _meta_json(query: CredentialQuery) -> dict[str, object]:
    meta = query.meta
    if isinstance(meta, SdJwtVcMeta):
        return {"vct_values": list(meta.vct_values)}
    if isinstance(meta, MdocMeta):
        return {"doctype_value": meta.doctype_value}
    return {"type_values": [list(types) for types in meta.type_values]}


def _claim_json(claim: ClaimsQuery) -> dict[str, object]:
    out: dict[str, object] = {}
    if claim.id is not None:
        out["id"] = claim.id
    out["path"] = list(claim.path)
    if claim.values is not None:
        out["values"] = list(claim.values)
    if claim.intent_to_retain is not None:
        out["intent_to_retain"] = claim.intent_to_retain
    return out


def _set_json(credential_set: CredentialSetQuery) -> dict[str, object]:
    out: dict[str, object] = {"options": [list(option) for option in credential_set.options]}
    if not credential_set.required:
        out["required"] = False
    return out
