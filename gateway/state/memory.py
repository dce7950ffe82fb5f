"""The in-process store: state for one process that does not outlive it (unit tests, in-process apps)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class _Log:
    entries: deque[tuple[int, float, bytes]] = field(default_factory=deque)
    last_id: int = 0
    appended: asyncio.Event = field(default_factory=asyncio.Event)


class MemoryStore:
    url = "memory://"

    def __init__(self) -> None:
        self._values: dict[str, tuple[bytes, float | None]] = {}
        self._logs: dict[str, _Log] = {}

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

    async def hold(self, keys: Sequence[str], owner: bytes, *, ttl_s: float) -> list[bool]:
        held = []
        for key in keys:
            current = self._live(key)
            if current is None or current == owner:
                await self.set(key, owner, ttl_s=ttl_s)
            held.append(current is None or current == owner)
        return held

    async def release(self, keys: Sequence[str], owner: bytes) -> None:
        for key in keys:
            if self._live(key) == owner:
                del self._values[key]

    async def append(self, log: str, body: bytes) -> int:
        found = self._logs.setdefault(log, _Log())
        found.last_id += 1
        found.entries.append((found.last_id, time.time(), body))
        found.appended.set()
        return found.last_id

    async def read_after(self, log: str, after: int, *, limit: int, wait_s: float = 0.0) -> list[tuple[int, bytes]]:
        found = self._logs.setdefault(log, _Log())
        if found.last_id <= after and wait_s > 0:
            found.appended.clear()
            try:
                async with asyncio.timeout(wait_s):
                    await found.appended.wait()
            except TimeoutError:
                return []
        picked = [(entry_id, body) for entry_id, _, body in found.entries if entry_id > after]
        return picked[:limit]

    async def trim(self, log: str, *, keep: int, max_age_s: float) -> None:
        found = self._logs.get(log)
        if found is None:
            return
        cutoff = time.time() - max_age_s
        while found.entries and (len(found.entries) > keep or found.entries[0][1] < cutoff):
            found.entries.popleft()
