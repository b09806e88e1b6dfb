"""Small steps the wallet tests share: receive a credential, open a presentation request,
register a service, read the database. Assertions stay in the tests."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from urllib.parse import unquote

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwcrypto import jwk
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.helpers import ADMIN, learner_claims
from tests.wallet.verifier_double import VerifierDouble

VCT = "http://localhost:8000/types/skill-credential"
PERSONAL_VALUES = ("Alva", "Lindqvist", "19900101-0017", "199001010017", "1990-01-01")

# Names required; grade and the skills optional (claim sets, most preferred first).
QUERY = {
    "credentials": [
        {
            "id": "skill",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [
                {"id": "given", "path": ["given_name"]},
                {"id": "family", "path": ["family_name"]},
                {"id": "grade", "path": ["assessment_grade"]},
                {"id": "skills", "path": ["skills", None]},
            ],
            "claim_sets": [["given", "family", "grade", "skills"], ["given", "family"]],
        }
    ]
}


def make_offer(
    client: TestClient, issuer: dict, issuer_auth: dict, tx: bool = False, **claims: object
) -> dict:
    made = client.post(
        f"/issuers/{issuer['slug']}/admin/offers",
        json={"claims": learner_claims(**claims), "tx_code": tx},
        headers=issuer_auth,
    )
    assert made.status_code == 201, made.text
    return made.json()


def receive(
    client: TestClient, issuer: dict, issuer_auth: dict, holder_auth: dict, **claims: object
) -> str:
    made = make_offer(client, issuer, issuer_auth, **claims)
    received = client.post(
        "/wallet/offers", json={"offer": made["credential_offer"]}, headers=holder_auth
    )
    assert received.status_code == 201, received.text
    return received.json()["id"]


def double_request_id(link: str) -> str:
    """The double's own id of a request, from the openid4vp:// link it made."""
    return unquote(link).rsplit("/double/request/", 1)[1]


def open_request(
    client: TestClient,
    double: VerifierDouble,
    holder_auth: dict,
    query: dict | None = None,
    purpose: str = "Rekrytering",
) -> tuple[dict, str]:
    """The wallet's view of a new request from the double, and the double's request id."""
    link = double.new_request(query or QUERY, purpose=purpose)
    view = client.post("/wallet/presentation-requests", json={"request": link}, headers=holder_auth)
    assert view.status_code == 201, view.text
    return view.json(), double_request_id(link)


def approve(
    client: TestClient,
    holder_auth: dict,
    request_id: str,
    credential_id: str,
    optional: list | None = None,
    query_id: str = "skill",
):  # noqa: ANN201
    return client.post(
        f"/wallet/presentation-requests/{request_id}/approve",
        json={
            "credentials": {
                query_id: {"credential_id": credential_id, "optional_claims": optional or []}
            }
        },
        headers=holder_auth,
    )


def share(
    client: TestClient,
    double: VerifierDouble,
    holder_auth: dict,
    credential_id: str,
    optional: list | None = None,
) -> tuple[str, str]:
    """Approve a fresh request from the double; the consent id and the double's request id."""
    view, double_id = open_request(client, double, holder_auth)
    approved = approve(client, holder_auth, view["id"], credential_id, optional)
    assert approved.status_code == 200, approved.text
    return approved.json()["consent_id"], double_id


def register_service(
    client: TestClient,
    name: str = "Matchningstjänsten",
    client_id: str = "https://matchning.example",
) -> dict:
    made = client.post(
        "/wallet/services", json={"name": name, "client_id": client_id}, headers=ADMIN
    )
    assert made.status_code == 201, made.text
    return made.json()


def service_auth(service: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {service['api_key']}"}


def issuer_keys(client: TestClient, issuer: dict) -> dict[str, jwk.JWK]:
    document = client.get(f"/.well-known/jwt-vc-issuer/issuers/{issuer['slug']}").json()
    return {k["kid"]: jwk.JWK(**k) for k in document["jwks"]["keys"]}


def holder_id(engine: Engine, username: str) -> str:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT id FROM wallet_holder WHERE username = :u"), {"u": username}
        ).scalar_one()


def rows(engine: Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql), params)]


def b64url_sha256(data: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data.encode()).digest()).rstrip(b"=").decode()


def random_id() -> str:
    return str(uuid.uuid4())


def ask_grant(
    client: TestClient,
    service: dict,
    holder: str = "alva@example.se",
    query: dict | None = None,
    duration_days: int = 90,
    purpose: str = "Matchning mot lediga jobb",
):  # noqa: ANN201
    return client.post(
        "/wallet/grant-requests",
        json={
            "holder": holder,
            "dcql_query": query or QUERY,
            "purpose": purpose,
            "duration_days": duration_days,
        },
        headers=service_auth(service),
    )


@contextmanager
def intercept(
    app: FastAPI,
    handler: Callable[[httpx.Request, Callable[[httpx.Request], httpx.Response]], httpx.Response],
):  # noqa: ANN201
    """While inside, the wallet's outbound requests go through ``handler(request, forward)``
    (``forward`` sends on to the in-process app): to play an unreachable or misbehaving party."""
    runtime = app.state.runtime

    def forward(request: httpx.Request) -> httpx.Response:
        with runtime.http() as inner:
            answer = inner.send(request)
            answer.read()
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )

    def factory() -> httpx.Client:
        return httpx.Client(
            transport=httpx.MockTransport(lambda request: handler(request, forward))
        )

    app.state.runtime = dataclasses.replace(runtime, http=factory)
    try:
        yield
    finally:
        app.state.runtime = runtime


def refuse_connections(matching: str):  # noqa: ANN201
    """A handler under which any URL containing ``matching`` cannot be connected to."""

    def handler(
        request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
    ) -> httpx.Response:
        if matching in str(request.url):
            raise httpx.ConnectError("connection refused", request=request)
        return forward(request)

    return handler
