"""Web attacks at the HTTP boundary: oversized bodies, deeply nested JSON, bodies that are not
UTF-8, CR/LF header injection in URLs the service is asked to fetch, and SSRF — every URL the
service would fetch (an offer link's ``credential_offer_uri``, an offer's ``credential_issuer``
and so its metadata, an OpenID4VP ``request_uri``, a credential's status list URI, a trusted
issuer's metadata) refused with ``url_not_allowed`` when it points at a loopback, link-local
or private address that is not allow-listed, before anything is fetched or written.

The development fetch policy allow-lists the loopback names (the demo runs on localhost), so
the loopback rows run with ``development=False``; link-local and private addresses are refused
in both settings. The client answers server errors as a 500 problem rather than re-raising,
so a crash fails the row as the 500 it would be. The issuer's endpoints have their own garbage
sweep in ``tests/issuer/test_no_server_errors.py``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from core import jose
from core.clock import FixedClock
from core.http import Fetcher, FetchFailed, FetchPolicy, UrlNotAllowed
from tests.helpers import ADMIN
from tests.verifier.support import VCT, Roles, assert_rejected, check, trust_list_token

from .support import (
    BASE,
    HostileIssuer,
    assert_nothing_written,
    bind,
    row_counts,
    with_settings,
)

MIB = 1024 * 1024
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@dataclass
class Arena:
    client: TestClient
    roles: Roles
    holder_auth: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {
            "admin": ADMIN,
            "issuer": self.roles.issuer_auth,
            "verifier": self.roles.verifier_auth,
            "holder": self.holder_auth,
            "none": {},
        }[who]


@pytest.fixture
def arena(client: TestClient, roles: Roles, holder_auth: dict[str, str]) -> Arena:
    return Arena(client, roles, holder_auth)


REQUEST_ID = "00000000-0000-4000-8000-000000000000"

# (method, path, who, content type) of every endpoint that takes a body
BODY_ENDPOINTS = [
    ("POST", "/admin/issuers", "admin", "application/json"),
    ("POST", "/admin/verifiers", "admin", "application/json"),
    ("POST", "/wallet/services", "admin", "application/json"),
    ("POST", "/issuers/yh-akademin/admin/offers", "issuer", "application/json"),
    ("POST", "/issuers/yh-akademin/admin/offers/batch", "issuer", "application/json"),
    ("POST", "/issuers/yh-akademin/token", "none", "application/x-www-form-urlencoded"),
    ("POST", "/issuers/yh-akademin/credential", "none", "application/json"),
    ("POST", "/verifiers/arbetsgivaren/requests", "verifier", "application/json"),
    ("POST", "/verifiers/arbetsgivaren/verify", "verifier", "application/json"),
    ("PUT", "/verifiers/arbetsgivaren/trust-list", "verifier", "application/json"),
    (
        "POST",
        f"/verifiers/arbetsgivaren/responses/{REQUEST_ID}",
        "none",
        "application/x-www-form-urlencoded",
    ),
    ("POST", "/wallet/accounts", "none", "application/json"),
    ("POST", "/wallet/sessions", "none", "application/json"),
    ("POST", "/wallet/offers", "holder", "application/json"),
    ("POST", "/wallet/presentation-requests", "holder", "application/json"),
    ("POST", "/wallet/grant-requests", "none", "application/json"),
]


def oversized(content_type: str) -> bytes:
    if content_type == "application/json":
        return b'{"offer": "' + b"A" * (MIB + 1) + b'"}'
    return b"vp_token=" + b"A" * (MIB + 1)


def send(arena: Arena, method: str, path: str, who: str, content_type: str, body: object):  # noqa: ANN201
    headers = {**arena.auth(who), "Content-Type": content_type}
    return arena.client.request(method, path, content=body, headers=headers)


# --- oversized bodies --------------------------------------------------------------------------


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("chunked", [False, True], ids=["body-over-1mib", "chunked-body-over-1mib"])
def test_oversized_body_is_413_at_every_endpoint(
    arena: Arena, engine: Engine, chunked: bool
) -> None:
    """Declared (Content-Length) or not (chunked): refused before the app reads it."""
    before = row_counts(engine)
    for method, path, who, ctype in BODY_ENDPOINTS:
        body = oversized(ctype)
        answer = send(arena, method, path, who, ctype, chunks(body) if chunked else body)
        assert answer.status_code == 413, (method, path, answer.text[:300])
        assert answer.json()["code"] == "payload_too_large", (method, path)
    assert_nothing_written(engine, before)


def test_lying_content_length_is_413(arena: Arena, engine: Engine) -> None:
    before = row_counts(engine)
    for declared in ("99999999999", "-1", "1e3", " 12"):
        answer = arena.client.post(
            "/wallet/accounts",
            content=b"{}",
            headers={"Content-Type": "application/json", "Content-Length": declared},
        )
        assert answer.status_code == 413, (declared, answer.text)
    assert_nothing_written(engine, before)


# --- deeply nested JSON and bodies that are not UTF-8 ------------------------------------------

HOSTILE_BODIES = {
    "nested-arrays-100k": b"[" * 100_000 + b"]" * 100_000,
    "nested-objects-50k": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "nested-in-a-field": b'{"offer": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "nested-dcql-query": b'{"purpose": "x", "dcql_query": '
    + b'{"a":' * 50_000
    + b"1"
    + b"}" * 50_000
    + b"}",
    "invalid-utf8": b'{"offer": "\xff\xfe\xfd", "username": "\xc3\x28"}',
    "utf8-overlong": b'{"offer": "\xc0\xaf"}',
    "lone-surrogate-escape": b'{"offer": "\\ud800", "username": "\\udfff", '
    b'"presentation": "\\ud800"}',
    "utf16-bom": "\ufeff{}".encode("utf-16"),
    "nul-bytes": b'{"offer": "a\\u0000b", "username": "\\u0000"}',
    "huge-number": b'{"duration_days": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=list(HOSTILE_BODIES))
def test_hostile_body_is_4xx_never_500_at_every_endpoint(
    arena: Arena, engine: Engine, body: bytes
) -> None:
    before = row_counts(engine)
    for method, path, who, ctype in BODY_ENDPOINTS:
        answer = send(arena, method, path, who, ctype, body)
        assert 400 <= answer.status_code < 500, (
            method,
            path,
            answer.status_code,
            answer.text[:300],
        )
        problem = answer.json()
        assert isinstance(problem, dict) and ("code" in problem or "error" in problem), problem
    assert_nothing_written(engine, before)


# --- header injection (CR/LF) in URLs a wallet is asked to fetch -------------------------------

INJECTED = "\r\nX-Injected: 1\r\n\r\nGET /admin/issuers HTTP/1.1"


def offer_by_value(issuer: str) -> str:
    offer = {
        "credential_issuer": issuer,
        "credential_configuration_ids": ["skill_credential_sd_jwt"],
        "grants": {PRE_AUTH: {"pre-authorized_code": "c0de"}},
    }
    return f"openid-credential-offer://?credential_offer={quote(json.dumps(offer), safe='')}"


INJECTIONS = {
    "credential-offer-uri": (
        "/wallet/offers",
        "offer",
        "openid-credential-offer://?credential_offer_uri="
        + quote(f"{BASE}/issuers/yh-akademin/offers/x{INJECTED}", safe=""),
    ),
    "credential-offer-uri-in-host": (
        "/wallet/offers",
        "offer",
        "openid-credential-offer://?credential_offer_uri="
        + quote(f"http://localhost{INJECTED}:8000/x", safe=""),
    ),
    "credential-issuer-of-an-offer-by-value": (
        "/wallet/offers",
        "offer",
        offer_by_value(f"{BASE}/issuers/yh-akademin{INJECTED}"),
    ),
    "request-uri": (
        "/wallet/presentation-requests",
        "request",
        "openid4vp://?client_id=x509_san_dns%3Alocalhost&request_uri="
        + quote(f"{BASE}/double/request/x{INJECTED}", safe=""),
    ),
    # not injections, but URLs that the fetch policy could not parse (a 500, before)
    "credential-offer-uri-unbalanced-bracket": (
        "/wallet/offers",
        "offer",
        "openid-credential-offer://?credential_offer_uri=" + quote("https://[::1/x", safe=""),
    ),
    "credential-offer-uri-port-out-of-range": (
        "/wallet/offers",
        "offer",
        "openid-credential-offer://?credential_offer_uri="
        + quote("https://example.se:99999/x", safe=""),
    ),
    "credential-issuer-port-out-of-range": (
        "/wallet/offers",
        "offer",
        offer_by_value("https://example.se:99999/issuers/x"),
    ),
    "request-uri-tab-and-nul": (
        "/wallet/presentation-requests",
        "request",
        "openid4vp://?client_id=x509_san_dns%3Alocalhost&request_uri="
        + quote(f"{BASE}/double/request/x\t\x00y", safe=""),
    ),
}


@pytest.mark.parametrize(("path", "field", "link"), INJECTIONS.values(), ids=list(INJECTIONS))
def test_crlf_or_malformed_url_to_fetch_is_refused(
    arena: Arena,
    engine: Engine,
    outbound: list[str],
    path: str,
    field: str,
    link: str,
) -> None:
    before = row_counts(engine)
    outbound.clear()
    answer = arena.client.post(path, json={field: link}, headers=arena.holder_auth)
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "url_not_allowed", answer.json()
    assert outbound == [], outbound  # nothing was fetched at all
    # a refused receipt is on the holder's own transparency log, by design; nothing else
    assert_nothing_written(engine, before, except_tables=frozenset({"wallet_log"}))


# --- SSRF: every URL the service would fetch ---------------------------------------------------

PRIVATE_HOSTS = {
    "link-local-metadata": "169.254.169.254",
    "private-10": "10.0.0.1",
    "private-192-168": "192.168.1.1",
    "private-172-16": "172.16.0.1",
    "cgnat-100-64": "100.64.0.1",
    "unspecified": "0.0.0.0",
    "ipv6-unique-local": "[fc00::1]",
    "ipv6-link-local": "[fe80::1]",
    "ipv4-mapped-link-local": "[::ffff:169.254.169.254]",
    "decimal-link-local": "2852039166",
}
# refused only where the development allow-list of loopback names is off
LOOPBACK_HOSTS = {
    "loopback-name": "localhost",
    "loopback-127": "127.0.0.1",
    "loopback-127-shorthand": "127.1",
    "loopback-ipv6": "[::1]",
    "loopback-subdomain": "foo.localhost",
    "loopback-hex": "0x7f000001",
}


def ssrf_cases() -> list[pytest.param]:
    """(host, development): private and link-local hosts under both policies, loopback hosts
    where the development allow-list of loopback names is off."""
    cases = [
        pytest.param(
            host, development, id=f"{'development' if development else 'production'}-{name}"
        )
        for name, host in PRIVATE_HOSTS.items()
        for development in (True, False)
    ]
    cases += [
        pytest.param(host, False, id=f"production-{name}") for name, host in LOOPBACK_HOSTS.items()
    ]
    return cases


def wallet_fetches(url: str) -> dict[str, tuple[str, dict[str, str]]]:
    """The three ways a holder's input makes the wallet fetch ``url``."""
    return {
        "credential-offer-uri": (
            "/wallet/offers",
            {
                "offer": "openid-credential-offer://?credential_offer_uri="
                + quote(f"{url}/offers/1", safe="")
            },
        ),
        "credential-issuer": ("/wallet/offers", {"offer": offer_by_value(url)}),
        "request-uri": (
            "/wallet/presentation-requests",
            {
                "request": "openid4vp://?client_id=x509_san_dns%3Alocalhost&request_uri="
                + quote(f"{url}/request", safe="")
            },
        ),
    }


@pytest.mark.parametrize(("host", "development"), ssrf_cases())
def test_ssrf_from_the_wallet_is_refused(
    app: FastAPI,
    arena: Arena,
    engine: Engine,
    outbound: list[str],
    host: str,
    development: bool,
) -> None:
    """An offer link's credential_offer_uri, an offer's credential_issuer (its metadata is
    the first fetch) and an OpenID4VP request_uri, each on an internal address."""
    if not development:
        with_settings(app, development=False)
    before = row_counts(engine)
    outbound.clear()
    for where, (path, body) in wallet_fetches(f"https://{host}/issuers/x").items():
        answer = arena.client.post(path, json=body, headers=arena.holder_auth)
        assert answer.status_code == 403, (where, answer.text)
        assert answer.json()["code"] == "url_not_allowed", where
    assert outbound == []
    assert_nothing_written(engine, before, except_tables=frozenset({"wallet_log"}))


@pytest.mark.parametrize(("host", "development"), ssrf_cases())
def test_ssrf_through_a_status_list_uri_is_refused(
    app: FastAPI,
    roles: Roles,
    engine: Engine,
    hostile: HostileIssuer,
    outbound: list[str],
    clock: FixedClock,
    host: str,
    development: bool,
) -> None:
    """A trusted issuer's credential names a status list on an internal address."""
    holder = jose.PrivateKey.generate()
    payload = hostile.payload(holder, clock.now(), status=f"https://{host}/latest/meta-data/")
    presentation = bind(hostile.sign(payload), [], holder, now=clock.now())
    roles.verify(presentation, nonce="warm-up")  # the issuer's keys, fetched in development
    if not development:
        with_settings(app, development=False)
    before = row_counts(engine)
    outbound.clear()
    result = roles.verify(presentation)
    assert_rejected(result, "status", "status_unknown")
    assert check(result, "status")["detail"].endswith("(url_not_allowed)"), result
    assert [u for u in outbound if "meta-data" in u] == []
    assert_nothing_written(engine, before)


@pytest.mark.parametrize("host", list(PRIVATE_HOSTS.values()), ids=list(PRIVATE_HOSTS))
def test_ssrf_through_a_trusted_issuer_id_is_refused(
    roles: Roles, engine: Engine, hostile: HostileIssuer, clock: FixedClock, host: str
) -> None:
    """Even an operator-signed trust list cannot make the verifier fetch an internal address."""
    issuer = f"https://{host}/issuer"
    roles.install_trust_list(
        trust_list_token(roles.operator_key, clock.now(), [(issuer, "Intern", [VCT])], sequence=3)
    )
    holder = jose.PrivateKey.generate()
    payload = hostile.payload(holder, clock.now(), iss=issuer)
    presentation = bind(hostile.sign(payload), [], holder, now=clock.now())
    before = row_counts(engine)
    assert_rejected(roles.verify(presentation), "issuer_key", "url_not_allowed")
    assert_nothing_written(engine, before)


def fake_dns(monkeypatch: pytest.MonkeyPatch, *answers: tuple[str, ...]) -> list[str]:
    """``socket.getaddrinfo`` gives the next answer (a tuple of addresses) per lookup;
    returns the names looked up, in order."""
    pending = iter(answers)
    lookups: list[str] = []

    def getaddrinfo(host: str, *_args: object, **_kwargs: object) -> list[tuple[object, ...]]:
        lookups.append(host)
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, 0),
            )
            for address in next(pending)
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def mock_fetcher(
    policy: FetchPolicy, answer: Callable[[httpx.Request], httpx.Response]
) -> tuple[Fetcher, list[httpx.Request]]:
    """A fetcher whose requests go to ``answer``; returns it and the requests it sent."""
    sent: list[httpx.Request] = []

    def recorded(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer(request)

    return Fetcher(policy, lambda: httpx.Client(transport=httpx.MockTransport(recorded))), sent


def ok(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


@pytest.mark.parametrize("answer", ["93.184.215.14", "2606:4700::6810:84e5"], ids=["ipv4", "ipv6"])
def test_dns_rebinding_cannot_turn_a_checked_fetch_inward(
    monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    """The name is resolved once and checked, and the request goes to that very address: a
    second DNS answer (here the metadata service) is never asked for. The Host header and
    the TLS server name keep the name, so the certificate is still checked against it."""
    lookups = fake_dns(monkeypatch, (answer,), ("169.254.169.254",))
    fetcher, sent = mock_fetcher(FetchPolicy(development=False), ok)
    assert fetcher.get_json("https://rebind.example:8443/doc?x=1") == {"ok": True}
    assert lookups == ["rebind.example"]
    (request,) = sent
    assert (request.url.host, request.url.port) == (answer, 8443)
    assert (request.url.path, request.url.query) == ("/doc", b"x=1")
    assert request.headers["host"] == "rebind.example:8443"
    assert request.extensions["sni_hostname"] == "rebind.example"


def test_an_allow_listed_host_is_fetched_by_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    lookups = fake_dns(monkeypatch)  # no answer: a lookup would fail the test
    fetcher, sent = mock_fetcher(
        FetchPolicy(development=True, allowed_hosts=frozenset({"localhost"})), ok
    )
    assert fetcher.get_json("http://localhost:8000/x") == {"ok": True}
    assert lookups == []
    assert sent[0].url.host == "localhost"
    assert "sni_hostname" not in sent[0].extensions


def test_a_name_with_two_public_addresses_falls_back_to_the_second_only_after_checking_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, ("93.184.215.14", "93.184.215.15"))

    def first_is_down(request: httpx.Request) -> httpx.Response:
        if request.url.host == "93.184.215.14":
            raise httpx.ConnectError("refused", request=request)
        return ok(request)

    fetcher, sent = mock_fetcher(FetchPolicy(development=False), first_is_down)
    assert fetcher.get_json("https://two.example/doc") == {"ok": True}
    assert [request.url.host for request in sent] == ["93.184.215.14", "93.184.215.15"]


def test_a_name_with_one_internal_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, ("93.184.215.14", "10.0.0.7"))
    fetcher, sent = mock_fetcher(FetchPolicy(development=False), ok)
    with pytest.raises(UrlNotAllowed):
        fetcher.get_json("https://mixed.example/doc")
    assert sent == []


def test_a_name_without_addresses_is_fetch_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, ())
    fetcher, sent = mock_fetcher(FetchPolicy(development=False), ok)
    with pytest.raises(FetchFailed) as failed:
        fetcher.get_json("https://empty.example/doc")
    assert failed.value.code == "fetch_failed"
    assert sent == []
