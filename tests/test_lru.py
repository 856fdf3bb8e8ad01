"""The least-recently-used map the store's records and the assistant's readings of turns are kept in."""

from __future__ import annotations

from qa.lru import LeastRecentlyUsed


def test_putting_one_more_than_the_size_drops_the_entry_used_longest_ago() -> None:
    cache: LeastRecentlyUsed[str, bool] = LeastRecentlyUsed(2)
    cache.put("a", True)
    cache.put("b", False)
    assert cache.get("a") is True  # read: "b" is now the one used longest ago
    cache.put("c", True)
    assert cache.get("b") is None
    assert cache.get("a") is True and cache.get("c") is True


def test_putting_a_key_again_replaces_its_value_and_keeps_the_size() -> None:
    cache: LeastRecentlyUsed[str, int] = LeastRecentlyUsed(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)
    cache.put("c", 4)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (3, None, 4)
