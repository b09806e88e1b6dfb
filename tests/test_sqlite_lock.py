"""The SQLite writer lock (``core.sqlite_lock``): writers take turns across threads and
processes, a waiter wakes when the holder ends, a dead holder frees it, and a wait that
never ends gives up as ``database_unavailable``. SQLite only: the lock is SQLite's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core import sqlite_lock
from core.db import DatabaseUnavailable, create_db_engine, session_scope


@pytest.fixture
def db(tmp_path: Path) -> tuple[Engine, Path]:
    path = tmp_path / "lock.db"
    engine = create_db_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    return engine, path


def counter(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.execute(text("SELECT n FROM counter")).scalar_one())


def increment(engine: Engine) -> None:
    """Read, then write in the same transaction: a lost update if two ran interleaved."""
    with session_scope(engine) as session:
        n = session.execute(text("SELECT n FROM counter")).scalar_one()
        session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        session.commit()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import text
    from core.db import create_db_engine
    engine = create_db_engine(sys.argv[1])
    with engine.connect() as connection:
        connection.execute(text("SELECT n FROM counter"))  # begins: takes the writer lock
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
        connection.commit()
    print("released", flush=True)
    """
)


@pytest.fixture
def holders() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for holder in started:
        holder.kill()
        holder.wait(timeout=10)
        assert holder.stdout is not None
        holder.stdout.close()


def hold_in_another_process(
    holders: list[subprocess.Popen[str]], path: Path, seconds: float
) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, f"sqlite:///{path}", str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    holders.append(holder)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_threads_take_turns_and_lose_no_update(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    threads = [
        threading.Thread(target=lambda: [increment(engine) for _ in range(25)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter(engine) == 200


def test_a_writer_waits_for_another_process_and_goes_on_when_it_ends(
    db: tuple[Engine, Path], holders: list[subprocess.Popen[str]]
) -> None:
    engine, path = db
    holder = hold_in_another_process(holders, path, 0.6)
    started = time.monotonic()
    increment(engine)
    waited = time.monotonic() - started
    assert holder.wait(timeout=10) == 0
    assert 0.3 < waited < 5
    assert counter(engine) == 1


def test_a_holder_killed_with_sigkill_frees_the_lock(
    db: tuple[Engine, Path], holders: list[subprocess.Popen[str]]
) -> None:
    engine, path = db
    holder = hold_in_another_process(holders, path, 600)
    holder.kill()
    holder.wait(timeout=10)
    started = time.monotonic()
    increment(engine)
    assert time.monotonic() - started < 5
    assert counter(engine) == 1


def test_a_wait_that_does_not_end_is_database_unavailable(
    db: tuple[Engine, Path],
    holders: list[subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine, path = db
    monkeypatch.setattr(sqlite_lock, "WAIT_SECONDS", 0.3)
    holder = hold_in_another_process(holders, path, 600)
    with pytest.raises(DatabaseUnavailable):
        increment(engine)
    holder.kill()
    holder.wait(timeout=10)
    increment(engine)  # the failed wait left nothing held in this process
    assert counter(engine) == 1


def test_rollback_and_a_failing_statement_give_the_lock_back(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    with session_scope(engine) as session:
        session.execute(text("UPDATE counter SET n = 41"))
        session.rollback()
    with pytest.raises(DatabaseUnavailable), session_scope(engine) as session:
        session.execute(text("SELECT no_such_column FROM counter"))
    done = threading.Event()
    threading.Thread(target=lambda: (increment(engine), done.set())).start()
    assert done.wait(timeout=5), "another thread could not take the lock"
    assert counter(engine) == 1


def test_an_unusable_lock_file_is_database_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "blocked.db"
    (tmp_path / "blocked.db.writer-lock").mkdir()  # not a file: cannot be opened as one
    engine = create_db_engine(f"sqlite:///{path}")
    with pytest.raises(DatabaseUnavailable), session_scope(engine) as session:
        session.execute(text("SELECT 1"))


def test_one_lock_per_file_however_it_is_named(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    direct = sqlite_lock.writer_lock(str(tmp_path / "x.db"))
    assert sqlite_lock.writer_lock(str(tmp_path / "sub" / ".." / "x.db")) is direct
    assert sqlite_lock.writer_lock(str(tmp_path / "y.db")) is not direct


def test_an_in_memory_database_needs_no_lock() -> None:
    engine = create_db_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
        assert connection.connection.dbapi_connection.writer is None  # type: ignore[union-attr]


def test_a_read_only_session_reads_while_a_writer_holds_the_lock(db: tuple[Engine, Path]) -> None:
    engine, _path = db
    with session_scope(engine) as writer:
        writer.execute(text("UPDATE counter SET n = 5"))  # holds the writer lock, uncommitted
        started = time.monotonic()
        with session_scope(engine, read_only=True) as reader:
            assert reader.execute(text("SELECT n FROM counter")).scalar_one() == 0
        assert time.monotonic() - started < 1  # it did not queue behind the writer
        writer.commit()
    with session_scope(engine, read_only=True) as reader:
        assert reader.execute(text("SELECT n FROM counter")).scalar_one() == 5


def test_a_read_only_session_refuses_to_write_and_the_next_writer_may(
    db: tuple[Engine, Path],
) -> None:
    engine, _path = db
    with pytest.raises(DatabaseUnavailable), session_scope(engine, read_only=True) as reader:
        reader.execute(text("UPDATE counter SET n = 9"))
    increment(engine)  # the pooled connection is writable again for a normal session
    assert counter(engine) == 1
