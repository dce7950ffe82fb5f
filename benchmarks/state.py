"""Shared-state benchmark: what the state store costs a mutation, and how fast events cross replicas.

Run alone with ``.venv/bin/python -m benchmarks.state`` (``--quick`` for a smaller
run); ``run(report)`` is the hook for ``python -m benchmarks``. Needs Debian's
``redis-server`` for the Redis rows (they are reported as skipped without it).

Setup: the five simulators in this process on a frozen clock (so this process can
move it), gateways as ``job-gateway serve --config`` subprocesses on one state
store: a SQLite file, or a ``redis-server`` started on a free loopback port.

- **Idempotent mutation.** One client sends Leia ``submitJob`` mutations back to
  back, alternating one without ``idempotencyKey`` and one with a fresh key (a
  claim in the store, then the recorded outcome); "added" is the difference of
  the medians: the store's cost per idempotent mutation.
- **Cross-replica delivery.** Replica A subscribes (SSE) to every job with
  ``filter: {}`` first, so it takes the poll leases of the jobs it watches;
  replica B then subscribes the same way and never polls them. Each round moves
  the simulated clock; A's poll sees the transitions and publishes them to the
  store's log; B's tail delivers them to its subscriber. Latency per event is B's
  receive time minus the event's ``at`` (when A learnt of the change; same
  machine clock). The same figure on A (local delivery) is shown beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.processes import Gateway, gateway
from simulators.kit.server import serve
from simulators.suite import SimulatorSet, build_simulators, render_config

FAST_POLLING = {
    "JOB_GATEWAY_POLL_TICK_S": "0.05",
    "JOB_GATEWAY_POLL_MIN_INTERVAL_S": "0.1",
    "JOB_GATEWAY_POLL_MAX_INTERVAL_S": "0.3",
}
SUBSCRIPTION = "subscription { jobStatusChanged(filter: {}) { id status at } }"
SUBMIT = """
mutation($job: JobSubmission!, $key: String) {
  submitJob(input: {job: $job, idempotencyKey: $key}) { job { id } errors { code message } }
}"""
LEIA_JOBS = "{ jobs(first: 5, filter: {sources: [LEIA]}) { edges { node { raw } } } }"
STEP_S = 45.0


@dataclass
class Figures:
    backend: str
    plain_ms: list[float] = field(default_factory=list)
    keyed_ms: list[float] = field(default_factory=list)
    remote_ms: list[float] = field(default_factory=list)
    local_ms: list[float] = field(default_factory=list)
    skipped: str | None = None


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    data = sorted(values)
    return data[min(len(data) - 1, int(q * len(data)))]


@contextmanager
def _redis(workdir: Path) -> Iterator[str | None]:
    from benchmarks.processes import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    import subprocess

    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen([*args, "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import redis

                if redis.Redis(port=port).ping():
                    break
            except Exception:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _post(client: httpx.Client, url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = client.post(url, json={"query": query, "variables": variables or {}}).json()
    if "errors" in body:
        raise RuntimeError(f"benchmark query failed: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


def mutation_latency(gw: Gateway, rounds: int, figures: Figures) -> None:
    with httpx.Client(timeout=60) as client:
        edges = _post(client, gw.graphql_url, LEIA_JOBS)["jobs"]["edges"]
        raw = next(e["node"]["raw"] for e in edges if e["node"]["raw"].get("model_id"))
        job = {"leia": {"job": {"applyModel": {"modelId": raw["model_id"], "documentIds": raw["document_ids"][:1]}}}}
        for n in range(rounds + 5):
            for keyed in (False, True):
                started = time.perf_counter()
                payload = _post(client, gw.graphql_url, SUBMIT, {"job": job, "key": f"bench-{n}" if keyed else None})
                elapsed = (time.perf_counter() - started) * 1000
                if payload["submitJob"]["errors"]:
                    raise RuntimeError(f"submit failed: {payload['submitJob']['errors']}")
                if n >= 5:  # warm-up: connections, the first claim, caches
                    (figures.keyed_ms if keyed else figures.plain_ms).append(elapsed)


async def _collect(url: str, into: list[float], ready: asyncio.Event) -> None:
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(30, read=None)) as client,
        client.stream("POST", url, json={"query": SUBSCRIPTION}, headers={"accept": "text/event-stream"}) as response,
    ):
        ready.set()
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            received = time.time()
            event = json.loads(line[5:])["data"]["jobStatusChanged"]
            into.append((received - datetime.fromisoformat(event["at"]).timestamp()) * 1000)


async def delivery_latency(sims: SimulatorSet, a: Gateway, b: Gateway, rounds: int, figures: Figures) -> None:
    on_a, on_b = asyncio.Event(), asyncio.Event()
    task_a = asyncio.create_task(_collect(a.graphql_url, figures.local_ms, on_a))
    await on_a.wait()
    await asyncio.sleep(2.0)  # A loads the jobs and takes their poll leases
    task_b = asyncio.create_task(_collect(b.graphql_url, figures.remote_ms, on_b))
    await on_b.wait()
    await asyncio.sleep(2.0)
    try:
        for _ in range(rounds):
            sims.clock.advance(STEP_S)
            await asyncio.sleep(1.0)
    finally:
        for task in (task_a, task_b):
            task.cancel()
        await asyncio.gather(task_a, task_b, return_exceptions=True)


def measure(backend: str, state_url: str | None, workdir: Path, rounds: int) -> Figures:
    figures = Figures(backend)
    if state_url is None:
        figures.skipped = "no redis-server on this machine (apt-get install redis-server)"
        return figures
    sims = build_simulators(seed=0, speed=0.0)
    with serve(sims.app) as url:
        config = workdir / f"{backend}.toml"
        config.write_text(render_config(sims.gateway_tables(url), "simulators for the state benchmark"))
        env = {"JOB_GATEWAY_STATE_URL": state_url, **FAST_POLLING}
        with gateway(workdir, config, f"{backend}-a", env=env) as a:
            mutation_latency(a, rounds * 5, figures)
            with gateway(workdir, config, f"{backend}-b", env=env) as b:
                asyncio.run(delivery_latency(sims, a, b, rounds, figures))
    return figures


def table(results: list[Figures]) -> str:
    rows = [
        "| store | submitJob p50 ms, no key | with a key | added p50 ms | added p99 ms "
        "| events A→B | delivery A→B p50 / p99 ms | local on A p50 / p99 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in results:
        if f.skipped:
            rows.append(f"| {f.backend} | skipped: {f.skipped} |  |  |  |  |  |  |")
            continue
        plain, keyed = statistics.median(f.plain_ms), statistics.median(f.keyed_ms)
        rows.append(
            f"| {f.backend} | {plain:.1f} | {keyed:.1f} | {keyed - plain:+.1f} "
            f"| {pct(f.keyed_ms, 0.99) - pct(f.plain_ms, 0.99):+.1f} | {len(f.remote_ms)} "
            f"| {pct(f.remote_ms, 0.5):.1f} / {pct(f.remote_ms, 0.99):.1f} "
            f"| {pct(f.local_ms, 0.5):.1f} / {pct(f.local_ms, 0.99):.1f} |"
        )
    return "\n".join(rows)


def run(report: Callable[[str], None] = print, rounds: int = 20) -> list[Figures]:
    results = []
    with tempfile.TemporaryDirectory(prefix="job-gateway-bench-state-") as path:
        workdir = Path(path)
        results.append(measure("SQLite", f"sqlite:///{workdir / 'state.db'}", workdir, rounds))
        report(f"  SQLite: {len(results[-1].remote_ms)} events across replicas")
        with _redis(workdir) as redis_url:
            results.append(measure("Redis", redis_url, workdir, rounds))
        report(f"  Redis: {len(results[-1].remote_ms)} events across replicas")
    report("")
    report(table(results))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer mutations and rounds")
    args = parser.parse_args()
    run(print, rounds=4 if args.quick else 20)


if __name__ == "__main__":
    main()
