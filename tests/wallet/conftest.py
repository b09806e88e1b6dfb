from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.clock import FixedClock
from core.runtime import Runtime
from intyg.app import create_app
from tests.helpers import create_issuer
from tests.wallet.verifier_double import VerifierDouble, make_ca_and_leaf

BASE = "http://localhost:8000"


@pytest.fixture
def double(tmp_path: Path, clock: FixedClock) -> VerifierDouble:
    ca, leaf, leaf_key = make_ca_and_leaf(clock.now())
    return VerifierDouble(ca=ca, leaf=leaf, leaf_key=leaf_key, iat=clock.now())


@pytest.fixture
def app(runtime: Runtime, double: VerifierDouble, tmp_path: Path) -> FastAPI:
    """One process with every role (and the verifier double); the wallet's outbound HTTP is
    routed back into it. The wallet trusts the double's CA."""
    anchors = tmp_path / "wallet-anchors.pem"
    anchors.write_bytes(double.ca_pem())
    holder: dict[str, FastAPI] = {}

    def in_process_client() -> httpx.Client:
        return TestClient(holder["app"], base_url=BASE)

    settings = runtime.settings.model_copy(update={"wallet_trust_anchors": anchors})
    application = create_app(
        runtime=dataclasses.replace(runtime, settings=settings, http=in_process_client)
    )
    application.include_router(double.router())
    holder["app"] = application
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as client:
        yield client


@pytest.fixture
def issuer(client: TestClient) -> dict[str, str]:
    return create_issuer(client)


@pytest.fixture
def issuer_auth(issuer: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer['api_key']}"}


def sign_up_and_in(client: TestClient, username: str = "alva@example.se") -> dict[str, str]:
    password = "correct horse battery staple"
    made = client.post("/wallet/accounts", json={"username": username, "password": password})
    assert made.status_code == 201, made.text
    session = client.post("/wallet/sessions", json={"username": username, "password": password})
    assert session.status_code == 201, session.text
    return {"Authorization": f"Bearer {session.json()['token']}"}


@pytest.fixture
def holder_auth(client: TestClient) -> dict[str, str]:
    return sign_up_and_in(client)
