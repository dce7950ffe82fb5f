"""``python -m benchmarks``: start the simulators and the gateway, measure, print the table, write BENCHMARKS.md.

Options: ``--smoke`` (one query, a few requests, no added latency: checks the harness
works, in seconds), ``--out PATH`` (default: ``build/BENCHMARKS.md`` under the repository root,
so a run leaves the tracked ``BENCHMARKS.md`` alone; ``make bench-update`` passes
``--out BENCHMARKS.md`` to rewrite it on purpose; nothing is written in smoke mode
unless ``--out`` is given), ``--concurrency``,
``--duration`` (seconds of load per scenario and latency), ``--latency-ms`` (the added
upstream latency of the second round; 0 skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks.load import calls_of_one_execution, run_load, upstream_calls
from benchmarks.processes import Gateway, Simulators, gateway, simulators, workdir
from benchmarks.report import Measured, document, table
from benchmarks.scenarios import Scenario, graphql_function, scenarios

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 2

NOTES = """\
- **Where the gateway makes more calls than the minimum.** Filtered lists read WordLift in full pages
  and filter in the gateway (its API cannot filter by status): FAILED jobs cost 7 WordLift calls where
  3 would do if WordLift could filter. Leia `nodes` cost one GET per id: Leia has no batch Job read
  (its bulk status call gives statuses only; the subscription watcher uses that). Everything else is
  at the minimum: phyloDB, whose jobs carry no time, is read only once the timed sources run dry; an
  Amperity ingest run and its job come from one record; final jobs and job types come from the cache.
- **Identical reads share one call.** Reads already in flight are shared by every request that needs
  the same upstream page, so under load "calls/req" falls well below the cold count; Amperity list
  windows are rounded to the second so that concurrent lists coalesce too.
- **Amperity's rate limit bounds every row that lists it.** Amperity allows 10 requests/s per tenant
  and the adapter stays under it (9.5/s); requests that cannot share a call wait for the limiter, which
  is most of those rows' latency under load; compare "4 sources (no Amperity)".
- **The simulators cost CPU on the same two cores.** A Scale list costs the simulator about 9 ms of CPU
  (it derives every job's state from the clock), about as much as the gateway spends on the request;
  "node: a final Scale job" served from the cache (0 calls/req) shows the gateway alone.
- **Page size and depth.** The calls do not change with either. Scale pages by offset, so page 50
  costs what page 1 costs (one call, same latency); all-sources page 50 costs the same calls as page 1
  too, the cursor holding every stream's position. Latency grows with the page size (Scale: about
  three times as long for 100 items as for 10): per-item work in the gateway (records to GraphQL
  objects, serialization) and in the simulator (rendering jobs).
- **Added upstream latency** (50 ms per call): calls of one query run concurrently, so a query pays
  about one round trip per dependent level (list, then batch), not one per call.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one query, a few requests (a quick self-check)")
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write the report (default build/BENCHMARKS.md)"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of load per scenario and latency")
    parser.add_argument("--max-requests", type=int, default=2000, help="cap per scenario and latency")
    parser.add_argument("--latency-ms", type=int, default=50, help="added upstream latency of the second round")
    parser.add_argument("--no-subscriptions", action="store_true", help="skip the subscription benchmark")
    parser.add_argument("--no-state", action="store_true", help="skip the shared-state benchmark")
    parser.add_argument("--no-growth", action="store_true", help="skip the cost-growth and memory figures")
    parser.add_argument(
        "--peer", action="store_true", help="add the side-by-side with Hive Gateway (needs benchmarks/peer installed)"
    )
    return parser


def _client(concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    return httpx.AsyncClient(timeout=120, limits=limits)


async def _count_calls(gw: Gateway, scenario: Scenario) -> Measured:
    """Upstream calls of a first and a second execution."""
    async with _client(1) as client:
        # Nothing runs in the background when nobody subscribes: the counter holds still.
        idle_before = await upstream_calls(client, gw.url)
        await asyncio.sleep(0.2)
        idle = (await upstream_calls(client, gw.url)) - idle_before
        if idle:
            print(f"warning: {sum(idle.values())} upstream calls while idle: {dict(idle)}", file=sys.stderr)
        first, body = await calls_of_one_execution(client, gw.url, scenario.payload)
        if body.get("errors"):
            raise RuntimeError(f"{scenario.name}: {body['errors']}")
        repeat, _ = await calls_of_one_execution(client, gw.url, scenario.payload)
    print(f"  {scenario.name:44} upstream calls {sum(first.values())} / {sum(repeat.values())}", flush=True)
    return Measured(scenario, first, repeat)


async def _load(
    gw: Gateway, sims: Simulators, results: list[Measured], latencies: list[int], args: argparse.Namespace
) -> None:
    async with _client(args.concurrency) as client:
        for latency in latencies:
            await asyncio.to_thread(sims.faults, {"latency_ms": latency} if latency else {})
            for m in results:
                before = await upstream_calls(client, gw.url)
                load = await run_load(
                    client,
                    gw.graphql_url,
                    m.scenario.payload,
                    concurrency=args.concurrency,
                    duration_s=args.duration,
                    max_requests=args.max_requests,
                    warmup=WARMUP,
                )
                made: Counter[str] = (await upstream_calls(client, gw.url)) - before
                m.load[latency] = load
                m.load_calls[latency] = sum(made.values()) / max(1, load.requests + WARMUP)
                print(
                    f"  {m.scenario.name:44} @{latency:>3} ms: {load.requests:5} requests, "
                    f"p50 {load.percentile_ms(50):7.1f} ms, {load.throughput:6.1f} req/s",
                    flush=True,
                )
        await asyncio.to_thread(sims.faults, {})


def run(args: argparse.Namespace) -> str:
    started = datetime.now(UTC)
    clock = time.monotonic()
    load_before = os.getloadavg()
    plan = scenarios(smoke=args.smoke)
    latencies = [0] if args.smoke or not args.latency_ms else [0, args.latency_ms]
    with workdir() as wd, simulators(wd) as sims:
        if any(s.prepare for s in plan):
            with gateway(wd, sims.config, "gateway-prepare") as prep:
                gql = graphql_function(prep.graphql_url)
                for scenario in plan:
                    if scenario.prepare is not None:
                        scenario.variables = scenario.prepare(gql)
        print(f"simulators at {sims.url}; upstream calls, each scenario on a fresh gateway (cold caches):")
        results = []
        for scenario in plan:
            with gateway(wd, sims.config, "gateway-calls") as gw:
                results.append(asyncio.run(_count_calls(gw, scenario)))
        print(f"latency and throughput, {args.concurrency} concurrent clients, {args.duration:g} s each:")
        with gateway(wd, sims.config) as gw:
            asyncio.run(_load(gw, sims, results, latencies, args))
    load_after = os.getloadavg()
    print()
    print(table(results, latencies))
    report = document(
        results,
        latencies,
        concurrency=args.concurrency,
        duration_s=args.duration,
        notes=NOTES,
        started=started,
        elapsed_s=time.monotonic() - clock,
        load=(load_before[0], load_after[0]),
    )
    if not args.smoke and not args.no_subscriptions:
        report += _subscriptions_section()
    if not args.smoke and not args.no_state:
        report += _state_section()
    if not args.smoke and not args.no_growth:
        report += _growth_section()
    if not args.smoke and args.peer:
        report += _peer_section()
    out = args.out if args.out is not None else (None if args.smoke else ROOT / "build" / "BENCHMARKS.md")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report)
        print(f"\nwritten to {out}")
    return report


def _reported(title: str, run: Callable[[Callable[[str], None]], object]) -> list[str]:
    """What ``run`` reports, echoed as it comes (a benchmark module's ``run(report)``)."""
    print(f"\n{title}:", flush=True)
    lines: list[str] = []

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    run(report)
    return lines


def _subscriptions_section() -> str:
    from benchmarks import subscriptions

    lines = _reported("subscriptions", subscriptions.run)
    body = "\n".join(line for line in lines if not line.startswith("  ws x") and not line.startswith("  schema x"))
    return (
        "\n## Subscriptions\n\n"
        "`python -m benchmarks.subscriptions` (method in its module docstring): N subscribers over the "
        "simulators watching overlapping jobs; upstream polls per tick follow distinct jobs, not subscribers.\n\n"
        f"```\n{body.strip()}\n```\n"
    )


def _state_section() -> str:
    from benchmarks import state

    body = "\n".join(line for line in _reported("shared state", state.run) if not line.startswith("  "))
    return (
        "\n## Shared state\n\n"
        "`python -m benchmarks.state` (method in its module docstring): the added latency of an idempotent "
        "mutation (a claim and a recorded outcome in the store), and how fast an event published by the "
        "replica that polls a job reaches a subscriber on another replica (through the store's event log; "
        "SQLite replicas look for new entries every 50 ms, Redis ones block on the stream).\n\n"
        f"{body.strip()}\n"
    )


def _growth_section() -> str:
    from benchmarks import growth, held

    rows = _reported("cost growth", growth.run)
    memory = _reported("held subscriptions", held.run)
    return (
        "\n## Cost growth\n\n"
        "`python -m benchmarks.growth` (method in its module docstring): the gateway's own CPU per request "
        "(from `/proc`, one client, default configuration) as the page size, the page depth and the number "
        "of sources grow. Subscribers from 10 to 5,000: the table of the section above.\n\n"
        + "\n".join(rows)
        + "\n\nMemory of held subscriptions, in the gateway process alone (`python -m benchmarks.held`):\n\n"
        + "\n".join(f"- {line}" for line in memory)
        + "\n"
    )


def _peer_section() -> str:
    from benchmarks import peer

    print("\nside by side with Hive Gateway:", flush=True)
    body = peer.run(duration_s=5.0, rounds=2, processes=os.cpu_count() or 1)
    return (
        "\n## Side by side with Hive Gateway\n\n"
        "`make bench-peer` (method in `benchmarks/peer.py`): GraphQL Mesh composed from the simulators' "
        "OpenAPI documents, served by Hive Gateway, against ours, same simulators (frozen clock), same "
        "load generator (autocannon), alternating runs; ratios are ours ÷ Hive.\n\n" + body + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        args.duration = min(args.duration, 0.5)
        args.max_requests = min(args.max_requests, 20)
    run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
