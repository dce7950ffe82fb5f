"""How the gateway's cost grows with page size, page depth and sources: CPU per request, one process.

Run with ``.venv/bin/python -m benchmarks.growth``; ``run(report)`` is the hook for
``python -m benchmarks``. The simulators (frozen clock) and the gateway (default
configuration) run as subprocesses; each row sends its query ``REQUESTS`` times
from one client and reads the gateway's CPU time from ``/proc`` (as
``benchmarks.cpu``), so the figures compare across rows whatever else the machine
runs. Pages: the merged all-sources list walked 50 jobs at a time; page k is
measured with the cursor after page k-1. Subscribers: see ``benchmarks.subscriptions``.

The page-size rows run twice: with the default configuration, where the freshness
window serves the repeated reads (so the gateway reuses the jobs' nodes and their
rendered fields, see ``gateway.schema.memo``), and on a second gateway without the
window (``list_freshness_s = 0``), where every request reads, decodes and translates
its page anew: what a page costs the first time.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.load import run_load
from benchmarks.processes import cpu_seconds, gateway, simulators, workdir

REQUESTS = 200
SOURCES = ("SCALE", "LEIA", "WORDLIFT", "AMPERITY", "PHYLODB")
NODE = "id source nativeId status createdAt startedAt finishedAt jobType { name }"


def _jobs(first: int, sources: tuple[str, ...], after: str | None = None) -> dict[str, Any]:
    query = (
        "query($first: Int, $after: String, $sources: [Source!]) { jobs(first: $first, after: $after, "
        f"filter: {{sources: $sources}}) {{ edges {{ node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )
    return {"query": query, "variables": {"first": first, "after": after, "sources": list(sources)}}


async def _cpu_ms(
    client: httpx.AsyncClient, url: str, pid: int, payload: dict[str, Any], requests: int = REQUESTS
) -> tuple[float, float]:
    """Gateway CPU ms per request and client-side p50 ms."""
    check = (await client.post(url, json=payload)).json()
    if check.get("errors"):
        raise RuntimeError(f"{payload['variables']}: {check['errors']}")
    before = cpu_seconds(pid)
    load = await run_load(client, url, payload, concurrency=1, duration_s=600, max_requests=requests, warmup=3)
    used = cpu_seconds(pid) - before
    return used * 1000 / (load.requests + 3), load.percentile_ms(50)


NO_WINDOW = {f"JOB_GATEWAY_{name}_LIST_FRESHNESS_S": "0" for name in SOURCES}


PAGE_SIZES = (1, 10, 50, 100)
PAGE_SIZE_ROUNDS = 4


async def _page_sizes(url: str, pid: int, report: Callable[[str], None], what: str) -> None:
    """The page sizes in turn, ``PAGE_SIZE_ROUNDS`` times: their ratios should not depend on the
    machine's drift while they run (the drift check row below shows how large it can be)."""
    cpu: dict[int, list[float]] = {first: [] for first in PAGE_SIZES}
    p50: dict[int, list[float]] = {first: [] for first in PAGE_SIZES}
    async with httpx.AsyncClient(timeout=120) as client:
        for _ in range(PAGE_SIZE_ROUNDS):
            for first in PAGE_SIZES:
                payload = _jobs(first, ("SCALE",))
                used, median = await _cpu_ms(client, url, pid, payload, REQUESTS // PAGE_SIZE_ROUNDS)
                cpu[first].append(used)
                p50[first].append(median)
    for first in PAGE_SIZES:
        report(f"| {what} | {first} | {statistics.fmean(cpu[first]):.2f} | {statistics.median(p50[first]):.1f} |")


async def _rows(url: str, pid: int, report: Callable[[str], None]) -> None:
    await _page_sizes(url, pid, report, "page size (Scale)")
    async with httpx.AsyncClient(timeout=120) as client:
        after: str | None = None
        for page in range(1, 21):
            payload = _jobs(50, SOURCES, after)
            if page in (1, 2, 5, 10, 20):
                cpu, p50 = await _cpu_ms(client, url, pid, payload)
                report(f"| page depth (all sources, 50 per page) | page {page} | {cpu:.2f} | {p50:.1f} |")
            body = (await client.post(url, json=payload)).json()
            after = body["data"]["jobs"]["pageInfo"]["endCursor"]
        for count in range(1, len(SOURCES) + 1):
            cpu, p50 = await _cpu_ms(client, url, pid, _jobs(50, SOURCES[:count]))
            report(f"| sources (50 jobs) | {', '.join(SOURCES[:count])} | {cpu:.2f} | {p50:.1f} |")
        # The rows run one after the other: the same query again shows how far the machine drifted meanwhile.
        cpu, p50 = await _cpu_ms(client, url, pid, _jobs(50, ("SCALE",)))
        report(f"| drift check: page size (Scale) again | 50 | {cpu:.2f} | {p50:.1f} |")


def run(report: Callable[[str], None] = print) -> None:
    report("| what grows | value | gateway CPU ms/req | p50 ms |")
    report("| --- | --- | --- | --- |")
    with workdir() as wd, simulators(wd) as sims:
        with gateway(wd, sims.config) as gw:
            asyncio.run(_rows(gw.graphql_url, gw.process.popen.pid, report))
        with gateway(wd, sims.config, "gateway-no-window", env=NO_WINDOW) as gw:
            what = "page size (Scale), no freshness window"
            asyncio.run(_page_sizes(gw.graphql_url, gw.process.popen.pid, report, what))


if __name__ == "__main__":
    run()
