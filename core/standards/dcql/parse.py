"""Parsing and validating a DCQL query (OpenID4VP 1.0 §6, §6.1–§6.3, §7, App. B): the JSON
text strictly (``core.jsontext``, duplicate members refused), then every member."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Final

from core import jsontext
from core.standards.dcql.errors import (
    DcqlClaimPathInvalid,
    DcqlDuplicateClaim,
    DcqlDuplicateEntry,
    DcqlDuplicateId,
    DcqlError,
    DcqlMalformed,
    DcqlMetaInvalid,
    DcqlTooLarge,
    DcqlUnknownReference,
    DcqlUnsupportedFormat,
)
from core.standards.dcql.query import (
    DEFAULT_LIMITS,
    FORMAT_MSO_MDOC,
    FORMAT_SD_JWT_VC,
    PARSED_FORMATS,
    ClaimsPath,
    ClaimsQuery,
    ClaimValue,
    CredentialQuery,
    CredentialSetQuery,
    DcqlLimits,
    DcqlQuery,
    MdocMeta,
    Meta,
    SdJwtVcMeta,
    TrustedAuthority,
    W3cMeta,
)

_ID = re.compile(r"[A-Za-z0-9_-]+")
_SHOWABLE_FORMAT = re.compile(r"[A-Za-z0-9_.+-]{1,40}")
_ABSENT: Final = object()


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
