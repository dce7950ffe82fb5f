"""Subscription fan-out benchmark: many subscribers, overlapping jobs, one watcher.

Run alone with ``.venv/bin/python -m benchmarks.subscriptions`` (``--quick`` for
a smaller run); ``run(report)`` is the hook for ``python -m benchmarks``.

Setup per scenario: the five simulators on a loopback port with a frozen
clock; a pool of running jobs (``POOL_PER_SOURCE`` per source); each
subscriber watches ``JOBS_PER_SUBSCRIBER`` overlapping jobs of the pool
(``ids`` subscriptions). The watcher runs on ``POLICY`` (every job polled every
0.2 s of real time; production defaults back off to 8 s). Then ``ROUNDS``
times: advance the simulated clock by ``STEP_S`` (the upstream change), wait
until every event of that round was delivered, and record for every event the
time from the advance to the client receiving it.

Two transports:

- ``ws``: real graphql-transport-ws clients (``websockets``), one connection and
  one subscription each, against the gateway served by uvicorn on loopback. The
  gateway and the clients share this process (and its GIL), so latency includes
  client-side work.
- ``schema``: in-process subscriptions through ``schema.subscribe`` with the
  app's own services, no sockets (for 5,000: 5,000 sockets in one Python process
  would measure the client more than the gateway).

Figures: upstream requests while setting the subscribers up; during the rounds,
batch polls and HTTP requests per source and their ratio to watcher ticks
(they follow the distinct jobs, not the subscribers); latency p50/p99/max;
memory per subscriber (``schema``: tracemalloc, Python allocations made while
subscribing up to ``MEMORY_WAVE`` subscribers, divided by their number, after a
small warm-up wave; ``ws``: process RSS growth / N, an upper bound that includes
the client side and never shrinks back) and what stays after every subscriber
left (``schema``: traced bytes still allocated after a second full subscribe and
leave wave, per subscriber, i.e. growth per cycle; both: whether the bus and the
watcher hold nothing any more: "freed").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from adapters.model import Source
from adapters.registry import REGISTRY
from gateway.app import create_app
from gateway.cli import settle_heap
from gateway.config import config_from_mapping
from gateway.context import Context
from gateway.events import PollingPolicy
from gateway.live import Live
from simulators.kit.server import serve
from simulators.suite import SimulatorSet, build_simulators

POLICY = PollingPolicy(tick=0.02, submitted_delay=0.1, min_interval=0.2, max_interval=0.2, piggyback=0.05)
POOL_PER_SOURCE = 6
JOBS_PER_SUBSCRIBER = 3
ROUNDS = 6
STEP_S = 20.0
MEMORY_WAVE = 1000
SETTLE_S = 0.4
"""A round ends once nothing new was delivered for this long (and at least one poll interval passed)."""
ROUND_LIMIT_S = 20.0

SUBSCRIPTION = (
    "subscription($ids: [ID!]) { jobStatusChanged(ids: $ids) { id previousStatus status job { id status } } }"
)
FINAL = {"SUCCEEDED", "FAILED", "CANCELED"}


@dataclass
class Result:
    mode: str
    subscribers: int
    jobs: int
    setup_s: float = 0.0
    setup_requests: int = 0
    ticks: int = 0
    polls: Counter[Source] = field(default_factory=Counter)
    polled_keys: Counter[Source] = field(default_factory=Counter)
    requests: Counter[Source] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    events: int = 0
    mem_per_sub: float = 0.0
    mem_left: float | None = None
    released: bool = False
    notes: list[str] = field(default_factory=list)

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))]


# --- shared plumbing ------------------------------------------------------------------------


@contextmanager
def simulators() -> Iterator[tuple[SimulatorSet, str]]:
    sims = build_simulators(seed=0, speed=0.0)
    with serve(sims.app) as url:
        yield sims, url


def build_app(sims: SimulatorSet, sim_url: str) -> Any:
    tables = {"gateway": {"cursor_secret": "bench"}, "sources": sims.gateway_tables(sim_url)}
    app = create_app(config_from_mapping(tables, {}))
    app.state.services.live.use_policy(POLICY)
    # What ``job-gateway serve`` does once started: without it every full collection under load
    # would walk start-up's objects (and here the in-process simulators' too) again.
    settle_heap()
    return app


@contextmanager
def counting(app: Any) -> Iterator[Counter[Source]]:
    """Upstream calls ``app``'s adapters make while the block runs, by source."""
    calls: Counter[Source] = Counter()
    upstreams = app.state.services.upstreams

    def observe(source: Source, operation: str, outcome: str, seconds: float) -> None:
        calls[source] += 1

    upstreams.add_observer(observe)
    try:
        yield calls
    finally:
        upstreams.remove_observer(observe)


POOL_QUERY = f"query($f: JobFilter) {{ jobs(first: {POOL_PER_SOURCE}, filter: $f) {{ edges {{ node {{ id }} }} }} }}"


def pool_variables() -> list[dict[str, Any]]:
    return [{"f": {"sources": [s.value], "statuses": ["RUNNING"]}} for s in REGISTRY.sources]


def assignments(pool: list[str], n: int) -> list[list[str]]:
    """Subscriber i watches jobs i, i+1 and i+7 of the pool (mod its size): heavy overlap."""
    offsets = (0, 1, 7)[:JOBS_PER_SUBSCRIBER]
    return [sorted({pool[(i + k) % len(pool)] for k in offsets}) for i in range(n)]


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


class Receipts:
    """What clients received: (perf_counter time, event) for the round under way."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.total = 0
        self.last = time.perf_counter()

    def add(self, event: dict[str, Any]) -> None:
        now = time.perf_counter()
        self.times.append(now)
        self.total += 1
        self.last = now


async def rounds(sims: SimulatorSet, receipts: Receipts, result: Result, live_stats: Callable[[], Any]) -> None:
    """Advance the clock ROUNDS times; each event's latency is receipt time minus that round's advance."""
    before = live_stats()
    ticks_start = time.perf_counter()
    for _ in range(ROUNDS):
        receipts.times.clear()
        t0 = time.perf_counter()
        sims.clock.advance(STEP_S)
        await asyncio.sleep(POLICY.max_interval + POLICY.tick)
        await poll_until(lambda: time.perf_counter() - receipts.last >= SETTLE_S, ROUND_LIMIT_S, strict=False)
        result.latencies.extend(t - t0 for t in receipts.times)
    after = live_stats()
    elapsed = time.perf_counter() - ticks_start
    result.ticks = round(elapsed / POLICY.tick)
    for source in after.polls:
        result.polls[source] = after.polls[source] - before.polls[source]
        result.polled_keys[source] = after.polled_jobs[source] - before.polled_jobs[source]
    result.events = receipts.total


# --- in-process, through the schema ---------------------------------------------------------


async def schema_scenario(n: int) -> Result:
    with simulators() as (sims, sim_url):
        app = build_app(sims, sim_url)
        services = app.state.services
        schema = app.state.schema
        live: Live = services.live
        try:
            pool: list[str] = []
            for variables in pool_variables():
                data = await schema.execute(POOL_QUERY, variable_values=variables, context_value=Context(services))
                pool.extend(e["node"]["id"] for e in data.data["jobs"]["edges"])
            result = Result("schema", n, len(pool))
            watched = assignments(pool, n)
            receipts = Receipts()
            live.start()

            async def subscriber(i: int) -> None:
                stream = await schema.subscribe(
                    SUBSCRIPTION, variable_values={"ids": watched[i]}, context_value=Context(services)
                )
                async for item in stream:
                    if item.errors:
                        raise RuntimeError(item.errors)
                    receipts.add(item.data["jobStatusChanged"])

            async def wave(count: int) -> list[asyncio.Task[None]]:
                tasks = [asyncio.create_task(subscriber(i)) for i in range(count)]
                await poll_until(lambda: live.active_subscriptions >= count or any(t.done() for t in tasks), 600)
                if live.active_subscriptions != count:
                    raise RuntimeError(f"only {live.active_subscriptions} of {count} subscribed")
                return tasks

            async def leave(tasks: list[asyncio.Task[None]]) -> None:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

            # Memory: a wave of up to MEMORY_WAVE subscribers under tracemalloc (it slows subscribing
            # down several times), before the clock moves, so every subscription stays open.
            sample = min(n, MEMORY_WAVE)
            # A small untraced wave first: lazily built, one-time structures are not per-subscriber costs.
            await leave(await wave(min(n, 50)))
            await settle_garbage()
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            tasks = await wave(sample)
            gc.collect()
            result.mem_per_sub = (tracemalloc.get_traced_memory()[0] - base) / sample
            await leave(tasks)
            del tasks
            await settle_garbage()
            after_first = tracemalloc.get_traced_memory()[0]
            # A second full wave: what a subscribe/leave cycle leaves behind once containers
            # (the loop's task and async-generator WeakSets, the bus's dicts) reached their high-water mark.
            await leave(await wave(sample))
            await settle_garbage()
            result.mem_left = (tracemalloc.get_traced_memory()[0] - after_first) / sample
            result.notes.append(
                f"held after the first wave left: {(after_first - base) / sample:.0f} B/sub (container high-water marks)"
            )
            tracemalloc.stop()
            if sample != n:
                result.notes.append(f"memory measured on {sample} subscribers")

            with counting(app) as calls:
                t0 = time.perf_counter()
                tasks = await wave(n)
                result.setup_s = time.perf_counter() - t0
                result.setup_requests = sum(calls.values())
                calls.clear()
                await rounds(sims, receipts, result, live.watcher.stats)
                result.requests.update(calls)
            await leave(tasks)
            result.released = _released(live)
            return result
        finally:
            await live.stop()
            await services.upstreams.aclose()


async def poll_until(check: Callable[[], bool], within: float, *, strict: bool = True) -> None:
    """Wait until ``check()``; after ``within`` seconds give up (an error when ``strict``)."""
    deadline = time.perf_counter() + within
    while not check():
        if time.perf_counter() > deadline:
            if strict:
                raise TimeoutError(f"gave up after {within} s")
            return
        await asyncio.sleep(0.01)


async def settle_garbage() -> None:
    """Collect, letting the loop finalize the async generators that collection hands back to it first."""
    for _ in range(3):
        gc.collect()
        await asyncio.sleep(0.05)
    gc.collect()


def _released(live: Live) -> bool:
    return (
        live.active_subscriptions == 0
        and live.bus.stats().subscribers == 0
        and live.watcher.stats().handles == 0
        and live.watched_jobs == 0
    )


# --- real WebSocket clients -------------------------------------------------------------------


async def ws_scenario(n: int) -> Result:
    with simulators() as (sims, sim_url):
        app = build_app(sims, sim_url)
        live: Live = app.state.services.live
        with serve(app) as url:
            pool: list[str] = []
            async with httpx.AsyncClient(timeout=30) as client:
                for variables in pool_variables():
                    body = (
                        await client.post(f"{url}/graphql", json={"query": POOL_QUERY, "variables": variables})
                    ).json()
                    pool.extend(e["node"]["id"] for e in body["data"]["jobs"]["edges"])
            result = Result("ws", n, len(pool))
            watched = assignments(pool, n)
            receipts = Receipts()
            ws_url = url.replace("http://", "ws://") + "/graphql"
            ready = asyncio.Event()
            started = 0

            async def client_task(i: int) -> None:
                nonlocal started
                async with connect(ws_url, subprotocols=["graphql-transport-ws"], open_timeout=60) as ws:  # type: ignore[list-item]
                    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                    await _expect(ws, "connection_ack")
                    payload = {"query": SUBSCRIPTION, "variables": {"ids": watched[i]}}
                    await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
                    started += 1
                    if started == n:
                        ready.set()
                    async for raw in ws:
                        message = json.loads(raw)
                        if message["type"] == "next":
                            receipts.add(message["payload"]["data"]["jobStatusChanged"])
                        elif message["type"] == "complete":
                            await asyncio.Future()  # stay connected until told to leave
                        else:
                            raise RuntimeError(message)

            gc.collect()
            rss0 = rss_bytes()
            with counting(app) as calls:
                t0 = time.perf_counter()
                tasks = [asyncio.create_task(client_task(i)) for i in range(n)]
                await ready.wait()
                await poll_until(lambda: live.active_subscriptions >= n, 600)
                result.setup_s = time.perf_counter() - t0
                result.setup_requests = sum(calls.values())
                gc.collect()
                result.mem_per_sub = (rss_bytes() - rss0) / n
                calls.clear()
                await rounds(sims, receipts, result, live.watcher.stats)
                result.requests.update(calls)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            del tasks
            await settle_garbage()
            result.notes.append(f"RSS after leaving: {(rss_bytes() - rss0) / n / 1024:.1f} KiB/sub above the start")
            await poll_until(lambda: _released(live), 10, strict=False)
            result.released = _released(live)
            return result


async def _expect(ws: ClientConnection, kind: str) -> None:
    message = json.loads(await asyncio.wait_for(ws.recv(), 30))
    if message["type"] != kind:
        raise RuntimeError(message)


# --- report ------------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    header = (
        f"{'mode':<7}{'subs':>6}{'jobs':>5}{'setup s':>9}{'setup req':>10}{'rounds req':>11}"
        f"{'polls/src':>10}{'keys/poll':>10}{'events':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'KiB/sub':>9}{'cycle B/sub':>12}{'freed':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        sources = [s for s in r.polls if r.polls[s]]
        polls_per_source = statistics.mean(r.polls[s] for s in sources) if sources else 0.0
        keys_per_poll = sum(r.polled_keys.values()) / max(1, sum(r.polls.values()))
        left = "-" if r.mem_left is None else f"{r.mem_left:.0f}"
        lines.append(
            f"{r.mode:<7}{r.subscribers:>6}{r.jobs:>5}{r.setup_s:>9.2f}{r.setup_requests:>10}"
            f"{sum(r.requests.values()):>11}{polls_per_source:>10.1f}{keys_per_poll:>10.1f}{r.events:>8}"
            f"{r.pct(0.5) * 1000:>8.0f}{r.pct(0.99) * 1000:>8.0f}{max(r.latencies, default=0) * 1000:>8.0f}"
            f"{r.mem_per_sub / 1024:>9.1f}{left:>12}{'yes' if r.released else 'NO':>6}"
        )
    lines.append("")
    lines.append("Per source during the rounds (batch polls / HTTP requests / jobs asked for):")
    for r in results:
        per = ", ".join(
            f"{s.value} {r.polls[s]}/{r.requests[s]}/{r.polled_keys[s]}" for s in REGISTRY.sources if s in r.polls
        )
        lines.append(f"  {r.mode:<7}{r.subscribers:>6}: {per}")
    for r in results:
        for note in r.notes:
            lines.append(f"  note {r.mode} x{r.subscribers}: {note}")
    return "\n".join(lines)


SCENARIOS: tuple[tuple[str, int], ...] = (
    ("ws", 100),
    ("ws", 1000),
    ("schema", 10),
    ("schema", 100),
    ("schema", 1000),
    ("schema", 5000),
)
QUICK: tuple[tuple[str, int], ...] = (("ws", 100), ("schema", 1000))


def run(report: Callable[[str], None] = print, scenarios: tuple[tuple[str, int], ...] = SCENARIOS) -> list[Result]:
    """Run every scenario and report the table; returns the results (for ``python -m benchmarks``)."""
    results: list[Result] = []
    started = time.perf_counter()
    for mode, n in scenarios:
        scenario = ws_scenario if mode == "ws" else schema_scenario
        result = asyncio.run(scenario(n))
        report(
            f"  {mode} x{n}: {result.events} events, p50 {result.pct(0.5) * 1000:.0f} ms, "
            f"{time.perf_counter() - started:.0f} s so far"
        )
        results.append(result)
    report("")
    report(
        f"Subscriptions: {JOBS_PER_SUBSCRIBER} jobs per subscriber from a pool of running jobs, "
        f"{ROUNDS} rounds of +{STEP_S:.0f} s simulated, every job polled every {POLICY.max_interval:.1f} s."
    )
    report(table(results))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="two small scenarios only")
    args = parser.parse_args()
    run(print, QUICK if args.quick else SCENARIOS)


if __name__ == "__main__":
    main()
