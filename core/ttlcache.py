"""A bounded map whose entries expire: the one building block of ``core.caches.Caches``."""

from __future__ import annotations

import math
import threading
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

    def get(self, key: K, now: float = 0) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now:
            return None
        return entry[1]

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
