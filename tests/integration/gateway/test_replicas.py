"""Replicas behind one address act as one gateway: real gateway processes on one real redis-server.

- a subscriber on B sees a cancel made through A, and ``since`` with an event id that A
  gave resumes on B;
- a job both replicas watch is polled by one of them (a lease in the store): the upstream
  calls of two replicas stay about those of one, and the other replica makes none;
- when the replica holding the poll lease is SIGKILLed, the other takes the polling over
  and its subscriber still gets the job's final state;
- ``serve --workers 2``: two processes on one port share idempotency keys.
"""

from __future__ import annotations

import asyncio
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.integration.gateway.live_support import sse_subscription
from tests.integration.gateway.test_restart_state import NODE, leia_job, leia_total, submitted
from tests.support.processes import Process, gateway, simulators

FAST_POLLING = {
    "JOB_GATEWAY_POLL_TICK_S": "0.05",
    "JOB_GATEWAY_POLL_MIN_INTERVAL_S": "0.1",
    "JOB_GATEWAY_POLL_MAX_INTERVAL_S": "0.3",
    "JOB_GATEWAY_POLL_LEASE_S": "1.5",
}
CANCEL = "mutation($id: ID!) { cancelJob(input: {id: $id}) { job { id status } errors { code message } } }"
UPSTREAM_CALLS = "job_gateway_upstream_requests_total"


def lease_holder(redis_url: str, job: dict[str, Any]) -> str | None:
    """Who holds the poll lease of a Leia job (the holder is named ``host:pid:nonce``)."""
    found = redis.Redis.from_url(redis_url).get(f"job-gateway:lease:LEIA:{job['scope']}:{job['nativeId']}")
    return None if found is None else bytes(found).decode()


def pid_of(holder: str | None) -> int | None:
    return None if holder is None else int(holder.split(":")[-2])


def worker_pids(parent: int) -> list[int]:
    """The processes uvicorn's supervisor ``parent`` spawned to serve (multiprocessing's spawn children)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(proc.name))
    return found


def wait_for(condition: Any, what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


JOB_FIELDS = "id nativeId status"


def submit_leia(process: Process) -> dict[str, Any]:
    job = submitted(process, leia_job(process))["job"]
    scope = process.graphql("query($id: ID!) { node(id: $id) { ... on Job { scope } } }", {"id": job["id"]})
    return {**job, "scope": scope["node"]["scope"]}


async def next_events(stream: Any, count: int) -> list[dict[str, Any]]:
    return [await stream.next_event() for _ in range(count)]


def test_replicas_share_events_resume_and_take_over_polling(tmp_path: Path, redis_url: str) -> None:
    with simulators(tmp_path) as (sims, config):
        a = gateway(config, tmp_path, state_url=redis_url, name="a", env=FAST_POLLING)
        b = gateway(config, tmp_path, state_url=redis_url, name="b", env=FAST_POLLING)
        try:
            asyncio.run(_share_and_take_over(sims, a, b, redis_url))
        finally:
            a.stop(signal.SIGKILL)
            b.stop()


async def _share_and_take_over(sims: Any, a: Process, b: Process, redis_url: str) -> None:
    # 1. A cancel through A reaches a subscriber on B.
    cancelled = submit_leia(a)
    async with sse_subscription(b.graphql_url, {"ids": [cancelled["id"]]}) as on_b:
        answer = a.graphql(CANCEL, {"id": cancelled["id"]})["cancelJob"]
        assert answer["errors"] == [], answer
        seen = await on_b.next_event()
        assert seen is not None and (seen["previousStatus"], seen["status"]) == ("QUEUED", "CANCELED"), seen
        assert await on_b.next_event() is None, "a final state completes the stream"

    # 2. ``since`` with an id A gave resumes on B.
    history = a.graphql(NODE, {"id": cancelled["id"]})["node"]["statusHistory"]
    assert [event["status"] for event in history] == ["QUEUED", "CANCELED"], history
    async with sse_subscription(b.graphql_url, {"ids": [cancelled["id"]], "since": history[0]["id"]}) as resumed:
        replayed = await resumed.next_event()
        assert replayed is not None and replayed["id"] == history[1]["id"] and replayed["status"] == "CANCELED"

    # 3. The lease holder dies; the other replica takes the polling over and delivers the final state.
    doomed_holder = submit_leia(a)  # A follows its own submission to the end: A polls it.
    wait_for(lambda: pid_of(lease_holder(redis_url, doomed_holder)) == a.popen.pid, "A to take the poll lease")
    async with sse_subscription(b.graphql_url, {"ids": [doomed_holder["id"]]}) as on_b:
        await asyncio.sleep(0.5)
        assert pid_of(lease_holder(redis_url, doomed_holder)) == a.popen.pid, "B watches; A still polls"
        a.stop(signal.SIGKILL)
        sims.clock.advance(3600)  # the job runs to its end while its poller is dead
        events = []
        while (event := await on_b.next_event()) is not None:
            events.append(event)
        assert events and events[-1]["status"] in {"SUCCEEDED", "FAILED"}, events
        assert pid_of(lease_holder(redis_url, doomed_holder)) in (b.popen.pid, None)


def test_two_replicas_poll_a_job_no_more_than_one(tmp_path: Path, redis_url: str) -> None:
    with simulators(tmp_path) as (_, config):
        a = gateway(config, tmp_path, state_url=redis_url, name="a", env=FAST_POLLING)
        b = gateway(config, tmp_path, state_url=redis_url, name="b", env=FAST_POLLING)
        try:
            calls = asyncio.run(_count_polls(a, b))
        finally:
            a.stop()
            b.stop()
    one, a_of_two, b_of_two = calls
    print(f"status polls in 3 s: one replica {one:.0f}; two replicas {a_of_two:.0f} + {b_of_two:.0f}")
    assert one > 3, "the job was polled"
    assert b_of_two == 0, "the replica without the lease made no poll"
    assert a_of_two + b_of_two <= one * 1.5 + 3, "two replicas poll about as much as one"


async def _count_polls(a: Process, b: Process) -> tuple[float, float, float]:
    running = a.graphql("{ jobs(first: 3, filter: {sources: [SCALE], statuses: [RUNNING]}) { edges { node { id } } } }")
    ids = [edge["node"]["id"] for edge in running["jobs"]["edges"]]
    assert ids, "the seeded world has running Scale jobs"

    def scale_calls(process: Process) -> float:
        return process.metric(UPSTREAM_CALLS, source="SCALE")

    async with sse_subscription(a.graphql_url, {"ids": ids}):
        await asyncio.sleep(1.0)
        start = scale_calls(a)
        await asyncio.sleep(3.0)
        one = scale_calls(a) - start
        async with sse_subscription(b.graphql_url, {"ids": ids}):
            await asyncio.sleep(1.0)  # B loads the jobs once when it subscribes: not polling
            start_a, start_b = scale_calls(a), scale_calls(b)
            await asyncio.sleep(3.0)
            return one, scale_calls(a) - start_a, scale_calls(b) - start_b


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_serve_workers_share_one_port_and_their_keys(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    state_url = request.getfixturevalue("redis_url") if backend == "redis" else f"sqlite:///{tmp_path / 'w.db'}"
    with simulators(tmp_path) as (_, config):
        # Each worker keeps its own freshness window: a list read on the other worker may be up to
        # list_freshness_s old. This test counts Leia's jobs across workers, so it turns the window off.
        no_window = {"JOB_GATEWAY_LEIA_LIST_FRESHNESS_S": "0"}
        both = gateway(config, tmp_path, state_url=state_url, name="workers", workers=2, env=no_window)
        try:
            job = leia_job(both)
            before = leia_total(both)
            with ThreadPoolExecutor(6) as pool:
                answers = list(pool.map(lambda _: submitted(both, job, f"workers-key-{backend}"), range(6)))
            assert len({answer["job"]["id"] for answer in answers}) == 1
            assert sorted(answer["replayed"] for answer in answers) == [False, True, True, True, True, True]
            assert leia_total(both) == before + 1
            assert len(worker_pids(both.popen.pid)) == 2
        finally:
            assert both.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
