"""Fixtures for the verifier's suites: the one-process app of ``tests.e2e`` (issuer, wallet
and verifier in one app, outbound HTTP routed back into it), with a switch to make paths of
that outbound HTTP fail, and a tenant set up with a trust list naming one issuer.

The verifier's caches (issuer keys, status lists, parsed trust lists) live for the process;
every test starts and ends with them empty, so one test's issuer keys never meet another's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from core import jose
from core.clock import FixedClock
from core.runtime import Runtime
from intyg.app import create_app
from tests.e2e.conftest import BASE, client, operator_key  # noqa: F401  (fixtures)
from tests.verifier.support import Roles, setup_roles


def _forget_caches() -> None:
    from core import trustlists
    from verifier import resolution
    from wallet import receiving

    resolution.ISSUER_KEYS._cache.clear()
    resolution.STATUS_LISTS.forget()
    trustlists.forget()
    receiving.ISSUER_KEYS._cache.clear()
    receiving.STATUS_LISTS.forget()


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    _forget_caches()
    yield
    _forget_caches()


@pytest.fixture
def outage() -> set[str]:
    """Path prefixes that the app's outbound HTTP finds unavailable (503)."""
    return set()


@pytest.fixture
def outbound() -> list[str]:
    """The paths that the app's outbound HTTP asked for, in order."""
    return []


@pytest.fixture
def app(
    runtime: Runtime,
    tmp_path: Path,
    operator_key: jose.PrivateKey,  # noqa: F811
    outage: set[str],
    outbound: list[str],
) -> FastAPI:
    holder: dict[str, FastAPI] = {}

    async def gate(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            outbound.append(scope["path"])
        if scope["type"] == "http" and any(scope["path"].startswith(p) for p in outage):
            await Response("unavailable", status_code=503)(scope, receive, send)
            return
        await holder["app"](scope, receive, send)

    def in_process_client() -> httpx.Client:
        return TestClient(gate, base_url=BASE)

    settings = runtime.settings.model_copy(
        update={
            "verifier_ca_dir": tmp_path / "verifier-ca",
            "wallet_trust_anchors": tmp_path / "verifier-ca" / "ca.pem",
            "trust_list_operator_keys": tmp_path / "operator.jwks",
        }
    )
    application = create_app(
        runtime=dataclasses.replace(runtime, settings=settings, http=in_process_client)
    )
    holder["app"] = application
    return application


@pytest.fixture
def roles(client: TestClient, operator_key: jose.PrivateKey, clock: FixedClock) -> Roles:  # noqa: F811
    """An issuer, and a verifier whose trust list names it for the skill credential."""
    return setup_roles(client, operator_key, clock)
