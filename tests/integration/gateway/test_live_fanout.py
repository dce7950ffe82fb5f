"""One poll for many subscribers: 1,000 subscriptions over 10 jobs, through the schema, against the simulators.

The subscriptions run in-process (``schema.subscribe`` with the app's own
services), the simulators over real HTTP on loopback. The watcher is not
started: the test drives ``watcher.tick()`` itself and counts the upstream
requests each tick makes, per source.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from adapters.model import Source
from adapters.registry import REGISTRY
from gateway.app import create_app
from gateway.config import config_from_mapping
from gateway.context import Context
from gateway.events import PollingPolicy
from gateway.ids import decode_id
from gateway.live import Live
from simulators.kit.server import serve
from simulators.suite import SimulatorSet, build_simulators
from tests.integration.gateway.live_support import SUBSCRIPTION, eventually

pytestmark = pytest.mark.integration

EVERY_TICK = PollingPolicy(tick=0.001, submitted_delay=0.001, min_interval=0.001, max_interval=0.001, piggyback=0.0)
"""Every watched, not-final job is due at every tick: the worst case for fan-out."""

SUBSCRIBERS = 1_000
JOBS = 10
OPEN = ["RUNNING"]
"""Running jobs all end within minutes of simulated time (a queued Scale job of a paused type never does)."""


@dataclass
class InProcess:
    sims: SimulatorSet
    schema: Any
    services: Any
    live: Live
    calls: Counter[Source] = field(default_factory=Counter)

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        result = await self.schema.execute(query, variable_values=variables, context_value=Context(self.services))
        assert not result.errors, result.errors
        data: dict[str, Any] = result.data
        return data


@asynccontextmanager
async def in_process() -> AsyncIterator[InProcess]:
    sims = build_simulators(seed=0, speed=0.0)
    with serve(sims.app) as sim_url:
        tables = {"gateway": {"cursor_secret": "fanout"}, "sources": sims.gateway_tables(sim_url)}
        app = create_app(config_from_mapping(tables, {}))
        live: Live = app.state.services.live
        live.use_policy(EVERY_TICK)
        harness = InProcess(sims, app.state.schema, app.state.services, live)

        def observe(source: Source, operation: str, outcome: str, seconds: float) -> None:
            harness.calls[source] += 1

        app.state.services.upstreams.add_observer(observe)
        try:
            yield harness
        finally:
            app.state.services.upstreams.remove_observer(observe)
            await app.state.services.upstreams.aclose()


async def open_jobs(harness: InProcess) -> list[str]:
    """Global ids of ``JOBS`` not-yet-final jobs, spread over every source that has some."""
    found: list[str] = []
    for source in REGISTRY.sources:
        data = await harness.query(
            "query($f: JobFilter) { jobs(first: 3, filter: $f) { edges { node { id } } } }",
            {"f": {"sources": [source.value], "statuses": OPEN}},
        )
        found.extend(e["node"]["id"] for e in data["jobs"]["edges"][:2])
    assert len(found) >= JOBS, found
    return found[:JOBS]


async def test_a_thousand_subscribers_of_ten_jobs_make_at_most_one_batch_poll_per_source_per_tick() -> None:
    async with in_process() as harness:
        jobs = await open_jobs(harness)
        by_source = Counter(decode_id(gid, "Job").source for gid in jobs)
        received: list[list[dict[str, Any]]] = [[] for _ in range(SUBSCRIBERS)]
        watched = [[jobs[i % JOBS], jobs[(i + 1) % JOBS], jobs[(i + 3) % JOBS]] for i in range(SUBSCRIBERS)]

        async def subscriber(n: int) -> None:
            stream = await harness.schema.subscribe(
                SUBSCRIPTION, variable_values={"ids": watched[n]}, context_value=Context(harness.services)
            )
            async for result in stream:
                assert not result.errors, result.errors
                received[n].append(result.data["jobStatusChanged"])

        harness.calls.clear()
        tasks = [asyncio.create_task(subscriber(n)) for n in range(SUBSCRIBERS)]
        await eventually(lambda: harness.live.active_subscriptions == SUBSCRIBERS or any(t.done() for t in tasks), 30)
        assert harness.live.active_subscriptions == SUBSCRIBERS
        # Loading the ten jobs for a thousand subscribers: about one request per job, not per subscriber.
        assert sum(harness.calls.values()) <= 2 * JOBS, harness.calls

        per_tick: list[Counter[Source]] = []
        for _ in range(40):
            if all(t.done() for t in tasks):
                break
            harness.sims.clock.advance(120)
            polls_before = harness.live.watcher.stats().polls
            harness.calls.clear()
            await harness.live.watcher.tick()
            polls_after = harness.live.watcher.stats().polls
            per_tick.append(Counter(harness.calls))
            for source, count in polls_after.items():
                assert count - polls_before[source] <= 1, (source, polls_before, polls_after)
            for source, count in harness.calls.items():
                # One batch call, or one call per distinct job where the source has no batch read:
                # never anything that grows with the thousand subscribers.
                assert count <= by_source[source] + 1, (source, harness.calls)
            await asyncio.sleep(0.05)  # let subscribers drain what the tick published
        await asyncio.wait_for(asyncio.gather(*tasks), 10)

        # Everyone heard the end of every job it watched, with the same event for the same transition.
        finals: dict[str, dict[str, Any]] = {}
        for n, events in enumerate(received):
            ended = {e["job"]["id"]: e for e in events if e["status"] in ("SUCCEEDED", "FAILED", "CANCELED")}
            assert set(ended) == set(watched[n]), (n, events)
            for gid, event in ended.items():
                assert finals.setdefault(gid, event) == event
        assert len(per_tick) >= 2
        stats = harness.live.watcher.stats()
        assert stats.handles == 0 and harness.live.bus.stats().subscribers == 0
        assert harness.live.active_subscriptions == 0
