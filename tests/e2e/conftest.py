"""One process hosting all three roles; the wallet's and verifier's outbound HTTP is routed
back into the same app (as if it were three hosts on one name)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from core import jose
from core.runtime import Runtime
from core.standards import trust_list
from intyg.app import create_app

BASE = "http://localhost:8000"
ADMIN = {"Authorization": "Bearer test-admin-token"}


@pytest.fixture
def operator_key(tmp_path: Path) -> jose.PrivateKey:
    key = jose.PrivateKey.generate()
    (tmp_path / "operator.jwks").write_text(json.dumps({"keys": [dict(key.public.jwk)]}))
    return key


def one_process_app(
    runtime: Runtime,
    tmp_path: Path,
    outbound: Callable[[ASGIApp], httpx.Client],
    wallet_trust_anchors: Path | None = None,
) -> FastAPI:
    """All three roles in one app whose outbound HTTP goes through ``outbound`` (given the
    app) back into the app itself, with a dev CA and trust-list operator keys in ``tmp_path``;
    the wallet trusts that dev CA, or the CAs in ``wallet_trust_anchors`` when given."""
    holder: dict[str, FastAPI] = {}

    async def itself(scope: Scope, receive: Receive, send: Send) -> None:
        await holder["app"](scope, receive, send)

    settings = runtime.settings.model_copy(
        update={
            "verifier_ca_dir": tmp_path / "verifier-ca",
            "wallet_trust_anchors": wallet_trust_anchors or tmp_path / "verifier-ca" / "ca.pem",
            "trust_list_operator_keys": tmp_path / "operator.jwks",
        }
    )
    application = create_app(
        runtime=dataclasses.replace(runtime, settings=settings, http=lambda: outbound(itself))
    )
    holder["app"] = application
    return application


@pytest.fixture
def app(runtime: Runtime, tmp_path: Path, operator_key: jose.PrivateKey) -> FastAPI:
    return one_process_app(runtime, tmp_path, lambda app: TestClient(app, base_url=BASE))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as client:
        yield client


def signed_trust_list(
    key: jose.PrivateKey, now: int, issuers: list[tuple[str, str, list[str]]], sequence: int = 1
) -> str:
    document = trust_list.build_trust_list(
        list_id=f"{BASE}/trust-lists/test",
        sequence_number=sequence,
        issued_at=now - 60,
        next_update=now + 86_400,
        operator_name="Test operator",
        entities=[trust_list.issuer_entry(i, n, v) for i, n, v in issuers],
    )
    return trust_list.sign_trust_list(document, key)
