from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from core.clock import FixedClock
from core.runtime import Runtime
from intyg.app import create_app
from tests.helpers import create_issuer
from tests.issuer.support import Protocol


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), base_url="http://localhost:8000") as client:
        yield client


@pytest.fixture
def issuer(client: TestClient) -> dict[str, str]:
    return create_issuer(client)


@pytest.fixture
def issuer_auth(issuer: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer['api_key']}"}


@pytest.fixture
def protocol(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str], clock: FixedClock
) -> Protocol:
    return Protocol(client, issuer["slug"], issuer["issuer"], issuer_auth, clock)


@pytest.fixture
def client_with(runtime: Runtime) -> Iterator[Callable[..., TestClient]]:
    """Another app on the same database and clock, with some settings changed
    (e.g. ``require_dpop=True`` or ``admin_token=None``)."""
    with ExitStack() as stack:

        def make(**changes: object) -> TestClient:
            settings = runtime.settings.model_copy(update=changes)
            app = create_app(runtime=dataclasses.replace(runtime, settings=settings))
            return stack.enter_context(TestClient(app, base_url="http://localhost:8000"))

        yield make
