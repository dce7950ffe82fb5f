"""Per-source spaces of the state store: what an adapter remembers, kept where the gateway keeps its state."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.state.base import StateStore


class StoreMemory:
    """A ``SourceMemory`` (adapters/base.py) over ``store``, every key under ``prefix``."""

    def __init__(self, store: StateStore, prefix: str) -> None:
        self._store = store
        self._prefix = prefix

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return await self._store.get_many([self._prefix + key for key in keys])

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        await self._store.set(self._prefix + key, value, ttl_s=ttl_s)
