"""Fixtures for the verifier's suites: the one-process app of ``tests.e2e`` (issuer, wallet
and verifier in one app, outbound HTTP routed back into it), with a switch to make paths of
that outbound HTTP fail, and a tenant set up with a trust list naming one issuer.

The verifier's caches (issuer keys, status lists, parsed trust lists) live for the process;
every test starts and ends with them empty, so one test's issuer keys never meet another's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from core import jose
from core.clock import FixedClock
from core.runtime import Runtime
from tests.e2e.conftest import (  # noqa: F401  (fixtures)
    BASE,
    client,
    one_process_app,
    operator_key,
)
from tests.verifier.support import Roles, setup_roles


def _forget_caches() -> None:
    from core import trustlists
    from verifier import resolution
    from wallet.service import receiving

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
    def gated(app: ASGIApp) -> httpx.Client:
        async def gate(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                outbound.append(scope["path"])
            if scope["type"] == "http" and any(scope["path"].startswith(p) for p in outage):
                await Response("unavailable", status_code=503)(scope, receive, send)
                return
            await app(scope, receive, send)

        return TestClient(gate, base_url=BASE)

    return one_process_app(runtime, tmp_path, gated)


@pytest.fixture
def roles(client: TestClient, operator_key: jose.PrivateKey, clock: FixedClock) -> Roles:  # noqa: F811
    """An issuer, and a verifier whose trust list names it for the skill credential."""
    return setup_roles(client, operator_key, clock)
