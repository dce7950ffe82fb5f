"""Side by side with the gateway users would pick instead: Hive Gateway over GraphQL Mesh.

``make bench-peer`` installs the peer from npm (``benchmarks/peer/package.json``,
pinned, with its lock file), then runs this: the simulators (frozen clock) in a
subprocess, the peer composed by ``mesh-compose`` from the simulators' own OpenAPI
documents (``benchmarks/peer/mesh.config.ts``: Scale, Leia, WordLift) and served by
``hive-gateway``, and our gateway (``job-gateway serve``, default configuration).
Each scenario sends equivalent queries (same fields, same page sizes) to both with
the same load generator (``autocannon``), alternating ours and theirs, and reports
ours ÷ theirs for req/s, p50, p99, CPU ms per request (each gateway's own process
tree, from ``/proc``) and upstream calls per request (counted by the simulators,
``GET {sim}/_sim/stats``).

Then the same on every core: ours with ``serve --workers N`` (N = the machine's
cores; state shared through the default SQLite store) against Hive Gateway's own
multi-process mode (``--fork N``), on the scenarios at concurrency 10 and more.

Options: ``--duration`` seconds per run (default 5), ``--rounds`` (default 2),
``--out PATH`` (write the Markdown tables there too).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.processes import SIM_NAMES, cpu_seconds, free_port, gateway, simulators, workdir

PEER = Path(__file__).resolve().parent / "peer"
BIN = PEER / "node_modules" / ".bin"
SOURCES = ("scale", "leia", "wordlift")

SCALE_FIELDS_THEIRS = "id status created started ended job_type { name }"
SCALE_FIELDS_OURS = "nativeId status createdAt startedAt finishedAt jobType { name }"


@dataclass(frozen=True)
class Scenario:
    name: str
    ours: str
    theirs: str
    concurrency: int
    latency_ms: int


def scenarios(graph: str) -> list[Scenario]:
    scale_theirs = f"{{ _rest_v6_job_list(page_size: 50) {{ count results {{ {SCALE_FIELDS_THEIRS} }} }} }}"
    scale_ours = f"{{ jobs(first: 50, filter: {{sources: [SCALE]}}) {{ totalCount edges {{ node {{ {SCALE_FIELDS_OURS} }} }} }} }}"
    three_theirs = (
        f"{{ s: _rest_v6_job_list(page_size: 17) {{ results {{ id status created started ended }} }} "
        "l: get_jobs(limit: 17) { id status creation_time starting_time finished_time } "
        f'w: list_jobs_for_graph_kpi_graphs__graph_id__jobs_get(graph_id: "{graph}", limit: 17) '
        "{ ... on WordLift_JobListResponse { items { job_id status started_at finished_at } } } }"
    )
    node = "edges { node { nativeId status createdAt startedAt finishedAt } }"
    three_ours = (
        f"{{ s: jobs(first: 17, filter: {{sources: [SCALE]}}) {{ {node} }} "
        f"l: jobs(first: 17, filter: {{sources: [LEIA]}}) {{ {node} }} "
        f'w: jobs(first: 17, filter: {{sources: [WORDLIFT], scopes: ["{graph}"]}}) {{ {node} }} }}'
    )
    return [
        Scenario("Scale, 50 jobs, 0 ms, concurrency 1", scale_ours, scale_theirs, 1, 0),
        Scenario("Scale, 50 jobs, 50 ms, concurrency 1", scale_ours, scale_theirs, 1, 50),
        Scenario("Scale, 50 jobs, 0 ms, concurrency 10", scale_ours, scale_theirs, 10, 0),
        Scenario("Scale, 50 jobs, 50 ms, concurrency 10", scale_ours, scale_theirs, 10, 50),
        Scenario("3 sources, 0 ms, concurrency 1", three_ours, three_theirs, 1, 0),
        Scenario("3 sources, 50 ms, concurrency 10", three_ours, three_theirs, 10, 50),
    ]


def multi_process_scenarios(graph: str) -> list[Scenario]:
    wide = [s for s in scenarios(graph) if s.concurrency >= 10]
    return [
        *wide,
        *(
            Scenario(s.name.replace("concurrency 10", "concurrency 20"), s.ours, s.theirs, 20, s.latency_ms)
            for s in wide
            if s.latency_ms
        ),
    ]


@dataclass
class Run:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    calls: list[float] = field(default_factory=list)
    errors: int = 0

    def mean(self, values: list[float]) -> float:
        return sum(values) / len(values) if values else float("nan")


def sim_requests(sim_url: str) -> int:
    return sum(httpx.get(f"{sim_url}/{name}/_sim/stats", timeout=10).json()["requests"] for name in SOURCES)


def check(url: str, query: str) -> None:
    body = httpx.post(url, json={"query": query}, timeout=60).json()
    if body.get("errors") or not body.get("data"):
        raise RuntimeError(f"{url}: {json.dumps(body)[:500]}")


def autocannon(url: str, query: str, concurrency: int, duration_s: float) -> dict[str, Any]:
    command = [
        str(BIN / "autocannon"),
        "--json",
        "-c",
        str(concurrency),
        "-d",
        str(duration_s),
        "-m",
        "POST",
        "-H",
        "content-type=application/json",
        "-b",
        json.dumps({"query": query}),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration_s + 120)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure(url: str, pid: int, sim_url: str, scenario: Scenario, query: str, duration_s: float, into: Run) -> None:
    autocannon(url, query, scenario.concurrency, 1)  # warm-up: connections, caches, JIT
    cpu, calls = cpu_seconds(pid), sim_requests(sim_url)
    result = autocannon(url, query, scenario.concurrency, duration_s)
    cpu, calls = cpu_seconds(pid) - cpu, sim_requests(sim_url) - calls
    done = max(1, int(result["requests"]["total"]))
    into.rps.append(float(result["requests"]["average"]))
    into.p50.append(float(result["latency"]["p50"]))
    into.p99.append(float(result["latency"]["p99"]))
    into.cpu_ms.append(cpu * 1000 / done)
    into.calls.append(calls / done)
    into.errors += int(result.get("errors", 0)) + int(result.get("non2xx", 0))


def faults(sim_url: str, latency_ms: int) -> None:
    for name in SOURCES:
        body = {"latency_ms": latency_ms} if latency_ms else {}
        httpx.post(f"{sim_url}/{name}/_sim/faults", json=body, timeout=10).raise_for_status()


def start_peer(wd: Path, sim_url: str, config: dict[str, Any], fork: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    login = httpx.post(f"{sim_url}/leia/login", json={"api_key": config["leia"]["api_key"]}, timeout=10)
    login.raise_for_status()
    env = {
        **os.environ,
        "SIM_URL": sim_url,
        "SCALE_TOKEN": config["scale"]["token"],
        "LEIA_TOKEN": login.json()["token"],
        "WORDLIFT_KEY": config["wordlift"]["api_key"],
    }
    supergraph = wd / "supergraph.graphql"
    subprocess.run(
        [str(BIN / "mesh-compose"), "-o", str(supergraph)], cwd=PEER, env=env, check=True, capture_output=True
    )
    port = free_port()
    log = (wd / "hive.log").open("wb")
    peer = subprocess.Popen(
        [str(BIN / "hive-gateway"), "supergraph", str(supergraph), "--port", str(port), "--fork", str(fork)],
        cwd=PEER,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its --fork workers go with it (stop_peer ends the whole group)
    )
    url = f"http://127.0.0.1:{port}/graphql"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.post(url, json={"query": "{ __typename }"}, timeout=2).status_code == 200:
                return peer, url
        except httpx.HTTPError:
            time.sleep(0.2)
    stop_peer(peer)
    raise RuntimeError(f"hive-gateway did not start:\n{(wd / 'hive.log').read_text()[-2000:]}")


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs else "n/a"


def table(results: list[tuple[Scenario, Run, Run]]) -> str:
    rows = [
        "| scenario | req/s ours / Hive (÷) | p50 ms ours / Hive | p99 ms ours / Hive | CPU ms/req ours / Hive (÷) "
        "| upstream calls/req ours / Hive | errors ours / Hive |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for scenario, ours, theirs in results:
        m = ours.mean
        t = theirs.mean
        rows.append(
            f"| {scenario.name} | {m(ours.rps):.0f} / {t(theirs.rps):.0f} ({ratio(m(ours.rps), t(theirs.rps))}) "
            f"| {m(ours.p50):.0f} / {t(theirs.p50):.0f} | {m(ours.p99):.0f} / {t(theirs.p99):.0f} "
            f"| {m(ours.cpu_ms):.2f} / {t(theirs.cpu_ms):.2f} ({ratio(m(ours.cpu_ms), t(theirs.cpu_ms))}) "
            f"| {m(ours.calls):.2f} / {t(theirs.calls):.2f} | {ours.errors} / {theirs.errors} |"
        )
    return "\n".join(rows)


def compare(
    wd: Path,
    sims: Any,
    config: dict[str, Any],
    cases: list[Scenario],
    duration_s: float,
    rounds: int,
    processes: int,
    env: dict[str, str] | None = None,
) -> list[tuple[Scenario, Run, Run]]:
    """Each case on both gateways, ``processes`` processes each, alternating who goes first."""
    results: list[tuple[Scenario, Run, Run]] = []
    peer, peer_url = start_peer(wd, sims.url, config, fork=processes)
    try:
        with gateway(wd, sims.config, f"gateway-peer-bench-{processes}", env=env, workers=processes) as ours:
            pid = ours.process.popen.pid
            for scenario in cases:
                faults(sims.url, scenario.latency_ms)
                check(ours.graphql_url, scenario.ours)
                check(peer_url, scenario.theirs)
                mine, theirs = Run(), Run()
                for n in range(rounds):
                    # Alternate who goes first, so neither always runs on a warmer machine.
                    order = [
                        (ours.graphql_url, pid, scenario.ours, mine),
                        (peer_url, peer.pid, scenario.theirs, theirs),
                    ]
                    for url, process, query, into in order if n % 2 == 0 else reversed(order):
                        measure(url, process, sims.url, scenario, query, duration_s, into)
                print(
                    f"  {processes} process(es), {scenario.name}: ours {mine.mean(mine.rps):.0f} req/s, "
                    f"Hive {theirs.mean(theirs.rps):.0f}",
                    flush=True,
                )
                results.append((scenario, mine, theirs))
            faults(sims.url, 0)
    finally:
        stop_peer(peer)
    return results


def stop_peer(peer: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the peer's process group, SIGKILL after 10 s (a forked Hive Gateway may not exit)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(peer.pid, sig)
        try:
            peer.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def run(duration_s: float, rounds: int, processes: int, window: bool = True) -> str:
    if not (BIN / "hive-gateway").exists():
        raise SystemExit("the peer is not installed: npm ci --prefix benchmarks/peer (make bench-peer does it)")
    with workdir() as wd, simulators(wd) as sims:
        config = tomllib.loads(sims.config.read_text())["sources"]
        graph = config["wordlift"]["graphs"][0]
        # Without the freshness window ours reads upstream for every list, as Hive does.
        env = {} if window else {f"JOB_GATEWAY_{name.upper()}_LIST_FRESHNESS_S": "0" for name in SIM_NAMES}
        single = compare(wd, sims, config, scenarios(graph), duration_s, rounds, 1, env)
        report = "One process each:\n\n" + table(single)
        if processes > 1:
            multi = compare(wd, sims, config, multi_process_scenarios(graph), duration_s, rounds, processes, env)
            report += (
                f"\n\n{processes} processes each (ours `serve --workers {processes}`, Hive `--fork {processes}`; "
                "CPU is the whole process tree's):\n\n" + table(multi)
            )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="processes each for the second table (1: skip it)"
    )
    parser.add_argument(
        "--no-window", action="store_true", help="ours without the freshness window (list_freshness_s = 0 everywhere)"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    report = run(args.duration, args.rounds, args.processes, window=not args.no_window)
    print()
    print(report)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            "## Side by side with Hive Gateway\n\n`make bench-peer` (method in `benchmarks/peer.py`).\n\n"
            + report
            + "\n"
        )
        print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
