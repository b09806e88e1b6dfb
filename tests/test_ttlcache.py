"""core.ttlcache.TtlCache: the bounded, expiring map every runtime cache is made of."""

from __future__ import annotations

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
