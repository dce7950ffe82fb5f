"""SIGTERM on a real ``job-gateway serve`` process with a WebSocket and an SSE subscriber and slow mutations open.

Each must end properly: the WebSocket subscription gets ``complete`` and the socket
closes with 1001; the SSE stream sends ``complete`` and ends; a mutation waiting on a
slow upstream answers with its job; one whose client already left still reaches the
upstream; the process exits 0 within ``shutdown_timeout_s``. The timings are printed
(``pytest -s``) for the record; the only bound asserted is the issue's budget.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.support.processes import Process, gateway, simulators

pytestmark = pytest.mark.integration

UPSTREAM_LATENCY_S = 3.0
SHUTDOWN_TIMEOUT_S = 10.0
WATCH = "subscription { jobStatusChanged(filter: {sources: [SCALE]}) { id status job { id } } }"
SUBMIT = """
mutation($job: JobSubmission!) { submitJob(input: {job: $job}) { job { id nativeId status } errors { code message } } }
"""
LEIA_JOBS = "{ jobs(first: 5, filter: {sources: [LEIA]}) { edges { node { raw } } } }"
LEIA_READ = "query InFlight { jobs(first: 2, filter: {sources: [LEIA]}) { edges { node { id } } } }"


def _leia_submission(process: Process) -> dict[str, Any]:
    edges = process.graphql(LEIA_JOBS)["jobs"]["edges"]
    raw = next(e["node"]["raw"] for e in edges if e["node"]["raw"].get("model_id"))
    return {"leia": {"job": {"applyModel": {"modelId": raw["model_id"], "documentIds": raw["document_ids"][:1]}}}}


async def _websocket(url: str, started: float, protocol: str = "graphql-transport-ws") -> dict[str, Any]:
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"  # legacy graphql-ws
    async with connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=[protocol]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"type": start, "id": "w", "payload": {"query": WATCH}}))
        messages = []
        async for raw in ws:  # ends when the server closes
            message = json.loads(raw)
            if message["type"] != "ka":  # legacy keep-alives
                messages.append(message)
        assert ws.close_code is not None
        return {"messages": messages, "code": ws.close_code, "at": time.monotonic() - started}


async def _sse(url: str, started: float) -> dict[str, Any]:
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(30, read=None)) as client,
        client.stream("POST", f"{url}/graphql", json={"query": WATCH}, headers={"accept": "text/event-stream"}) as r,
    ):
        assert r.status_code == 200
        events = [line.removeprefix("event: ") async for line in r.aiter_lines() if line.startswith("event: ")]
    return {"events": events, "at": time.monotonic() - started}


async def _mutation(
    url: str, job: dict[str, Any] | None, started: float, timeout_s: float, query: str = SUBMIT
) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        try:
            response = await client.post(f"{url}/graphql", json={"query": query, "variables": {"job": job}})
        except httpx.TimeoutException:
            return {"gave_up": True, "at": time.monotonic() - started}
    return {"status": response.status_code, "body": response.json(), "at": time.monotonic() - started}


async def _scenario(process: Process, job: dict[str, Any], faults: Any) -> dict[str, Any]:
    started = time.monotonic()
    ws = asyncio.create_task(_websocket(process.url, started))
    legacy = asyncio.create_task(_websocket(process.url, started, "graphql-ws"))
    sse = asyncio.create_task(_sse(process.url, started))
    await asyncio.sleep(1.0)  # all subscribed (a filter subscription reads Scale's open jobs first)
    faults(UPSTREAM_LATENCY_S)
    slow = asyncio.create_task(_mutation(process.url, job, started, 30))
    detached = asyncio.create_task(_mutation(process.url, job, started, 0.5))  # its client leaves first
    query = asyncio.create_task(_mutation(process.url, None, started, 30, LEIA_READ))
    await asyncio.sleep(0.7)
    signalled = time.monotonic() - started
    process.popen.send_signal(signal.SIGTERM)
    loop = asyncio.get_running_loop()
    code = await loop.run_in_executor(None, process.popen.wait, SHUTDOWN_TIMEOUT_S + 5)
    exited = time.monotonic() - started
    results = await asyncio.gather(ws, legacy, sse, slow, detached, query)
    names = ("ws", "legacy", "sse", "slow", "detached", "query")
    return {"signal": signalled, "exit": exited, "code": code, **dict(zip(names, results, strict=True))}


def test_sigterm_ends_streams_finishes_mutations_and_exits_in_time(tmp_path: Path) -> None:
    with simulators(tmp_path) as (sims, config):
        leia = sims.simulators["leia"]
        process = gateway(config, tmp_path, state_url=f"sqlite:///{tmp_path / 'state.db'}")
        try:
            job = _leia_submission(process)
            before = len(leia.state.jobs)

            def slow_leia(seconds: float) -> None:
                httpx.post(f"{process_sim_url(config)}/leia/_sim/faults", json={"latency_ms": seconds * 1000})

            run = asyncio.run(_scenario(process, job, slow_leia))
        finally:
            process.stop(signal.SIGKILL)
        after = len(leia.state.jobs)

    since_signal = {k: round(run[k]["at"] - run["signal"], 2) for k in ("ws", "legacy", "sse", "slow", "query")}
    print(f"\nshutdown timings after SIGTERM (s): {since_signal}, exit {run['exit'] - run['signal']:.2f}")
    assert run["code"] == 0, process.log.read_text()
    assert run["exit"] - run["signal"] < SHUTDOWN_TIMEOUT_S
    ws = run["ws"]
    assert ws["code"] == 1001, ws
    assert ws["messages"][-1] == {"type": "complete", "id": "w"}, ws
    legacy = run["legacy"]
    assert legacy["code"] == 1001 and legacy["messages"][-1] == {"type": "complete", "id": "w"}, legacy
    assert run["query"]["status"] == 200 and run["query"]["body"]["data"]["jobs"]["edges"], run["query"]
    assert "errors" not in run["query"]["body"], run["query"]
    assert run["sse"]["events"][-1] == "complete", run["sse"]
    slow = run["slow"]
    assert slow.get("status") == 200, slow
    payload = slow["body"]["data"]["submitJob"]
    assert payload["errors"] == [] and payload["job"]["status"], slow
    assert run["detached"] == {"gave_up": True, "at": run["detached"]["at"]}
    # Both submissions reached Leia: the detached one was waited for, not cut off by the exit.
    assert after - before == 2
    # The slow upstream answered well after the signal: the mutation was waited for, not cut.
    assert since_signal["slow"] > 1.0


def process_sim_url(config: Path) -> str:
    """The simulators' origin, read back from the config file the helper wrote."""
    text = config.read_text()
    start = text.index('base_url = "') + len('base_url = "')
    url = text[start : text.index('"', start)]
    return url.rsplit("/", 1)[0]


def test_a_second_sigint_stops_waiting_and_says_so(tmp_path: Path) -> None:
    with simulators(tmp_path) as (_, config):
        process = gateway(config, tmp_path, state_url=f"sqlite:///{tmp_path / 'state.db'}")
        try:
            job = _leia_submission(process)
            httpx.post(f"{process_sim_url(config)}/leia/_sim/faults", json={"latency_ms": 20_000})

            async def scenario() -> tuple[float, int]:
                slow = asyncio.create_task(_mutation(process.url, job, time.monotonic(), 30))
                await asyncio.sleep(0.7)
                started = time.monotonic()
                process.popen.send_signal(signal.SIGINT)
                await asyncio.sleep(0.5)
                process.popen.send_signal(signal.SIGINT)
                code = await asyncio.get_running_loop().run_in_executor(None, process.popen.wait, 15)
                slow.cancel()
                return time.monotonic() - started, code

            took, code = asyncio.run(scenario())
        finally:
            process.stop(signal.SIGKILL)
    # The held mutation would have kept a single-signal drain busy for the whole budget.
    assert code == 1, process.log.read_text()
    assert took < SHUTDOWN_TIMEOUT_S
