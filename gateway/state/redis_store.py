"""The Redis store: state shared by every replica (``redis://host:port/db`` or ``rediss://``).

One client per process (``redis.asyncio``); a claim is ``SET key value NX PX ttl``,
atomic on the server. Expiry is Redis's own. Leases and log appends are small Lua
scripts, so each is one atomic step on the server whatever the number of replicas.
A log is a stream whose entry ids are ``0-N``, N from a counter incremented in the
same script: ids are plain integers, ordered as the entries were appended.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any, cast, overload

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.state.base import redact_url, unavailable

CONNECT_TIMEOUT_S = 5.0

HOLD = """
local held = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if (not current) or current == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held
"""
RELEASE = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0
"""
APPEND = """
local id = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], '0-' .. id, 'b', ARGV[1], 't', ARGV[2])
return id
"""


class RedisStore:
    def __init__(self, url: str, *, prefix: str = "job-gateway:") -> None:
        self.url = redact_url(url)
        self._prefix = prefix
        self._client = aioredis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S
        )
        self._hold = self._client.register_script(HOLD)
        self._release = self._client.register_script(RELEASE)
        self._append = self._client.register_script(APPEND)

    async def open(self) -> None:
        await self.check()

    async def aclose(self) -> None:
        await self._client.aclose()

    @contextlib.contextmanager
    def _answering(self, failure: str = "failed") -> Iterator[None]:
        """Every Redis or socket error as ``StateUnavailable`` naming the store (or the cancellation it hid)."""
        try:
            yield
        except (RedisError, OSError) as exc:
            raise unavailable(f"state store {self.url} {failure}: {exc}") from None

    def _stream(self, log: str) -> str:
        return f"{self._prefix}log:{log}"

    async def check(self) -> None:
        with self._answering("is unreachable"):
            await self._client.ping()

    async def get(self, key: str) -> bytes | None:
        with self._answering():
            value = await self._client.get(self._prefix + key)
        return None if value is None else _bytes(value)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        with self._answering():
            values = await self._client.mget([self._prefix + key for key in keys])
        return [None if v is None else _bytes(v) for v in values]

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        with self._answering():
            await self._client.set(self._prefix + key, value, px=_ms(ttl_s))

    async def claim(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        with self._answering():
            return bool(await self._client.set(self._prefix + key, value, nx=True, px=_ms(ttl_s)))

    async def delete(self, key: str) -> None:
        with self._answering():
            await self._client.delete(self._prefix + key)

    async def hold(self, keys: Sequence[str], owner: bytes, *, ttl_s: float) -> list[bool]:
        if not keys:
            return []
        with self._answering():
            held = await self._hold(keys=[self._prefix + key for key in keys], args=[owner, _ms(ttl_s)])
        return [bool(flag) for flag in cast(list[int], held)]

    async def release(self, keys: Sequence[str], owner: bytes) -> None:
        if not keys:
            return
        with self._answering():
            await self._release(keys=[self._prefix + key for key in keys], args=[owner])

    async def append(self, log: str, body: bytes) -> int:
        keys = [f"{self._prefix}log-id:{log}", self._stream(log)]
        with self._answering():
            return int(cast(int, await self._append(keys=keys, args=[body, repr(time.time())])))

    async def read_after(self, log: str, after: int, *, limit: int, wait_s: float = 0.0) -> list[tuple[int, bytes]]:
        # BLOCK 0 would wait for ever; the socket timeout bounds how long one wait may be.
        block = min(int(wait_s * 1000), int(CONNECT_TIMEOUT_S * 500)) or None
        with self._answering():
            found: Any = await self._client.xread({self._stream(log): f"0-{after}"}, count=limit, block=block)
        return [
            (_entry_id(entry_id), bytes(fields[b"b"])) for _, entries in found or () for entry_id, fields in entries
        ]

    async def trim(self, log: str, *, keep: int, max_age_s: float) -> None:
        stream = self._stream(log)
        cutoff = time.time() - max_age_s
        with self._answering():
            await self._client.xtrim(stream, maxlen=keep, approximate=False)
            # Entry ids are counters, not times: find the first young entry by its recorded time.
            while True:
                oldest: Any = await self._client.xrange(stream, count=100)
                old = [entry_id for entry_id, fields in oldest if float(fields[b"t"]) < cutoff]
                if not old:
                    return
                await self._client.xtrim(stream, minid=f"0-{_entry_id(old[-1]) + 1}", approximate=False)
                if len(old) < len(oldest):
                    return


def _bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _entry_id(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.partition("-")[2])


@overload
def _ms(ttl_s: float) -> int: ...
@overload
def _ms(ttl_s: None) -> None: ...
def _ms(ttl_s: float | None) -> int | None:
    return None if ttl_s is None else max(1, int(ttl_s * 1000))
