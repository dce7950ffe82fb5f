"""The in-process ``SourceMemory``: what an adapter remembers when no state store is attached.

Bounded and expiring like the store would be, but gone with the process: adapters
start with one and the gateway swaps in a space of its state store (``use_memory``).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.base import SourceMemory

KEPT_INPUTS_S = 30 * 86_400.0
"""How long the input of a job submitted through the gateway is kept for a rerun."""


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


class KeptInputs:
    """The parameters each job was submitted with, by job id, for upstreams that never echo them.

    A rerun sends them again (WordLift's options such as ``skip_validation``); ``memory`` is
    swapped for the gateway's state store by the adapter's ``use_memory``.
    """

    def __init__(self, memory: SourceMemory | None = None, *, ttl_s: float = KEPT_INPUTS_S) -> None:
        self.memory: SourceMemory = memory if memory is not None else LocalMemory()
        self._ttl_s = ttl_s

    async def keep(self, job_id: str, params: Mapping[str, Any]) -> None:
        await self.memory.set(f"input:{job_id}", json.dumps(dict(params)).encode(), ttl_s=self._ttl_s)

    async def recall(self, job_id: str) -> dict[str, Any] | None:
        (found,) = await self.memory.get_many([f"input:{job_id}"])
        return None if found is None else dict(json.loads(found))
