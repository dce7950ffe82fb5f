"""The in-process store: state for one process that does not outlive it (unit tests, in-process apps)."""

from __future__ import annotations

import time
from collections.abc import Sequence


class MemoryStore:
    url = "memory://"

    def __init__(self) -> None:
        self._values: dict[str, tuple[bytes, float | None]] = {}

    async def open(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def check(self) -> None:
        return None

    def _live(self, key: str) -> bytes | None:
        found = self._values.get(key)
        if found is None:
            return None
        value, expires = found
        if expires is not None and expires <= time.time():
            del self._values[key]
            return None
        return value

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self._live(key) for key in keys]

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        self._values[key] = (value, None if ttl_s is None else time.time() + ttl_s)

    async def claim(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        await self.set(key, value, ttl_s=ttl_s)
        return True

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)
