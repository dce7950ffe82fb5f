"""The configured adapters, keyed by source: what the resolvers plan with, their health and readiness.

Health has one notion, ``UpstreamHealth.healthy`` of each source's client, shown
by ``Query.upstreams`` and used by ``/readyz``: the readiness probe calls the
source through the same client, so its outcome lands in that same health (a
failed probe marks the source unhealthy until its next 2xx answer). ``/readyz``
reads that health every time but probes at most once per ``readiness_cache_s``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from adapters.base import Adapter, HttpBacked
from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamHealth
from adapters.model import Source
from adapters.observe import RequestObserver
from adapters.registry import REGISTRY
from adapters.resilience import deadline

DEADLINE_MARGIN_S = 0.5
"""Added to the slowest source's ``timeout_s`` for a request's default deadline: room for one
full attempt at the slowest source plus the gateway's own work, never a second round."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    source: Source
    ok: bool
    error: str | None


class Upstreams:
    def __init__(self, adapters: Mapping[Source, Adapter], cache_scopes: Mapping[Source, str] | None = None) -> None:
        # Fixed source order, the registry's: it is the documented tie-break of merged lists.
        order = [s for s in REGISTRY.sources if s in adapters] + [s for s in adapters if s not in REGISTRY.sources]
        self._adapters = {s: adapters[s] for s in order}
        self._cache_scopes = dict(cache_scopes or {})
        self._probing: asyncio.Future[list[ProbeResult]] | None = None
        self._probed_at: float | None = None
        self._plain_probes: dict[Source, ProbeResult] = {}
        """Probe results of adapters without an HTTP client (no health of their own to read)."""

    def cache_scope(self, source: Source) -> str:
        """Identifies the credentials a source is read with; part of every cache key."""
        return self._cache_scopes.get(source, source.value)

    def __iter__(self) -> Iterator[Adapter]:
        return iter(self._adapters.values())

    def __contains__(self, source: object) -> bool:
        return source in self._adapters

    def get(self, source: Source) -> Adapter:
        try:
            return self._adapters[source]
        except KeyError:
            raise UpstreamError(ErrorKind.NOT_FOUND, source, f"{source.value} is not configured") from None

    def select(self, sources: frozenset[Source] | None) -> list[Adapter]:
        return [a for s, a in self._adapters.items() if sources is None or s in sources]

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(self._adapters)

    @staticmethod
    def health(adapter: Adapter) -> UpstreamHealth | None:
        return adapter.client.health if isinstance(adapter, HttpBacked) else None

    def default_deadline_s(self) -> float | None:
        """The slowest source's ``timeout_s`` plus a margin; ``None`` with no HTTP source."""
        timeouts = [a.client.timeout_s for a in self if isinstance(a, HttpBacked)]
        return max(timeouts) + DEADLINE_MARGIN_S if timeouts else None

    def add_observer(self, observer: RequestObserver) -> None:
        """Tell ``observer`` of every upstream call these adapters make (and no other app's)."""
        for adapter in self:
            if isinstance(adapter, HttpBacked) and observer not in adapter.client.observers:
                adapter.client.observers.append(observer)

    def remove_observer(self, observer: RequestObserver) -> None:
        for adapter in self:
            if isinstance(adapter, HttpBacked) and observer in adapter.client.observers:
                adapter.client.observers.remove(observer)

    async def readiness(self, max_age_s: float, timeout_s: float = 5.0) -> list[ProbeResult]:
        """``/readyz``: each source's health now, probing the sources only when the last probe is older than
        ``max_age_s``; callers arriving during a probe share it. So probes from every kubelet and load
        balancer cost the upstreams one check per ``max_age_s``, and the verdict still agrees with
        ``Query.upstreams { healthy }`` at every moment: both read the same health."""
        now = time.monotonic()
        if self._probing is None and (self._probed_at is None or now - self._probed_at >= max_age_s):
            self._probing = asyncio.ensure_future(self.probe(timeout_s))
            self._probing.add_done_callback(self._probe_done)
        if self._probing is not None:
            await asyncio.shield(self._probing)
        return [self._verdict(adapter) for adapter in self]

    def _probe_done(self, task: asyncio.Future[list[ProbeResult]]) -> None:
        self._probing = None
        self._probed_at = time.monotonic()
        if not task.cancelled():
            task.exception()  # retrieved: a probe's failures are in each source's health already

    def _verdict(self, adapter: Adapter) -> ProbeResult:
        health = self.health(adapter)
        if health is None:
            return self._plain_probes.get(adapter.source, ProbeResult(adapter.source, True, None))
        return ProbeResult(adapter.source, health.healthy, None if health.healthy else health.last_error)

    async def probe(self, timeout_s: float = 5.0) -> list[ProbeResult]:
        """Call every source once (``Adapter.check``); each is ready when it is healthy afterwards."""

        async def one(adapter: Adapter) -> ProbeResult:
            error: str | None = None
            try:
                with deadline(timeout_s):
                    # The deadline bounds calls through an UpstreamClient (and records them);
                    # wait_for is the backstop for an adapter that has none.
                    await asyncio.wait_for(adapter.check(), timeout_s + DEADLINE_MARGIN_S)
            except UpstreamError as err:
                error = f"{err.kind.value}: {err.message}"
            except TimeoutError:
                error = "TIMEOUT: readiness probe timed out"
            if not isinstance(adapter, HttpBacked):
                self._plain_probes[adapter.source] = ProbeResult(adapter.source, error is None, error)
                return self._plain_probes[adapter.source]
            adapter.client.note_probe(error)
            health = adapter.client.health
            return ProbeResult(adapter.source, health.healthy, None if health.healthy else health.last_error)

        return list(await asyncio.gather(*(one(a) for a in self)))

    async def aclose(self) -> None:
        await asyncio.gather(*(a.aclose() for a in self), return_exceptions=True)
