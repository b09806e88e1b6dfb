"""Documents nested too deeply, from the parties the service fetches from: every fetched JSON
document (and every JWT payload) is parsed with the bounds of ``core.jsontext``, and the
request that fetched it fails with the code of its step, never a 500 (issue 10).

Two depths: one just past ``jsontext.MAX_DEPTH`` (it parses, and would break what walks it
next) and one deep enough that ``json.loads`` itself raises ``RecursionError``.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from core import jose, jsontext
from core.clock import FixedClock
from core.http import FetchFailed, FetchPolicy
from tests.verifier.support import VCT, Roles, assert_rejected, check, trust_list_token

from .support import BASE, HostileIssuer, assert_nothing_written, b64, b64_json, bind, row_counts
from .test_web_attacks import mock_fetcher, wallet_fetches

DEPTHS = [jsontext.MAX_DEPTH + 1, 5000]


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def deep_jws(key: jose.PrivateKey, typ: str, depth: int) -> str:
    """A JWS, well signed, whose payload nests ``depth`` deep (written by hand: ``json.dumps``
    cannot write it)."""
    signing_input = f"{b64_json({'alg': jose.ES256, 'typ': typ})}.{b64(nested(depth))}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def serve(app: FastAPI, path: str, body: bytes | str, media_type: str) -> None:
    router = APIRouter()
    router.add_api_route(
        path,
        lambda: Response(body, media_type=media_type),
        methods=["GET"],
        include_in_schema=False,
    )
    app.include_router(router)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize(
    ("step", "status", "code"),
    [
        ("credential-offer-uri", 502, "issuer_protocol_error"),
        ("credential-issuer", 502, "fetch_failed"),
        ("request-uri", 400, "oid4vp_request_invalid"),
    ],
)
def test_a_deeply_nested_document_fails_the_wallets_step(
    app: FastAPI,
    client: TestClient,
    holder_auth: dict[str, str],
    engine: Engine,
    hostile: HostileIssuer,
    step: str,
    status: int,
    code: str,
    depth: int,
) -> None:
    """The offer by reference, the issuer's metadata and the verifier's request object."""
    serve(app, "/deep/offers/1", nested(depth), "application/json")
    serve(app, "/.well-known/openid-credential-issuer/deep", nested(depth), "application/json")
    token = deep_jws(hostile.key, "oauth-authz-req+jwt", depth)
    serve(app, "/deep/request", token, "application/oauth-authz-req+jwt")
    path, body = wallet_fetches(f"{BASE}/deep")[step]
    before = row_counts(engine)
    answer = client.post(path, json=body, headers=holder_auth)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert_nothing_written(engine, before, except_tables=frozenset({"wallet_log"}))


@pytest.mark.parametrize("depth", DEPTHS)
def test_deeply_nested_issuer_metadata_fails_the_verifiers_issuer_key_check(
    app: FastAPI,
    roles: Roles,
    engine: Engine,
    hostile: HostileIssuer,
    clock: FixedClock,
    depth: int,
) -> None:
    issuer = f"{BASE}/deep-issuer"
    serve(app, "/.well-known/jwt-vc-issuer/deep-issuer", nested(depth), "application/json")
    roles.install_trust_list(
        trust_list_token(roles.operator_key, clock.now(), [(issuer, "Djup", [VCT])], sequence=3)
    )
    holder = jose.PrivateKey.generate()
    presentation = bind(
        hostile.sign(hostile.payload(holder, clock.now(), iss=issuer)), [], holder, now=clock.now()
    )
    before = row_counts(engine)
    result = roles.verify(presentation)
    assert_rejected(result, "issuer_key", "fetch_failed")
    assert "nested deeper than" in check(result, "issuer_key")["detail"]
    assert_nothing_written(engine, before)


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deeply_nested_status_list_token_leaves_the_status_unknown(
    roles: Roles, engine: Engine, hostile: HostileIssuer, clock: FixedClock, depth: int
) -> None:
    hostile.status_tokens["deep"] = deep_jws(hostile.key, "statuslist+jwt", depth)
    holder = jose.PrivateKey.generate()
    payload = hostile.payload(holder, clock.now(), status=hostile.status_uri("deep"))
    presentation = bind(hostile.sign(payload), [], holder, now=clock.now())
    before = row_counts(engine)
    result = roles.verify(presentation)
    assert_rejected(result, "status", "status_unknown")
    assert check(result, "status")["detail"].endswith("(jose_malformed)"), result
    assert_nothing_written(engine, before)


def test_a_fetched_document_larger_than_a_request_body_is_fetch_failed() -> None:
    too_large = b'"' + b"A" * jsontext.MAX_BYTES + b'"'
    fetcher, _sent = mock_fetcher(
        FetchPolicy(development=True, allowed_hosts=frozenset({"localhost"})),
        lambda _request: httpx.Response(200, content=too_large),
    )
    with pytest.raises(FetchFailed, match="too large"):
        fetcher.get_json("http://localhost:8000/large")
