"""Gateway CPU per request: what one query costs the gateway process itself, whatever else runs.

Run with ``.venv/bin/python -m benchmarks.cpu`` (``--requests N``, ``--concurrency C``).
The simulators (frozen clock) and the gateway run as subprocesses; this process
sends each scenario's query ``N`` times with ``C`` concurrent clients, and reads
the gateway's CPU time (user + system, from ``/proc/<pid>/stat``) before and after:
CPU ms per request is that difference over ``N``. Unlike wall-clock latency it
does not depend on what else the machine runs, so before/after figures of a change
compare well. It also prints req/s and p50/p99 (those do depend on the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.load import run_load
from benchmarks.processes import SIM_NAMES as SOURCES
from benchmarks.processes import cpu_seconds, gateway, simulators, workdir

JOB = "id source nativeId status nativeStatus createdAt startedAt finishedAt jobType { name }"


def _jobs(first: int, sources: str) -> str:
    return (
        f"{{ jobs(first: {first}, filter: {{sources: [{sources}]}}) "
        f"{{ edges {{ node {{ {JOB} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )


SCENARIOS: dict[str, str] = {
    "Scale first 1": _jobs(1, "SCALE"),
    "Scale first 50": _jobs(50, "SCALE"),
    "Scale first 100": _jobs(100, "SCALE"),
    "3 sources first 50": _jobs(50, "SCALE, LEIA, WORDLIFT"),
}


@dataclass
class Figure:
    scenario: str
    concurrency: int
    requests: int
    cpu_ms_per_request: float
    throughput: float
    p50_ms: float
    p99_ms: float


async def measure(url: str, pid: int, name: str, query: str, requests: int, concurrency: int) -> Figure:
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        payload: dict[str, Any] = {"query": query}
        check = (await client.post(url, json=payload)).json()
        if check.get("errors"):
            raise RuntimeError(f"{name}: {check['errors']}")
        before = cpu_seconds(pid)
        load = await run_load(
            client, url, payload, concurrency=concurrency, duration_s=3600, max_requests=requests, warmup=3
        )
        used = cpu_seconds(pid) - before
    done = load.requests + 3 * concurrency
    return Figure(
        name,
        concurrency,
        load.requests,
        used * 1000 / done,
        load.throughput,
        load.percentile_ms(50),
        load.percentile_ms(99),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--only", nargs="*", help="scenario names to run")
    parser.add_argument(
        "--no-window", action="store_true", help="turn the freshness window off (list_freshness_s = 0 everywhere)"
    )
    args = parser.parse_args(argv)
    figures = []
    env = {f"JOB_GATEWAY_{name.upper()}_LIST_FRESHNESS_S": "0" for name in SOURCES} if args.no_window else {}
    with workdir() as wd, simulators(wd) as sims, gateway(wd, sims.config, env=env) as gw:
        pid = gw.process.popen.pid
        for name, query in SCENARIOS.items():
            if args.only and name not in args.only:
                continue
            for concurrency in args.concurrency:
                figure = asyncio.run(measure(gw.graphql_url, pid, name, query, args.requests, concurrency))
                figures.append(figure)
                print(
                    f"{name:22} c={concurrency:<3} CPU {figure.cpu_ms_per_request:6.2f} ms/req  "
                    f"{figure.throughput:7.1f} req/s  p50 {figure.p50_ms:6.1f} ms  p99 {figure.p99_ms:6.1f} ms",
                    flush=True,
                )
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\n(gateway CPU per request, {args.requests} requests each, {started})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
