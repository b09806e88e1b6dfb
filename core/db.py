"""Engines and sessions: SQLite (WAL) by default, PostgreSQL in production.

Created by the composition root from ``Settings``; nothing here runs at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

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
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
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


def _sqlite_pragmas(dbapi_connection: object, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see below).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Connection) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write.

    A deferred transaction that reads, then writes after another connection committed,
    fails at once with SQLITE_BUSY (its WAL snapshot is stale); an immediate one waits its
    turn (busy_timeout) instead. Transactions are short, so serialising them costs little.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def before_network_call(session: Session) -> None:
    """End the current transaction before waiting on another party over the network.

    A transaction holds SQLite's write lock (see above), and on any engine a transaction left
    open across a remote call ties up a connection for as long as the remote party takes.
    Sessions do not expire on commit, so loaded objects stay usable afterwards.
    """
    session.commit()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back unless the caller commits."""
    session = Session(engine, expire_on_commit=False)
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
