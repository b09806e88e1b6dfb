"""core.ttlcache.TtlCache: the bounded, expiring map every runtime cache is made of."""

from __future__ import annotations

import threading

import pytest

from core.ttlcache import TtlCache


def test_an_entry_answers_until_it_expires() -> None:
    cache: TtlCache[str, int] = TtlCache(4)
    cache.put("a", 1, expires_at=100)
    assert cache.get("a", now=99) == 1
    assert cache.get("a", now=100) is None


def test_a_full_cache_drops_its_oldest_entry() -> None:
    cache: TtlCache[str, int] = TtlCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, 2, 3)
    assert len(cache) == 2


def test_get_or_load_loads_once_while_many_threads_miss() -> None:
    cache: TtlCache[str, int] = TtlCache(4)
    loads = 0
    started = threading.Event()
    release = threading.Event()

    def load() -> tuple[int, float]:
        nonlocal loads
        loads += 1
        started.set()
        release.wait(5)
        return 42, 100.0

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_load("k", 0, load)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    assert started.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert results == [42] * 8
    assert loads == 1
    assert cache.get("k", 99) == 42 and cache.get("k", 100) is None


def test_get_or_load_after_a_failed_load_the_next_caller_loads_again() -> None:
    cache: TtlCache[str, int] = TtlCache(4)

    def failing() -> tuple[int, float]:
        raise OSError("unreachable")

    with pytest.raises(OSError):
        cache.get_or_load("k", 0, failing)
    assert cache.get_or_load("k", 0, lambda: (7, 10.0)) == 7
