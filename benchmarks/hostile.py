"""``python -m benchmarks.hostile``: can two clients sending maximum-size requests slow everyone else down?

Starts the simulators and the gateway as their own processes (as ``make bench`` does),
then measures a third client's ``{ __typename }`` latency, first alone, then while two
hostile clients (each its own process) send maximum-size requests back to back:

- ``list-variable``: a body just under the 1 MiB limit, one list variable of ~200,000 ids;
- ``tiny-arrays``: a body just under the limit, ~350,000 empty JSON arrays;
- ``long-document``: a body just under the limit, a query that is one long comment;
- ``oversized``: 10 MB declared (refused unread with 413).

It prints p50/p99/max of the probe in each phase and what the hostile clients got back.
Options: ``--duration`` (seconds per phase, default 10), ``--kind`` (one of the above, or
``all``: each hostile client cycles through them).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx

from benchmarks.processes import gateway, simulators

LIMIT = 1 << 20
KINDS = ("list-variable", "tiny-arrays", "long-document", "oversized")


def hostile_body(kind: str) -> bytes:
    """A request of ``kind``, as close to the body limit as it gets (``oversized``: ten times over)."""
    if kind == "list-variable":
        query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
        head = json.dumps({"query": query, "variables": {"ids": []}})[:-3]
        count = (LIMIT - len(head) - 16) // 5
        return (head + "[" + ",".join(['"ab"'] * count) + "]}}").encode()
    if kind == "tiny-arrays":
        head = '{"query": "{ __typename }", "variables": {"x": ['
        count = (LIMIT - len(head) - 8) // 3
        return (head + ",".join(["[]"] * count) + "]}}").encode()
    if kind == "long-document":
        head = '{"query": "{ __typename #'
        return (head + "x" * (LIMIT - len(head) - 8) + '\\n}"}').encode()
    if kind == "oversized":
        return b" " * (10 * LIMIT)
    raise ValueError(kind)


def _attack(url: str, kinds: tuple[str, ...], stop: Event, results: multiprocessing.Queue[Counter[str]]) -> None:
    bodies = [(kind, hostile_body(kind)) for kind in kinds]
    seen: Counter[str] = Counter()
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            for kind, body in bodies:
                try:
                    status = client.post(url, content=body, headers={"content-type": "application/json"}).status_code
                    seen[f"{kind} -> {status}"] += 1
                except httpx.HTTPError as exc:
                    seen[f"{kind} -> {type(exc).__name__}"] += 1
    results.put(seen)


@dataclass
class Probe:
    latencies_ms: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

    def row(self, label: str) -> str:
        return (
            f"| {label} | {len(self.latencies_ms)} | {statistics.median(self.latencies_ms):.1f} "
            f"| {self.percentile(99):.1f} | {max(self.latencies_ms):.1f} |"
        )


def probe(url: str, duration_s: float, interval_s: float = 0.01) -> Probe:
    """``{ __typename }`` one after another for ``duration_s``; each latency in ms."""
    latencies: list[float] = []
    deadline = time.monotonic() + duration_s
    with httpx.Client(timeout=30) as client:
        client.post(url, json={"query": "{ __typename }"})  # connection set up, not measured
        while time.monotonic() < deadline:
            started = time.perf_counter()
            answer = client.post(url, json={"query": "{ __typename }"})
            latencies.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"probe got {answer.status_code}: {answer.text[:200]}")
            time.sleep(interval_s)
    return Probe(latencies)


def under_attack(url: str, duration_s: float, kinds: tuple[str, ...], clients: int = 2) -> tuple[Probe, Counter[str]]:
    """The probe while ``clients`` hostile processes send ``kinds`` of requests back to back."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    results: multiprocessing.Queue[Counter[str]] = context.Queue()
    attackers = [context.Process(target=_attack, args=(url, kinds, stop, results)) for _ in range(clients)]
    for attacker in attackers:
        attacker.start()
    try:
        time.sleep(1.0)  # the attackers are up and sending
        measured = probe(url, duration_s)
    finally:
        stop.set()
        seen: Counter[str] = Counter()
        for _ in attackers:
            seen.update(results.get(timeout=120))
        for attacker in attackers:
            attacker.join(timeout=30)
    return measured, seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile", description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of probing per phase")
    parser.add_argument("--kind", choices=[*KINDS, "all"], default="all")
    args = parser.parse_args(argv)
    kinds = KINDS if args.kind == "all" else (args.kind,)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with simulators(workdir) as sims, gateway(workdir, sims.config) as gw:
            alone = probe(gw.graphql_url, args.duration)
            attacked, seen = under_attack(gw.graphql_url, args.duration, kinds)
    print("`{ __typename }` latency of a third client (ms), gateway on loopback")
    print("| phase | probes | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    print(alone.row("alone"))
    print(attacked.row(f"2 clients sending {' / '.join(kinds)}"))
    print("\nhostile requests answered:")
    for outcome, n in sorted(seen.items()):
        print(f"  {outcome}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
