from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.runtime import Runtime
from intyg.app import create_app
from tests.helpers import create_issuer

BASE = "http://localhost:8000"


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    """One process with every role; the wallet's outbound HTTP is routed back into it."""
    holder: dict[str, FastAPI] = {}

    def in_process_client() -> httpx.Client:
        return TestClient(holder["app"], base_url=BASE)

    application = create_app(runtime=dataclasses.replace(runtime, http=in_process_client))
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
