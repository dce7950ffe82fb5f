"""Leia callbacks: a job submitted through the gateway reports its end by webhook, and is then no longer polled.

The gateway's ``public_base_url`` points at itself on loopback; the Leia
simulator's background loop POSTs the Job JSON to the ``callback_url`` the
gateway added at submit time.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from adapters.model import Source
from gateway.events import PollingPolicy
from tests.integration.gateway.live_support import (
    TIMEOUT,
    all_released,
    eventually,
    live_of,
    live_stack,
    sse_subscription,
    submit_leia,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

# Polls often enough to see the job start, and keeps polling a job that does not change.
POLICY = PollingPolicy(tick=0.02, submitted_delay=0.1, min_interval=0.1, max_interval=0.1, piggyback=0.0)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with live_stack(policy=POLICY, webhooks=True) as s:
        yield s


async def test_the_final_state_arrives_by_webhook_and_polling_stops_for_that_job(stack: Stack) -> None:
    leia_state = stack.sims.simulators["leia"].state
    job = await submit_leia(stack)
    other = await submit_leia(stack, blocked=True)  # keeps the subscription, and the Leia poll, going
    callback_url = leia_state.jobs[job["nativeId"]].callback_url
    assert callback_url.startswith(f"{stack.url}/webhooks/leia/")

    live = live_of(stack)
    async with sse_subscription(stack, {"ids": [job["id"], other["id"]]}) as stream:
        await eventually(lambda: live.active_subscriptions == 1)
        await eventually(lambda: live.watcher.stats().polls[Source.LEIA] >= 2)
        # From now on Leia answers every gateway request with 404: only the callback can tell the end.
        stack.faults("leia", {"error_rate": 1, "status": 404})
        stack.advance(120)
        event = await stream.next_event()
        assert event is not None
        assert event["job"]["id"] == job["id"]
        assert event["status"] in {"SUCCEEDED", "FAILED"} and event["previousStatus"] == "QUEUED"
        # The simulator logs the attempt once our 204 reached it, which may be just after the event.
        await eventually(
            lambda: any(a.job_id == job["nativeId"] and a.http_status == 204 for a in leia_state.callback_log)
        )

        stack.faults("leia", {})
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
    _, url = hooks.new_callback_url(Source.LEIA)  # as submitJob does before calling Leia
    leia_state = stack.sims.simulators["leia"].state
    first = await submit_leia(stack, blocked=True)
    second = await submit_leia(stack, blocked=True)
    now = stack.sims.clock.now()
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        early = await client.post(url, json=leia_state.job_json(leia_state.jobs[first["nativeId"]], now))
        assert early.status_code == 204
        hijack = await client.post(url, json=leia_state.job_json(leia_state.jobs[second["nativeId"]], now))
        assert hijack.status_code == 403
