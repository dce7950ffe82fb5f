"""The Redis store: state shared by every replica (``redis://host:port/db`` or ``rediss://``).

One client per process (``redis.asyncio``); a claim is ``SET key value NX PX ttl``,
atomic on the server. Expiry is Redis's own.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.state.base import StateUnavailable, redact_url

CONNECT_TIMEOUT_S = 5.0


class RedisStore:
    def __init__(self, url: str, *, prefix: str = "job-gateway:") -> None:
        self.url = redact_url(url)
        self._prefix = prefix
        self._client = aioredis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S
        )

    async def open(self) -> None:
        await self.check()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def check(self) -> None:
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise StateUnavailable(f"state store {self.url} is unreachable: {exc}") from None

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._client.get(self._prefix + key)
        except (RedisError, OSError) as exc:
            raise StateUnavailable(f"state store {self.url} failed: {exc}") from None
        if value is None:
            return None
        return value.encode() if isinstance(value, str) else bytes(value)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            values = await self._client.mget([self._prefix + key for key in keys])
        except (RedisError, OSError) as exc:
            raise StateUnavailable(f"state store {self.url} failed: {exc}") from None
        return [None if v is None else (v.encode() if isinstance(v, str) else bytes(v)) for v in values]

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        try:
            await self._client.set(self._prefix + key, value, px=_ms(ttl_s))
        except (RedisError, OSError) as exc:
            raise StateUnavailable(f"state store {self.url} failed: {exc}") from None

    async def claim(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        try:
            return bool(await self._client.set(self._prefix + key, value, nx=True, px=_ms(ttl_s)))
        except (RedisError, OSError) as exc:
            raise StateUnavailable(f"state store {self.url} failed: {exc}") from None

    async def delete(self, key: str) -> None:
        try:
            await self._client.delete(self._prefix + key)
        except (RedisError, OSError) as exc:
            raise StateUnavailable(f"state store {self.url} failed: {exc}") from None


def _ms(ttl_s: float | None) -> int | None:
    return None if ttl_s is None else max(1, int(ttl_s * 1000))
