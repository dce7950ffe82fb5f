"""``IdentityMemo``: what the schema built from an object, kept while that object is served again.

The freshness window and the record caches hand the same record objects to every
request they serve; what the schema makes of them (a ``Job`` node per job of a page,
its rendered fields) need not be made again for each request. Entries are found by
the object's identity: records hold unhashable upstream bodies, and where equal
records are rare, identical ones are common.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class IdentityMemo(Generic[K, V]):
    """A value per key object, for the last ``size`` to ``2 * size`` keys stored or found.

    Two generations: a key found in the older one moves to the newer; when the newer is
    full it becomes the older, and the older is dropped whole. A bound in count, without
    an LRU's bookkeeping on every hit. Each entry holds its key, so while it lives no
    other object can have that key's id.
    """

    __slots__ = ("_new", "_old", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._new: dict[int, tuple[K, V]] = {}
        self._old: dict[int, tuple[K, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._new.get(id(key))
        if entry is None:
            entry = self._old.pop(id(key), None)
            if entry is None:
                return None
            self._store(entry)
        return entry[1]

    def put(self, key: K, value: V) -> None:
        self._store((key, value))

    def _store(self, entry: tuple[K, V]) -> None:
        if len(self._new) >= self._size:
            self._old, self._new = self._new, {}
        self._new[id(entry[0])] = entry

    def __len__(self) -> int:
        return len(self._new) + len(self._old)
