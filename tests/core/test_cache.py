"""The in-process LRU cache: least recently used out first, one computation per key at a time."""

from __future__ import annotations

import threading
import time

import pytest

from yuanqu.core.cache import LruCache


class TestLruCache:
    def test_least_recently_used_goes_first(self) -> None:
        cache: LruCache[int] = LruCache(2)
        cache.get_or_compute("a", lambda: 1)
        cache.get_or_compute("b", lambda: 2)
        assert cache.get("a") == 1  # a is now the most recent
        cache.get_or_compute("c", lambda: 3)
        assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3

    def test_concurrent_misses_of_one_key_compute_once(self) -> None:
        cache: LruCache[int] = LruCache(8)
        calls: list[int] = []

        def slow() -> int:
            calls.append(1)
            time.sleep(0.2)
            return 42

        results: list[int] = []
        threads = [
            threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [42] * 8 and len(calls) == 1

    def test_a_failed_computation_is_not_kept(self) -> None:
        cache: LruCache[int] = LruCache(8)

        def broken() -> int:
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            cache.get_or_compute("k", broken)
        assert cache.get("k") is None
        assert cache.get_or_compute("k", lambda: 7) == 7

    def test_zero_is_a_value(self) -> None:
        cache: LruCache[int] = LruCache(8)
        assert cache.get_or_compute("k", lambda: 0) == 0
        assert cache.get_or_compute("k", lambda: 1) == 0

    def test_a_size_given_as_a_function_is_read_at_each_insertion(self) -> None:
        bound = [3]
        cache: LruCache[int] = LruCache(lambda: bound[0])
        for key in "abc":
            cache.get_or_compute(key, lambda: 1)
        assert len(cache) == 3
        bound[0] = 1
        cache.get_or_compute("d", lambda: 4)
        assert len(cache) == 1
        assert cache.get("d") == 4
