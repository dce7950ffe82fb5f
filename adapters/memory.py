"""The in-process ``SourceMemory``: what an adapter remembers when no state store is attached.

Bounded and expiring like the store would be, but gone with the process: adapters
start with one and the gateway swaps in a space of its state store (``use_memory``).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence


class LocalMemory:
    def __init__(self, max_keys: int = 10_000) -> None:
        self._max_keys = max_keys
        self._values: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        now = time.time()
        found: list[bytes | None] = []
        for key in keys:
            entry = self._values.get(key)
            found.append(entry[0] if entry is not None and (entry[1] is None or entry[1] > now) else None)
        return found

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        self._values[key] = (value, None if ttl_s is None else time.time() + ttl_s)
        self._values.move_to_end(key)
        while len(self._values) > self._max_keys:
            self._values.popitem(last=False)
