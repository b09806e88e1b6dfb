"""Engines and sessions: SQLite (WAL) by default, PostgreSQL in production.

Created by the composition root from ``Settings``; nothing here runs at import time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Table, event
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

from core import sqlite_lock
from core.errors import ServiceUnavailable


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    title = "The database is not reachable"


CONNECT_TIMEOUT = 3  # seconds (libpq's connect_timeout)


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": 30,
                "factory": sqlite_lock.LockingConnection,
            },
            pool_size=20,
            hide_parameters=True,
        )
        writer = _writer_lock_for(parsed.database)
        event.listen(engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, writer))
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # When PostgreSQL is down, fail within seconds (503 database_unavailable) rather than
    # hang: a dead pooled connection is noticed at checkout (pre-ping) and replaced once the
    # database is back; a new connection gives up after CONNECT_TIMEOUT; a request waits at
    # most pool_timeout for a free connection.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=5,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
        hide_parameters=True,
    )


def _writer_lock_for(database: str | None) -> sqlite_lock.WriterLock | None:
    """A file database's writer lock; an in-memory one is private to its connection."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return sqlite_lock.writer_lock(database)


def _sqlite_pragmas(
    dbapi_connection: sqlite_lock.LockingConnection, writer: sqlite_lock.WriterLock | None
) -> None:
    dbapi_connection.writer = writer
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Connection) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write.

    A deferred transaction that reads, then writes after another connection committed,
    fails at once with SQLITE_BUSY (its WAL snapshot is stale); an immediate one waits its
    turn instead. Transactions are short, so serialising them costs little; the writer lock
    (``core.sqlite_lock``) makes the waits end as soon as the lock is free.
    """
    dbapi_connection = connection.connection.dbapi_connection
    assert isinstance(dbapi_connection, sqlite_lock.LockingConnection)
    if connection.get_execution_options().get(READ_ONLY):
        dbapi_connection.begin_read()
        return
    try:
        dbapi_connection.begin("BEGIN IMMEDIATE")  # after taking the writer lock
    except sqlite3.OperationalError:  # waited WAIT_SECONDS for the lock, or SQLite gave up
        raise DatabaseUnavailable("the database stayed locked; try again") from None


def before_network_call(session: Session) -> None:
    """End the current transaction before waiting on another party over the network.

    A transaction holds SQLite's write lock (see above), and on any engine a transaction left
    open across a remote call ties up a connection for as long as the remote party takes.
    Sessions do not expire on commit, so loaded objects stay usable afterwards.
    """
    session.commit()


READ_ONLY = "intyg_read_only"


@contextmanager
def write_scope(engine: Engine) -> Iterator[Connection]:
    """One short write transaction on a plain connection, committed when the block ends
    (rolled back if it raises): for a hot path's single statement, without a session's
    unit-of-work bookkeeping."""
    try:
        with engine.begin() as connection:
            yield connection
    except (OperationalError, DBAPIError) as exc:
        if exc.connection_invalidated or isinstance(exc, OperationalError):
            raise DatabaseUnavailable() from None
        raise


def conflict_insert(dialect: str, table: Table) -> SqliteInsert | PostgresqlInsert:
    """``INSERT`` with ``ON CONFLICT`` clauses, for the engine named ``dialect`` (the only
    two Intyg runs on)."""
    return sqlite_insert(table) if dialect == "sqlite" else postgresql_insert(table)


def insert_new(connection: Connection, table: Table, values: Mapping[str, object]) -> bool:
    """Insert one row unless its primary or a unique key is taken; ``True`` if inserted.

    ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL): one statement and no
    savepoint, and the transaction stays usable either way."""
    statement = conflict_insert(connection.dialect.name, table).values(dict(values))
    statement = statement.on_conflict_do_nothing()
    # RETURNING rather than rowcount, which psycopg does not report as 1 here.
    key = next(iter(table.primary_key.columns))
    return connection.execute(statement.returning(key)).first() is not None


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """A session whose work is rolled back unless the caller commits.

    ``read_only`` sessions are for lookups on hot paths: on SQLite their transactions begin
    deferred and refuse writes (``PRAGMA query_only``), so they read the last committed state
    without queueing for the writer lock; on PostgreSQL nothing changes.
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    session = Session(bind, expire_on_commit=False)
    try:
        yield session
    except (OperationalError, DBAPIError) as exc:
        session.rollback()
        if exc.connection_invalidated or isinstance(exc, OperationalError):
            raise DatabaseUnavailable() from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
