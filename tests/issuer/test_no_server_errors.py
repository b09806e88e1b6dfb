"""Bad input never causes a 500: a sweep of garbage bodies and headers at every issuer endpoint.

The client here does not re-raise server exceptions, so a crash shows as the 500 it would be
in production. Every error must be a JSON body (an OAuth error or a problem document).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.runtime import Runtime
from intyg.app import create_app
from tests.helpers import ADMIN

SOME_ID = "00000000-0000-4000-8000-000000000000"

ENDPOINTS = [
    ("POST", "/admin/issuers", "admin"),
    ("POST", "/issuers/{slug}/admin/offers", "issuer"),
    ("POST", "/issuers/{slug}/admin/offers/batch", "issuer"),
    ("GET", "/issuers/{slug}/admin/credentials", "issuer"),
    ("POST", "/issuers/{slug}/admin/credentials/{id}/revoke", "issuer"),
    ("POST", "/issuers/{slug}/admin/credentials/{id}/suspend", "issuer"),
    ("POST", "/issuers/{slug}/admin/credentials/{id}/reinstate", "issuer"),
    ("POST", "/issuers/{slug}/admin/keys/rotate", "issuer"),
    ("PUT", "/issuers/{slug}/admin/eid", "issuer"),
    ("GET", "/issuers/{slug}/admin/eid", "issuer"),
    ("GET", "/issuers/{slug}/eid/jwks.json", None),
    ("GET", "/.well-known/openid-credential-issuer/issuers/{slug}", None),
    ("GET", "/.well-known/oauth-authorization-server/issuers/{slug}", None),
    ("GET", "/.well-known/jwt-vc-issuer/issuers/{slug}", None),
    ("GET", "/types/skill-credential", None),
    ("GET", "/types/skill-credential/schema.json", None),
    ("GET", "/issuers/{slug}/offers/{id}", None),
    ("POST", "/issuers/{slug}/token", None),
    ("POST", "/issuers/{slug}/nonce", None),
    ("POST", "/issuers/{slug}/credential", "bearer"),
    ("GET", "/issuers/{slug}/status-lists/{id}", None),
]

BODIES: list[tuple[str, bytes]] = [
    ("application/json", b""),
    ("application/json", b"\x00\xff\xfe"),
    ("application/json", b"{"),
    ("application/json", b"null"),
    ("application/json", b"[]"),
    ("application/json", b'"x"'),
    ("application/json", b"1" * 5000),  # past Python's int-parsing digit limit
    ("application/json", b"1e999999"),
    ("application/json", b"[" * 20_000),
    ("application/json", b'{"a":' * 5_000),
    ("application/json", b'{"claims": {"given_name": "\\ud800"}, "proofs": {"jwt": ["\\ud800"]}}'),
    ("application/json", b'{"claims": {"given_name": "a\\u0000b"}, "slug": "a\\u0000"}'),
    ("application/json", b'{"credential_configuration_id": {"$ne": 1}, "proofs": {"jwt": [[]]}}'),
    ("application/json", b'{"a": 1, "a": 2}'),
    ("application/json", b"x" * (1024 * 1024 + 1)),  # past the body limit
    ("application/x-www-form-urlencoded", b"a=%zz&&==&grant_type=%00&pre-authorized_code=%ff"),
    ("application/x-www-form-urlencoded", b"\xff\xfe"),
    ("application/x-www-form-urlencoded", b"&".join([b"k=v"] * 5000)),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n"),
    ("text/plain", b"hello"),
    ("application/json; charset=latin-1", b'{"\xe5": 1}'),
]

HEADERS: list[dict[str, str | bytes]] = [
    {"Authorization": "Bearer " + "A" * 8000},
    {"Authorization": b"Bearer \xff\xfe"},
    {"Authorization": "DPoP x", "DPoP": "x" * 20_000},
    {"Authorization": "DPoP x", "DPoP": "a.b.c"},
    {"Authorization": "DPoP x", "DPoP": "eyJhbGciOiJub25lIn0.e30."},
    {"DPoP": b"\xff.\xff.\xff"},
    {"Idempotency-Key": "k" * 500},
    {"Content-Type": "application/json", "Content-Length": "99999999999"},
    {"Content-Type": "application/json", "Content-Length": "-1"},
]


@pytest.fixture
def loose_client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime=runtime)
    with TestClient(app, base_url="http://localhost:8000", raise_server_exceptions=False) as c:
        yield c


def check(response: object, what: str) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, f"{what}: {status} {response.text[:300]}"  # type: ignore[attr-defined]
    if status >= 400:
        body = response.json()  # type: ignore[attr-defined]
        assert isinstance(body, dict) and ("error" in body or "code" in body), what


@pytest.mark.parametrize(
    ("method", "template", "auth"), ENDPOINTS, ids=[f"{m} {t}" for m, t, _ in ENDPOINTS]
)
@pytest.mark.parametrize("slug", ["yh-akademin", "a%00b"], ids=["own", "nul"])
def test_garbage_never_causes_a_server_error(
    loose_client: TestClient,
    issuer: dict[str, str],
    method: str,
    template: str,
    auth: str | None,
    slug: str,
) -> None:
    credentials = {
        "admin": ADMIN,
        "issuer": {"Authorization": f"Bearer {issuer['api_key']}"},
        "bearer": {"Authorization": "Bearer not-a-token"},
        None: {},
    }[auth]
    identifiers = (SOME_ID, "%00") if "{id}" in template else (SOME_ID,)
    for identifier in identifiers:
        path = template.format(slug=slug, id=identifier)
        for content_type, body in BODIES:
            headers = {**credentials, "Content-Type": content_type}
            response = loose_client.request(method, path, content=body, headers=headers)
            check(response, f"{method} {path} {content_type} {body[:40]!r}")
        for extra in HEADERS:
            response = loose_client.request(
                method, path, content=b"{}", headers={**credentials, **extra}
            )
            check(response, f"{method} {path} {list(extra)}")
