"""Tokens of the callback URLs the gateway hands to upstreams that push job changes.

Only when ``[gateway] public_base_url`` is configured (the upstream must be able
to reach us). Each job submitted through the gateway to a ``CallbackSource``
without a callback of the client's own gets a fresh random token in its URL
(``/webhooks/<source>/<token>``); a POST is accepted only for a known token and
only about the job that token was issued for, so a forged or replayed callback
for another job changes nothing. Tokens live in the state store (any replica can
take the callback, and a restart forgets none) and expire with the job's expected
lifetime.

A callback is a hint, never the truth: anyone who learns a URL can POST to it.
``CallbackReads`` turns an accepted callback into one fresh read of the job from
its upstream (through the adapter, past every cache) and publishes what the
upstream says, whatever the body claimed. One token triggers at most one read
per ``min_interval_s``; callbacks arriving meanwhile share one trailing read, so
a flood of POSTs never becomes a flood of upstream calls, and a genuine callback
sent just after a forged one is still read within that interval.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

from adapters.errors import UpstreamError
from adapters.model import NativeKey, Source
from gateway.cache import RecordCache
from gateway.events import JobRef
from gateway.live import Live
from gateway.state import StateStore
from gateway.upstreams import Upstreams

log = logging.getLogger("job_gateway.callbacks")


class CallbackTokens:
    """Tokens in the state store: a callback reaches whichever replica, and tokens outlive restarts."""

    def __init__(self, public_base_url: str, store: StateStore, *, ttl_s: float = 7 * 24 * 3600) -> None:
        self.base = public_base_url.rstrip("/")
        self._store = store
        self._ttl_s = ttl_s

    async def new_callback_url(self, source: Source) -> tuple[str, str]:
        token = secrets.token_urlsafe(24)
        # Known but unbound until the submit returns the job's id.
        await self._store.set(_token_key(token), b"[]", ttl_s=self._ttl_s)
        return token, f"{self.base}/webhooks/{source.value.lower()}/{token}"

    async def _jobs(self, token: str) -> list[str] | None:
        """The jobs a token speaks for (more than one only through reruns); ``None`` for an unknown token."""
        found = await self._store.get(_token_key(token))
        return None if found is None else list(json.loads(found))

    async def bind(self, token: str, native_id: str) -> None:
        jobs = await self._jobs(token) or []
        if native_id not in jobs:
            jobs.append(native_id)
        await self._store.set(_token_key(token), json.dumps(jobs).encode(), ttl_s=self._ttl_s)
        await self._store.set(_job_key(native_id), token.encode(), ttl_s=self._ttl_s)

    async def inherit(self, old_id: str, new_id: str) -> None:
        """A rerun of ``old_id`` became ``new_id`` with the same callback URL: let its token speak for both."""
        (token,) = await self._store.get_many([_job_key(old_id)])
        if token is not None and await self._jobs(token.decode()) is not None:
            await self.bind(token.decode(), new_id)

    async def known(self, token: str) -> bool:
        return await self._jobs(token) is not None

    async def accept(self, token: str, native_id: str) -> bool:
        """Whether a callback about ``native_id`` may use ``token``.

        A token still unbound (its job ended before the submit returned) is bound
        to the first job it reports, atomically across replicas, so it can never
        speak for another one.
        """
        jobs = await self._jobs(token)
        if jobs is None:
            return False
        if jobs:
            return native_id in jobs
        if await self._store.claim(_first_key(token), native_id.encode(), ttl_s=self._ttl_s):
            await self.bind(token, native_id)
            return True
        first = await self._store.get(_first_key(token))
        return first is not None and first.decode() == native_id


def _token_key(token: str) -> str:
    return f"callback:token:{token}"


def _job_key(native_id: str) -> str:
    return f"callback:job:{native_id}"


def _first_key(token: str) -> str:
    return f"callback:first:{token}"


class CallbackRead(enum.Enum):
    """What an accepted callback led to."""

    READ = "read"
    """The job was read from the upstream just now and what it said was published."""
    DEFERRED = "deferred"
    """This token triggered a read less than ``min_interval_s`` ago: one more read follows then."""
    FAILED = "failed"
    """The upstream could not be read; nothing was published (polling goes on as before)."""


@dataclass(slots=True)
class _Throttle:
    last: float
    trailing: asyncio.Task[bool] | None = None


class CallbackReads:
    """Callbacks as hints: each makes the gateway read the named job from its upstream, rate-limited per token."""

    def __init__(
        self,
        upstreams: Upstreams,
        cache: RecordCache,
        live: Live,
        *,
        min_interval_s: float = 1.0,
        maxsize: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._upstreams = upstreams
        self._cache = cache
        self._live = live
        self.min_interval_s = min_interval_s
        self._clock = clock
        # Entries older than the interval no longer throttle anything: let them expire.
        self._throttles: TTLCache[str, _Throttle] = TTLCache(maxsize=maxsize, ttl=max(min_interval_s, 1.0) * 2)
        self._tasks: set[asyncio.Task[bool]] = set()

    async def refresh(self, token: str, source: Source, key: NativeKey) -> CallbackRead:
        """Read ``key`` from ``source`` now, or once the token's interval has passed."""
        now = self._clock()
        throttle = self._throttles.get(token)
        if throttle is not None and now - throttle.last < self.min_interval_s:
            if throttle.trailing is None:
                delay = throttle.last + self.min_interval_s - now
                task = asyncio.create_task(self._trailing(token, throttle, source, key, delay))
                throttle.trailing = task
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return CallbackRead.DEFERRED
        self._throttles[token] = _Throttle(last=now)
        return CallbackRead.READ if await self._read(source, key) else CallbackRead.FAILED

    async def _trailing(self, token: str, throttle: _Throttle, source: Source, key: NativeKey, delay: float) -> bool:
        await asyncio.sleep(delay)
        throttle.trailing = None
        throttle.last = self._clock()
        self._throttles[token] = throttle
        return await self._read(source, key)

    async def _read(self, source: Source, key: NativeKey) -> bool:
        """The job as its upstream tells it now, published; False when it could not be read."""
        if source not in self._upstreams:
            return False
        try:
            [found] = await self._upstreams.get(source).get_jobs([key])
        except Exception:  # a callback must never turn into a 500; polling still covers the job
            log.exception("callback read of %s %s failed", source.value, key.native_id)
            return False
        if isinstance(found, UpstreamError):
            log.info("callback read of %s %s: %s", source.value, key.native_id, found.message)
            return False
        self._cache.evict("job", (self._upstreams.cache_scope(source), found.key))
        await self._live.watcher.notify_changed(JobRef.of(found), found)
        return True

    async def stop(self) -> None:
        """Cancel the trailing reads still waiting (at shutdown)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
