"""The response (§8.1 ``vp_token``, §8.2 ``direct_post``, §8.3.1 ``direct_post.jwt``, §8.5
errors)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core import jose
from core.errors import JoseError
from core.jose import jwe
from core.standards.oid4vp.encryption import ResponseEncryption, encrypted_form
from core.standards.oid4vp.errors import RequestObjectInvalid, ResponseInvalid, ResponseNotDecrypted
from core.standards.oid4vp.request import check_dcql_shape
from core.standards.oid4vp.vocabulary import (
    ERROR_CODE,
    MAX_ERROR_DESCRIPTION_CHARS,
    MAX_NONCE_CHARS,
    MAX_VP_TOKEN_BYTES,
    QUERY_ID,
    RESPONSE_ERROR_CODES,
    URL_SAFE,
)

Presentation = str | dict[str, object]


def check_vp_token(value: object) -> dict[str, list[Presentation]]:
    """§8.1: an object keyed by Credential Query id, each value a non-empty array."""
    if not isinstance(value, dict) or not value:
        raise ResponseInvalid("vp_token must be a non-empty JSON object (§8.1)")
    checked: dict[str, list[Presentation]] = {}
    for query_id, presentations in value.items():
        if not QUERY_ID.fullmatch(query_id):
            raise ResponseInvalid(f"vp_token key {query_id[:64]!r} is not a Credential Query id")
        if not isinstance(presentations, list) or not presentations:
            raise ResponseInvalid(f"vp_token[{query_id!r}] must be a non-empty array (§8.1)")
        for item in presentations:
            if not ((isinstance(item, str) and item) or isinstance(item, dict)):
                raise ResponseInvalid(f"vp_token[{query_id!r}] holds a non-presentation")
        checked[query_id] = list(presentations)
    return checked


def check_vp_token_against_query(
    vp_token: Mapping[str, Sequence[Presentation]], dcql_query: Mapping[str, object]
) -> None:
    """§8.1: only ids of the query; one Presentation unless the query says ``multiple``."""
    try:
        ids = check_dcql_shape(dict(dcql_query))
    except RequestObjectInvalid as exc:
        raise ResponseInvalid(f"the request's dcql_query is not valid: {exc.detail}") from None
    credentials = dcql_query["credentials"]
    assert isinstance(credentials, list)
    multiple = {q["id"]: q.get("multiple") is True for q in credentials}
    for query_id, presentations in vp_token.items():
        if query_id not in ids:
            raise ResponseInvalid(f"vp_token answers {query_id!r}, which was not asked for")
        if len(presentations) > 1 and not multiple[query_id]:
            raise ResponseInvalid(f"{query_id!r} is not 'multiple': one Presentation only (§8.1)")


def vp_token_json(vp_token: Mapping[str, Sequence[Presentation]]) -> str:
    """The ``vp_token`` as the ``direct_post`` form carries it (and a consent record hashes)."""
    return json.dumps(_checked(vp_token), separators=(",", ":"), ensure_ascii=False)


def _checked(vp_token: Mapping[str, Sequence[Presentation]]) -> dict[str, list[Presentation]]:
    return check_vp_token({k: list(v) for k, v in vp_token.items()})


def direct_post_form(
    vp_token: Mapping[str, Sequence[Presentation]],
    state: str | None,
    encryption: ResponseEncryption | None = None,
) -> dict[str, str]:
    """Wallet side: the ``application/x-www-form-urlencoded`` body of §8.2, or with
    ``encryption`` the ``response=<JWE>`` of §8.3.1 (the same parameters, encrypted)."""
    if encryption is not None:
        payload: dict[str, object] = {"vp_token": _checked(vp_token)}
        if state is not None:
            payload["state"] = state
        return encrypted_form(payload, encryption)
    form = {"vp_token": vp_token_json(vp_token)}
    if state is not None:
        form["state"] = state
    return form


def direct_post_error_form(
    error: str,
    error_description: str | None,
    state: str | None,
    encryption: ResponseEncryption | None = None,
) -> dict[str, str]:
    """Wallet side: an Authorization Error Response (§8.5), encrypted when the request asked
    for ``direct_post.jwt``."""
    if error not in RESPONSE_ERROR_CODES:
        raise ValueError(f"{error!r} is not an OpenID4VP / OAuth 2.0 error code")
    form = {"error": error}
    if error_description is not None:
        if not ERROR_CODE.fullmatch(error_description):
            raise ValueError("error_description uses printable ASCII without '\"' and '\\'")
        form["error_description"] = error_description[:MAX_ERROR_DESCRIPTION_CHARS]
    if state is not None:
        form["state"] = state
    return form if encryption is None else encrypted_form(form, encryption)


@dataclass(frozen=True)
class DirectPostResponse:
    """Verifier side: exactly one of ``vp_token`` and ``error`` is set."""

    vp_token: dict[str, list[Presentation]] | None
    error: str | None
    error_description: str | None
    state: str | None


def parse_direct_post(
    form: Mapping[str, str], *, decryption_key: Mapping[str, object] | None = None
) -> DirectPostResponse:
    """Verifier side: validate a ``direct_post`` body (the caller rejects repeated fields).

    With ``decryption_key`` (the request asked for ``direct_post.jwt``) the body is
    ``response=<JWE>`` for that key, or — §8.3.1: "if a Wallet is unable to generate an
    encrypted response, it MAY send an error response without encryption" — a plain error.
    """
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in form.items()):
        raise ResponseInvalid("form fields must be strings")
    if decryption_key is None:
        if "response" in form:
            raise ResponseInvalid("direct_post.jwt (encrypted) responses were not asked for")
        return _response_of(form)
    if "response" not in form:
        if "vp_token" in form:
            raise ResponseInvalid("this request asked for an encrypted response (direct_post.jwt)")
        return _response_of(form)
    if set(form) != {"response"}:
        raise ResponseInvalid("an encrypted response carries its parameters inside the JWE")
    try:
        payload = jwe.decrypt(form["response"], decryption_key, max_bytes=2 * MAX_VP_TOKEN_BYTES)
    except jwe.JweError as exc:
        raise ResponseNotDecrypted(f"{exc.detail} ({exc.code})") from None
    return _response_of(payload)


def _response_of(fields: Mapping[str, object]) -> DirectPostResponse:
    """The response parameters, from the form (``vp_token`` JSON-encoded) or from a decrypted
    JWE payload (``vp_token`` an object, §8.3)."""
    state = fields.get("state")
    if state is not None and (
        not isinstance(state, str) or len(state) > MAX_NONCE_CHARS or not URL_SAFE.fullmatch(state)
    ):
        raise ResponseInvalid("state uses ASCII URL-safe characters only (§5.2)")
    if ("vp_token" in fields) == ("error" in fields):
        raise ResponseInvalid("the response carries exactly one of vp_token and error")
    if "error" in fields:
        error, description = fields["error"], fields.get("error_description")
        if not isinstance(error, str) or not ERROR_CODE.fullmatch(error) or len(error) > 128:
            raise ResponseInvalid("error is not an RFC 6749 error code")
        if description is not None and (
            not isinstance(description, str)
            or len(description) > MAX_ERROR_DESCRIPTION_CHARS
            or not ERROR_CODE.fullmatch(description)
        ):
            raise ResponseInvalid("error_description is not RFC 6749 text")
        return DirectPostResponse(None, error, description, state)
    raw = fields["vp_token"]
    if isinstance(raw, dict):  # decrypted: already JSON
        return DirectPostResponse(check_vp_token(raw), None, None, state)
    if not isinstance(raw, str):
        raise ResponseInvalid("vp_token must be a JSON object (§8.1)")
    if len(raw) > MAX_VP_TOKEN_BYTES:
        raise ResponseInvalid(f"vp_token is larger than {MAX_VP_TOKEN_BYTES} bytes")
    try:
        value = jose.json_object(raw.encode("utf-8"), "vp_token")
    except (JoseError, UnicodeEncodeError):  # a lone surrogate is a str but not UTF-8
        raise ResponseInvalid("vp_token must be a JSON-encoded object (§8.1)") from None
    return DirectPostResponse(check_vp_token(value), None, None, state)
