"""Memory of held subscriptions in the gateway process itself: RSS while N WebSocket subscribers wait, and after.

Run with ``.venv/bin/python -m benchmarks.held`` (``--subscribers N``, default 300).
The simulators (frozen clock) and the gateway (``job-gateway serve``, default
configuration) run as subprocesses; this process opens N graphql-transport-ws
connections, each with one ``jobStatusChanged(ids: …)`` subscription on a few
running jobs, and reads the gateway's resident set (``/proc/<pid>/status``,
``VmRSS``) before, while all are held, and a few seconds after every client left.
Unlike ``benchmarks.subscriptions`` (clients in the same process), the figures
are the gateway's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from benchmarks.processes import gateway, simulators, workdir

JOBS_PER_SUBSCRIBER = 3
SETTLE_S = 3.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


async def running_job_ids(url: str, count: int) -> list[str]:
    query = "{ jobs(first: 50, filter: {statuses: [RUNNING, QUEUED]}) { edges { node { id } } } }"
    async with httpx.AsyncClient(timeout=30) as client:
        answer = (await client.post(f"{url}/graphql", json={"query": query})).json()
    ids = [edge["node"]["id"] for edge in answer["data"]["jobs"]["edges"]]
    if not ids:
        raise RuntimeError(f"no running job to watch: {answer}")
    return ids[:count]


async def subscribe(url: str, ids: list[str]) -> ClientConnection:
    socket = await connect(url, subprotocols=["graphql-transport-ws"], max_size=2**20)  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init"}))
    ack = json.loads(await socket.recv())
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no ack: {ack}")
    query = "subscription($ids: [ID!]) { jobStatusChanged(ids: $ids) { status job { id } } }"
    await socket.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"ids": ids}}})
    )
    return socket


async def _wave(ws_url: str, pool: list[str], pid: int, subscribers: int) -> tuple[int, int, float]:
    """RSS with ``subscribers`` held, RSS after they left, and how long subscribing took."""
    sockets: list[ClientConnection] = []
    started = time.perf_counter()
    for i in range(subscribers):
        ids = [pool[(i + k) % len(pool)] for k in range(JOBS_PER_SUBSCRIBER)]
        sockets.append(await subscribe(ws_url, ids))
    setup_s = time.perf_counter() - started
    await asyncio.sleep(SETTLE_S)
    held = rss_kib(pid)
    for socket in sockets:
        await socket.close()
    await asyncio.sleep(SETTLE_S)
    return held, rss_kib(pid), setup_s


async def hold(url: str, pid: int, subscribers: int) -> dict[str, Any]:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    pool = await running_job_ids(url, 12)
    await asyncio.sleep(SETTLE_S)
    before = rss_kib(pid)
    held, after, setup_s = await _wave(ws_url, pool, pid, subscribers)
    # A second wave shows whether the first one's memory is reused (kept for reuse) or leaked.
    held_again, after_again, _ = await _wave(ws_url, pool, pid, subscribers)
    return {
        "before": before,
        "held": held,
        "after": after,
        "setup_s": setup_s,
        "held_again": held_again,
        "after_again": after_again,
    }


def run(report: Callable[[str], None] = print, subscribers: int = 300) -> None:
    """Hold ``subscribers`` subscriptions and report the gateway's memory (the hook for ``python -m benchmarks``)."""
    with workdir() as wd, simulators(wd) as sims, gateway(wd, sims.config) as gw:
        figures = asyncio.run(hold(gw.url, gw.process.popen.pid, subscribers))
    before, held, after = figures["before"], figures["held"], figures["after"]
    report(
        f"{subscribers} WebSocket subscribers held: gateway RSS {before / 1024:.1f} MiB -> {held / 1024:.1f} MiB "
        f"({(held - before) / subscribers:.1f} KiB per subscriber); after they left {after / 1024:.1f} MiB "
        f"({100 * (after - before) / before:+.1f}% of the start); set up in {figures['setup_s']:.1f} s; "
        f"a second wave of {subscribers}: {figures['held_again'] / 1024:.1f} MiB held, "
        f"{figures['after_again'] / 1024:.1f} MiB after"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=300)
    args = parser.parse_args(argv)
    run(print, args.subscribers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
