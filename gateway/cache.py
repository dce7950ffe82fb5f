"""Bounded TTL caches for records that change slowly (job types) or never again (final jobs).

Every key starts with the credential scope of the adapter that fetched the
record, so two configurations (tenants, keys) never share an entry.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from cachetools import TTLCache


class RecordCache:
    def __init__(self, *, maxsize: int = 20_000, final_ttl_s: float = 300.0, type_ttl_s: float = 60.0) -> None:
        self._final: TTLCache[Hashable, Any] = TTLCache(maxsize=maxsize, ttl=final_ttl_s)
        self._types: TTLCache[Hashable, Any] = TTLCache(maxsize=maxsize // 4 or 1, ttl=type_ttl_s)
        self.hits = 0
        self.misses = 0

    def _table(self, kind: str) -> TTLCache[Hashable, Any]:
        return self._types if kind == "job_type" else self._final

    def get(self, kind: str, key: Hashable) -> Any | None:
        # One lookup: TTLCache.get asks ``in`` and then ``[]``, each checking the entry's expiry
        # (a page of jobs asks here once per job type it shows).
        try:
            value = self._table(kind)[(kind, key)]
        except KeyError:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, kind: str, key: Hashable, value: Any) -> None:
        self._table(kind)[(kind, key)] = value

    def evict(self, kind: str, key: Hashable) -> None:
        self._table(kind).pop((kind, key), None)

    def clear(self) -> None:
        self._final.clear()
        self._types.clear()
