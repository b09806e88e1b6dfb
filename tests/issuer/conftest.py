from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.runtime import Runtime
from intyg.app import create_app
from tests.helpers import create_issuer


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
