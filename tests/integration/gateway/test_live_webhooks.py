"""Leia callbacks are hints: a callback makes the gateway read the job from Leia, never trust the body.

The gateway's ``public_base_url`` points at itself on loopback; the Leia
simulator's background loop POSTs the Job JSON to the ``callback_url`` the
gateway added at submit time. A ``Blinds`` wrapper in front of the simulators can
make Leia's bulk status read (what the watcher polls) answer 404, so that only a
callback can tell the gateway that a job ended, and counts the reads of each job.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.model import Source
from gateway.events import PollingPolicy
from tests.integration.gateway.live_support import (
    CANCEL,
    TIMEOUT,
    all_released,
    eventually,
    gql,
    live_of,
    live_stack,
    sse_subscription,
    submit_leia,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

# Polls often enough to see the job start, and keeps polling a job that does not change.
POLICY = PollingPolicy(tick=0.02, submitted_delay=0.1, min_interval=0.1, max_interval=0.1, piggyback=0.0)

NODE = """
query Node($id: ID!) { node(id: $id) { ... on Job { status raw statusHistory { previousStatus status } } } }
"""


class Blinds:
    """Answers Leia's bulk status read (``GET /leia/job/{ids}/status``) with 404 while ``closed``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.closed = False
        self.requests: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http":
            self.requests[f"{scope['method']} {path}"] += 1
        if self.closed and scope["type"] == "http" and path.startswith("/leia/job/") and path.endswith("/status"):
            await JSONResponse({"message": "blinded by the test"}, status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


blinds: list[Blinds] = []


def _wrap(app: ASGIApp) -> ASGIApp:
    blinds.append(Blinds(app))
    return blinds[-1]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with live_stack(policy=POLICY, webhooks=True, wrap_simulators=_wrap) as s:
        yield s


def callback_url_of(stack: Stack, native_id: str) -> str:
    url: str = stack.sims.simulators["leia"].state.jobs[native_id].callback_url
    return url


def forged(stack: Stack, native_id: str, status: str) -> dict[str, Any]:
    state = stack.sims.simulators["leia"].state
    body: dict[str, Any] = state.job_json(state.jobs[native_id], stack.sims.clock.now())
    return {**body, "status": status, "finished_time": body["creation_time"], "reason": "forged"}


async def test_a_genuine_callback_gets_the_real_final_state_out_and_polling_stops_for_that_job(stack: Stack) -> None:
    leia_state = stack.sims.simulators["leia"].state
    job = await submit_leia(stack)
    other = await submit_leia(stack, blocked=True)  # keeps the subscription, and the Leia poll, going
    callback_url = callback_url_of(stack, job["nativeId"])
    assert callback_url.startswith(f"{stack.url}/webhooks/leia/")

    live = live_of(stack)
    async with sse_subscription(stack, {"ids": [job["id"], other["id"]]}) as stream:
        await eventually(lambda: live.active_subscriptions == 1)
        await eventually(lambda: live.watcher.stats().polls[Source.LEIA] >= 2)
        # From now on polling cannot see the end: only the callback, and the read it triggers, can.
        blinds[0].closed = True
        read = f"GET /leia/job/{job['nativeId']}"
        reads = blinds[0].requests[read]
        stack.advance(120)
        event = await stream.next_event()
        assert event is not None
        assert event["job"]["id"] == job["id"]
        truth = leia_state.job_json(leia_state.jobs[job["nativeId"]], stack.sims.clock.now())["status"]
        assert event["job"]["nativeStatus"] == truth and truth in {"PROCESSED", "FAILED"}
        assert event["previousStatus"] == "QUEUED"
        assert blinds[0].requests[read] > reads, "the gateway read the job from Leia"
        # The simulator logs the attempt once our 204 reached it, which may be just after the event.
        await eventually(
            lambda: any(a.job_id == job["nativeId"] and a.http_status == 204 for a in leia_state.callback_log)
        )

        blinds[0].closed = False
        stats = live.watcher.stats()
        assert stats.polling[Source.LEIA] == 1  # only the blocked job is still polled
        await eventually(lambda: live.watcher.stats().polls[Source.LEIA] >= stats.polls[Source.LEIA] + 3)
        after = live.watcher.stats()
        # Every poll since the callback asked for one job: the other one.
        assert (
            after.polled_jobs[Source.LEIA] - stats.polled_jobs[Source.LEIA]
            == after.polls[Source.LEIA] - stats.polls[Source.LEIA]
        )
    await all_released(stack)


async def test_a_forged_final_status_with_a_valid_token_changes_nothing_a_client_can_see(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    url = callback_url_of(stack, job["nativeId"])
    token = url.rsplit("/", 1)[1]
    live = live_of(stack)
    async with sse_subscription(stack, {"ids": [job["id"]]}) as stream:
        await eventually(lambda: live.active_subscriptions == 1)
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            answer = await client.post(url, json=forged(stack, job["nativeId"], "FAILED"))
        assert answer.status_code == 204  # accepted as a hint: Leia was asked, and says BLOCKED

        data = await gql(stack, NODE, {"id": job["id"]})
        node = data["node"]
        assert node["status"] == "BLOCKED"
        assert all(h["status"] != "FAILED" for h in node["statusHistory"])
        # Nobody can read the callback URL, so nobody can learn the token from the graph.
        assert node["raw"]["callback_url"] == "[redacted]"
        assert token not in str(data)

        # The next event the subscriber gets is a real one: the cancel, from BLOCKED.
        canceled = await gql(stack, CANCEL, {"id": job["id"]})
        assert canceled["cancelJob"]["errors"] == []
        events = await stream.events_until_complete()
    assert [(e["previousStatus"], e["status"]) for e in events] == [("BLOCKED", "CANCELED")]
    history = (await gql(stack, NODE, {"id": job["id"]}))["node"]["statusHistory"]
    assert [h["status"] for h in history if h["status"] in {"FAILED", "CANCELED"}] == ["CANCELED"]
    await all_released(stack)


async def test_a_flood_of_callbacks_is_not_a_flood_of_upstream_reads(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    url = callback_url_of(stack, job["nativeId"])
    body = forged(stack, job["nativeId"], "PROCESSED")
    read = f"GET /leia/job/{job['nativeId']}"
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        answers = await asyncio.gather(*(client.post(url, json=body) for _ in range(40)))
    assert {a.status_code for a in answers} == {204}
    interval = stack.app.state.services.callback_reads.min_interval_s
    await asyncio.sleep(interval + 0.5)  # the one trailing read, for everything that came meanwhile
    assert 1 <= blinds[0].requests[read] <= 2
    assert (await gql(stack, NODE, {"id": job["id"]}))["node"]["status"] == "BLOCKED"


async def test_a_callback_with_an_unknown_token_or_for_another_job_changes_nothing(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    leia_state = stack.sims.simulators["leia"].state
    callback_url = leia_state.jobs[job["nativeId"]].callback_url
    seeded = next(
        j for j in leia_state.jobs.values() if j.application_id == leia_state.jobs[job["nativeId"]].application_id
    )
    live = live_of(stack)
    published = live.watcher.stats().published
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        forged = {
            **leia_state.job_json(leia_state.jobs[job["nativeId"]], stack.sims.clock.now()),
            "status": "PROCESSED",
        }
        unknown = await client.post(f"{stack.url}/webhooks/leia/not-a-token", json=forged)
        assert unknown.status_code == 404
        other = {**leia_state.job_json(seeded, stack.sims.clock.now()), "status": "PROCESSED"}
        wrong_job = await client.post(callback_url, json=other)
        assert wrong_job.status_code == 403
        garbage = await client.post(callback_url, content=b"not json", headers={"content-type": "application/json"})
        assert garbage.status_code == 400
    assert live.watcher.stats().published == published


async def test_a_callback_naming_another_application_is_refused(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    leia_state = stack.sims.simulators["leia"].state
    sim_job = leia_state.jobs[job["nativeId"]]
    body = {**leia_state.job_json(sim_job, stack.sims.clock.now()), "status": "PROCESSED", "application_id": "f" * 24}
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        answer = await client.post(sim_job.callback_url, json=body)
    assert answer.status_code == 403


async def test_a_token_whose_submit_has_not_returned_yet_speaks_for_one_job_only(stack: Stack) -> None:
    hooks = stack.app.state.services.callbacks
    _, url = await hooks.new_callback_url(Source.LEIA)  # as submitJob does before calling Leia
    leia_state = stack.sims.simulators["leia"].state
    first = await submit_leia(stack, blocked=True)
    second = await submit_leia(stack, blocked=True)
    now = stack.sims.clock.now()
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        early = await client.post(url, json=leia_state.job_json(leia_state.jobs[first["nativeId"]], now))
        assert early.status_code == 204
        hijack = await client.post(url, json=leia_state.job_json(leia_state.jobs[second["nativeId"]], now))
        assert hijack.status_code == 403
