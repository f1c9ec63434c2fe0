"""A small in-process cache: least recently used entries go first, and one key is computed once.

Callers key their entries by what the value was computed from (the database and its data
version, see ``core.db.data_version``), so an entry is never stale: a new version is a new key
and the old entries age out. When many requests miss the same key at once (a cold worker under
load), one computes and the others wait for its result instead of repeating the work.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class LruCache(Generic[T]):
    """Thread-safe LRU with single-flight computation of a missing key.

    ``size``: the number of entries kept, or a function giving it (a setting read at each
    insertion, so a changed bound holds from the next entry on)."""

    def __init__(self, size: int | Callable[[], int]) -> None:
        self._size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size() if callable(self._size) else self._size

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return value

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        try:
            with building:  # the first caller computes; the others wait here for its result
                value = self.get(key)
                if value is None:
                    value = compute()
                    with self._lock:
                        self.misses += 1
                        self._entries[key] = value
                        size = self.size
                        while len(self._entries) > size:
                            self._entries.popitem(last=False)
        finally:
            with self._lock:
                if self._building.get(key) is building:
                    del self._building[key]
        return value

    def resize(self, size: int) -> None:
        """Keep at most ``size`` entries from now on (the oldest go first)."""
        with self._lock:
            self._size = max(0, int(size))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)
