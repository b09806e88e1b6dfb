"""Shared fixtures: one migrated database per test session, emptied after every test.

The database is a fresh SQLite file, or PostgreSQL when ``INTYG_TEST_DATABASE_URL`` is set
(``./run-tests`` does that when ``INTYG_TEST_POSTGRES_URL`` is set). In CI (``CI`` set), an
unreachable PostgreSQL fails the run: it is never skipped.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from core.clock import FixedClock
from core.config import Settings
from core.db import create_db_engine
from core.runtime import Runtime
from intyg import migrate
from intyg.runtime import load_master_key

FIXED_NOW = 1_790_000_000  # 2026-09-21T12:53:20Z


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the test database (the PostgreSQL pass of ./run-tests: "
        "the SQLite pass has run the rest, which would run the same code again)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    uses_database = [item for item in items if "database_url" in item.fixturenames]
    others = [item for item in items if "database_url" not in item.fixturenames]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = uses_database


def worker_database(url: str) -> str:
    """Under pytest-xdist, each worker's own PostgreSQL database beside ``url`` (created if new)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    server = make_url(url).set(drivername="postgresql")
    name = f"{server.database}_{worker}"
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as admin:
        known = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not known:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.set(database=name).render_as_string(hide_password=False)


def new_master_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("INTYG_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'intyg-test.db'}"
    if is_postgres(url):
        probe = create_db_engine(url)
        try:
            with probe.connect():
                pass
        except OperationalError as exc:
            reason = f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc.orig}"
            if os.environ.get("CI"):
                pytest.fail(reason, pytrace=False)
            pytest.skip(reason)
        finally:
            probe.dispose()
        return worker_database(url)
    return url


def drop_everything(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        return
    reflected = MetaData()
    reflected.reflect(engine)
    reflected.drop_all(engine)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    drop_everything(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def clean_db(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the database, delete every row (children before parents)."""
    if "engine" not in request.fixturenames:
        yield
        return
    engine: Engine = request.getfixturevalue("engine")
    yield
    with engine.begin() as connection:
        for table in reversed(migrate.target_metadata().sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def master_key_text() -> str:
    return new_master_key_text()


@pytest.fixture
def settings(database_url: str, master_key_text: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        issuer_ca_dir=tmp_path / "issuer-ca",  # sealed under this test's master key
        wallet_provider_dir=tmp_path / "wallet-provider",
        public_url="http://localhost:8000",
        admin_token="test-admin-token",
        master_key=master_key_text,
        development=True,
        # In-process fetches share two loaded cores with the rest of the suite; the deadline
        # itself is tested with its own short value (tests/attacks/test_slow_servers.py).
        fetch_timeout_seconds=60.0,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def runtime(settings: Settings, engine: Engine, clock: FixedClock) -> Runtime:
    return Runtime(
        settings=settings.checked(),
        engine=engine,
        clock=clock,
        master_key=load_master_key(settings),
    )


@pytest.fixture
def tmp_sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database of its own (for tests of migrating and refusing)."""
    return f"sqlite:///{tmp_path / 'empty.db'}"
