"""One writer at a time on a SQLite database file, with waits that wake when the writer ends.

Every Intyg transaction on SQLite starts with ``BEGIN IMMEDIATE`` (see ``core.db``), so
transactions queue for SQLite's write lock. SQLite's own busy handler waits by sleeping
1, 2, 5, 10 … 100 ms between tries: under load the lock is mostly free while its waiters
sleep (measured: the machine half idle, 69 issuance flows/s). Here a transaction first takes

- a ``threading.Lock`` shared by the process's connections to that file, so threads hand the
  lock on to each other at once; then
- an advisory ``flock`` on ``<database>.writer-lock``, so the server's worker processes do
  the same. The kernel drops it when a process dies, even by SIGKILL.

and gives both back when the transaction commits or rolls back. SQLite's own lock and busy
timeout stay underneath for any process that does not take this lock (``sqlite3`` shell).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

WAIT_SECONDS = 30.0  # as long as SQLite's busy_timeout: then "database is locked"
# The file lock is polled by one thread per process, briefly: the other worker's transactions
# last a millisecond or so, and a longer sleep leaves the lock free while its waiter sleeps.
_POLL_MIN, _POLL_MAX = 0.00005, 0.0005


class WriterLock:
    """The writer lock of one database file, for this process."""

    def __init__(self, database_path: str) -> None:
        self._threads = threading.Lock()
        self._path = f"{database_path}.writer-lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        if not self._threads.acquire(timeout=WAIT_SECONDS):
            raise sqlite3.OperationalError("database is locked (writer lock)")
        try:
            self._acquire_file(deadline)
        except BaseException:
            self._threads.release()
            raise

    def _acquire_file(self, deadline: float) -> None:
        if self._fd is None:
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise sqlite3.OperationalError(f"the writer lock: {exc.strerror}") from None
        delay = _POLL_MIN
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked (writer lock)") from None
                time.sleep(delay)
                delay = min(delay * 2, _POLL_MAX)

    def release(self) -> None:
        assert self._fd is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


# Per process, not per runtime (``core.caches``): two engines on one file must queue on one lock.
_locks: dict[str, WriterLock] = {}
_locks_guard = threading.Lock()


def writer_lock(database_path: str) -> WriterLock:
    """The process's lock for ``database_path`` (one per file, however many engines)."""
    key = os.path.realpath(database_path)
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = WriterLock(key)
        return lock


class LockingConnection(sqlite3.Connection):
    """A pysqlite connection that gives the writer lock back when its transaction ends.

    ``begin`` is called where the transaction starts (``core.db``'s begin event); commit and
    rollback — from SQLAlchemy, the pool's reset, or a close — end it.
    """

    writer: WriterLock | None = None
    _holding = False
    _query_only = False

    def begin_read(self) -> None:
        """A deferred transaction that may only read: it takes no lock, so it neither waits
        for a writer nor holds one up (WAL readers see the last commit)."""
        self._set_query_only(True)
        self.execute("BEGIN")

    def begin(self, statement: str) -> None:
        self._set_query_only(False)
        if self.writer is not None and not self._holding:
            self.writer.acquire()
            self._holding = True
        try:
            self.execute(statement)
        except BaseException:
            self._release()
            raise

    def _set_query_only(self, on: bool) -> None:
        if self._query_only != on:
            self.execute(f"PRAGMA query_only = {int(on)}")
            self._query_only = on

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            assert self.writer is not None
            self.writer.release()
