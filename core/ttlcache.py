"""A bounded map whose entries expire: the one building block of ``core.caches.Caches``."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """At most ``max_entries`` entries, each until its ``expires_at`` (in the caller's time
    base: the runtime clock, or ``time.monotonic``). When full, the oldest entry goes.

    Reads take no lock (a dict lookup is atomic); writes do, so that eviction and insertion
    from two threads cannot interleave."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._loading: dict[K, threading.Lock] = {}

    def get(self, key: K, now: float = 0) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now:
            return None
        return entry[1]

    def get_or_load(self, key: K, now: float, load: Callable[[], tuple[V, float]]) -> V:
        """The entry for ``key``, else ``load()``'s value, kept until the expiry it returns.

        One load per key at a time: when a fetched document expires under load, the other
        threads that miss wait for that one fetch instead of each fetching it (a stampede on
        the issuer, or on this very server when it fetches from itself). If the load fails,
        its waiters try in turn."""
        value = self.get(key, now)
        if value is not None:
            return value
        with self._lock:
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:
            value = self.get(key, now)
            if value is not None:
                return value
            try:
                value, expires_at = load()
                self.put(key, value, expires_at)
                return value
            finally:
                with self._lock:
                    if self._loading.get(key) is loading:
                        del self._loading[key]

    def put(self, key: K, value: V, expires_at: float = math.inf) -> None:
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (expires_at, value)

    def pop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
