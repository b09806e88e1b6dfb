"""The arena: one process hosting the issuer, the wallet and the verifier, plus a hostile
issuer that the verifier's trust list names (``support.HostileIssuer``), a hostile verifier
the wallet can be pointed at (``support.HostileVerifier``), and the OpenID4VP verifier double
of the wallet suites. Outbound HTTP is routed back into the app and recorded.

Fixtures are those of ``tests.verifier`` (``roles``: an issuer, and a verifier whose trust
list names it) and ``tests.wallet`` (``holder_auth``, ``double``), on one app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from core import jose
from core.clock import FixedClock
from core.runtime import Runtime
from intyg.app import create_app
from tests.e2e.conftest import BASE, operator_key  # noqa: F401  (fixture)
from tests.helpers import ADMIN
from tests.verifier.support import VCT, Roles, setup_roles, trust_list_token
from tests.wallet.conftest import sign_up_and_in
from tests.wallet.flows import register_service, service_auth
from tests.wallet.verifier_double import VerifierDouble, make_ca_and_leaf

from .support import HostileIssuer, HostileVerifier


@pytest.fixture
def outbound() -> list[str]:
    """Every URL (path and query) the app's outbound HTTP asked for, in order."""
    return []


@pytest.fixture
def hostile() -> HostileIssuer:
    return HostileIssuer()


@pytest.fixture
def hostile_verifier() -> HostileVerifier:
    return HostileVerifier()


@pytest.fixture
def double(clock: FixedClock) -> VerifierDouble:
    ca, leaf, leaf_key = make_ca_and_leaf(clock.now())
    return VerifierDouble(ca=ca, leaf=leaf, leaf_key=leaf_key, iat=clock.now())


@pytest.fixture
def app(
    runtime: Runtime,
    tmp_path: Path,
    operator_key: jose.PrivateKey,  # noqa: F811
    outbound: list[str],
    hostile: HostileIssuer,
    hostile_verifier: HostileVerifier,
    double: VerifierDouble,
) -> FastAPI:
    holder: dict[str, FastAPI] = {}

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").decode("latin-1")
            outbound.append(scope["path"] + (f"?{query}" if query else ""))
        await holder["app"](scope, receive, send)

    def in_process_client() -> httpx.Client:
        return TestClient(recording, base_url=BASE)

    anchors = tmp_path / "wallet-anchors.pem"
    anchors.write_bytes(double.ca_pem())
    settings = runtime.settings.model_copy(
        update={
            "verifier_ca_dir": tmp_path / "verifier-ca",
            "wallet_trust_anchors": anchors,
            "trust_list_operator_keys": tmp_path / "operator.jwks",
        }
    )
    application = create_app(
        runtime=dataclasses.replace(runtime, settings=settings, http=in_process_client)
    )
    application.include_router(double.router())
    application.include_router(hostile.router())
    application.include_router(hostile_verifier.router())
    holder["app"] = application
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """Server errors are answered as in production (a 500 problem), never re-raised, so an
    attack that crashes a handler shows as the 500 it would be."""
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def roles(
    client: TestClient,
    operator_key: jose.PrivateKey,  # noqa: F811
    clock: FixedClock,
    hostile: HostileIssuer,
) -> Roles:
    """An issuer (``yh-akademin``), and a verifier whose trust list names it and the hostile
    issuer, both for the skill credential."""
    roles = setup_roles(client, operator_key, clock)
    roles.install_trust_list(
        trust_list_token(
            operator_key,
            clock.now(),
            [
                (roles.issuer["issuer"], "YH-akademin", [VCT]),
                (hostile.id, "Fientliga skolan", [VCT]),
            ],
            sequence=2,
        )
    )
    return roles


@pytest.fixture
def holder_auth(client: TestClient) -> dict[str, str]:
    return sign_up_and_in(client)


@pytest.fixture
def credentials(
    roles: Roles, client: TestClient, holder_auth: dict[str, str]
) -> dict[str, dict[str, str]]:
    service = register_service(client)
    return {
        "admin": ADMIN,
        "issuer": roles.issuer_auth,
        "verifier": roles.verifier_auth,
        "holder": holder_auth,
        "service": service_auth(service),
    }
