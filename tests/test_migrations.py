"""The Alembic migrations build exactly the tables of the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from core.db import create_db_engine
from intyg import migrate
from tests.conftest import is_postgres


@pytest.fixture
def empty_engine(database_url: str, tmp_sqlite_url: str) -> Iterator[Engine]:
    """An empty database: a new SQLite file, or a new schema in the test PostgreSQL."""
    if not is_postgres(database_url):
        engine = create_db_engine(tmp_sqlite_url)
        yield engine
        engine.dispose()
        return
    schema = f"intyg_migration_test_{secrets.token_hex(4)}"
    admin = create_db_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = create_db_engine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, migrate.target_metadata()))


def test_upgrade_head_on_an_empty_database_builds_every_model_table(empty_engine: Engine) -> None:
    assert migrate.current_revision(empty_engine) is None
    assert migrate.current_revision(empty_engine) != migrate.head_revision()

    before, after = migrate.upgrade(empty_engine)

    assert (before, after) == (None, migrate.head_revision())
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(migrate.target_metadata().tables) <= tables
    assert schema_diff(empty_engine) == []


def test_upgrade_is_idempotent(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert migrate.upgrade(empty_engine) == (migrate.head_revision(), migrate.head_revision())


def test_downgrade_to_base_removes_every_table(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert migrate.current_revision(empty_engine) is None
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_session_database_is_at_head(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert schema_diff(engine) == []


def test_every_revision_is_known_and_single_headed() -> None:
    head = migrate.head_revision()
    assert migrate.is_known_revision(head)
    assert not migrate.is_known_revision("ffffffffffff")


def test_0004_backfills_wallet_sessions_last_seen_from_their_start(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0003")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO wallet_holder (id, username, password_hash, wrapped_data_key,"
                " sealed_pseudonym_secret, created_at) VALUES ('h', 'alva', 'x', :b, :b, 1)"
            ),
            {"b": b""},
        )
        connection.execute(
            text(
                "INSERT INTO wallet_session (token_hash, holder_id, created_at, expires_at)"
                " VALUES ('t', 'h', 1000, 44200)"
            )
        )
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as connection:
        seen = connection.execute(text("SELECT last_seen_at FROM wallet_session")).scalar_one()
    assert seen == 1000
    assert schema_diff(empty_engine) == []


def test_0008_0009_keep_earlier_verifiers_and_requests_on_x509_san_dns_and_direct_post(
    empty_engine: Engine,
) -> None:
    migrate.upgrade(empty_engine, "0007")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO verifier_tenant (id, slug, name, organisation_number, dns_name,"
                " api_key_hash, kid, sealed_private, certificate_chain, created_at)"
                " VALUES ('t', 'ag', 'AG AB', '5566778899', 'ag.example.se', 'h', 'k', :b,"
                " 'pem', 1)"
            ),
            {"b": b""},
        )
        connection.execute(
            text(
                "INSERT INTO verifier_request (id, tenant_id, state, nonce, status, dcql_query,"
                " purpose, request_object, created_at, expires_at)"
                " VALUES ('r', 't', 's', 'n', 'pending', '{}', 'p', 'jwt', 1, 2)"
            )
        )
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as connection:
        tenant = connection.execute(
            text("SELECT client_id_prefix, response_mode FROM verifier_tenant")
        ).one()
        request = connection.execute(
            text("SELECT client_id, response_mode, sealed_response_key FROM verifier_request")
        ).one()
    assert tuple(tenant) == ("x509_san_dns", "direct_post")
    assert tuple(request) == ("x509_san_dns:ag.example.se", "direct_post", None)
    assert schema_diff(empty_engine) == []
