"""§5.1 the Status List Token in JWT format: the claims to sign, and the checks (with §8.3) of
a token whose signature the caller has verified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from core.standards.status_list.codec import (
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    StatusList,
    StatusListJson,
    check_bits,
    decode_status_list,
)
from core.standards.status_list.errors import (
    StatusListClaimsInvalid,
    StatusListExpired,
    StatusListMalformed,
    StatusListNotYetValid,
    StatusListWrongAlg,
    StatusListWrongSub,
    StatusListWrongTyp,
)

TYP_STATUS_LIST_JWT: Final = "statuslist+jwt"
MEDIA_TYPE_STATUS_LIST_JWT: Final = "application/statuslist+jwt"
#: MAC algorithms (and "none") that §5.1 rule 2 tells a Relying Party to reject.
_REJECTED_ALGS: Final = frozenset({"none", "HS256", "HS384", "HS512"})


def _numeric_date(payload: Mapping[str, object], name: str) -> float | None:
    """An RFC 7519 NumericDate claim, or None when absent; a bool is not a number."""
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StatusListClaimsInvalid(f"{name} must be a JSON number")
    return float(value)


def status_list_token_payload(
    sub: str,
    status_list: StatusListJson,
    iat: int,
    exp: int | None = None,
    ttl: int | None = None,
) -> dict[str, object]:
    """The claims of a §5.1 Status List Token, for the caller to sign with ``typ`` =
    ``statuslist+jwt``. ``status_list`` is what ``StatusList.encode``/``encode_sparse`` made."""
    if not isinstance(sub, str) or not sub:
        raise StatusListClaimsInvalid("sub must be the status list's URI")
    if type(iat) is not int:
        raise StatusListClaimsInvalid("iat must be an integer NumericDate")
    if exp is not None and (type(exp) is not int or exp <= iat):
        raise StatusListClaimsInvalid("exp must be an integer NumericDate after iat")
    if ttl is not None and (type(ttl) is not int or ttl <= 0):
        raise StatusListClaimsInvalid("ttl must be a positive number of seconds")
    check_bits(status_list.get("bits"))
    if not isinstance(status_list.get("lst"), str):
        raise StatusListMalformed("lst must be a string")
    payload: dict[str, object] = {"sub": sub, "iat": iat, "status_list": dict(status_list)}
    if exp is not None:
        payload["exp"] = exp
    if ttl is not None:
        payload["ttl"] = ttl
    return payload


def _check_header(header: Mapping[str, object]) -> None:
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in (
        TYP_STATUS_LIST_JWT,
        MEDIA_TYPE_STATUS_LIST_JWT,
    ):
        raise StatusListWrongTyp(f"typ must be {TYP_STATUS_LIST_JWT}")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg in _REJECTED_ALGS:
        raise StatusListWrongAlg("the status list token must use an asymmetric signature")


def _check_times(payload: Mapping[str, object], now: int, leeway: int) -> None:
    """RFC 7519 §4.1.4–4.1.6 and §5.1: iat REQUIRED; exp, nbf, ttl checked when present."""
    if _numeric_date(payload, "iat") is None:
        raise StatusListClaimsInvalid("iat is required")
    exp = _numeric_date(payload, "exp")
    if exp is not None and now >= exp + leeway:
        raise StatusListExpired("the status list token's exp has passed")
    nbf = _numeric_date(payload, "nbf")
    if nbf is not None and now < nbf - leeway:
        raise StatusListNotYetValid("the status list token's nbf is in the future")
    ttl = _numeric_date(payload, "ttl")  # seconds, not a date, but the same JSON number
    if ttl is not None and ttl <= 0:
        raise StatusListClaimsInvalid("ttl must be a positive number")


def verify_status_list_token_claims(
    header: Mapping[str, object],
    payload: Mapping[str, object],
    *,
    expected_sub: str,
    now: int,
    leeway: int = 0,
    max_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
) -> StatusList:
    """§5.1 and §8.3 checks of a Status List Token whose signature the caller has verified.

    ``expected_sub`` is the ``uri`` of the Referenced Token's ``status_list`` claim; the
    comparison is simple string comparison. Returns the decoded list or raises.
    """
    _check_header(header)
    sub = payload.get("sub")
    if not isinstance(sub, str):
        raise StatusListClaimsInvalid("sub is required and must be a string")
    if sub != expected_sub:
        raise StatusListWrongSub("sub differs from the uri in the credential's status claim")
    _check_times(payload, now, leeway)
    if "status_list" not in payload:
        raise StatusListClaimsInvalid("status_list is required")
    return decode_status_list(payload["status_list"], max_bytes=max_bytes)
