"""Live job status over GraphQL-over-SSE (distinct connections mode), with httpx streaming against the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.model import Source
from tests.integration.gateway.live_support import (
    CANCEL,
    SUBMIT,
    all_released,
    eventually,
    gql,
    leia_job_input,
    live_of,
    live_stack,
    sse_subscription,
    submit_leia,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

FINAL = {"SUCCEEDED", "FAILED", "CANCELED"}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with live_stack() as s:
        yield s


async def _advance_every(stack: Stack, seconds: float, times: int, pause: float = 0.3) -> None:
    for _ in range(times):
        await asyncio.sleep(pause)
        stack.advance(seconds)


async def test_a_submitted_job_streams_to_its_final_state_then_completes(stack: Stack) -> None:
    job = await submit_leia(stack)
    async with sse_subscription(stack, {"ids": [job["id"]]}) as stream:
        await eventually(lambda: live_of(stack).active_subscriptions == 1)
        mover = asyncio.create_task(_advance_every(stack, 6, 10))
        events = await stream.events_until_complete()
        mover.cancel()  # the clock need not move any further
    statuses = [e["status"] for e in events]
    assert statuses[0] == "RUNNING" and events[0]["previousStatus"] == "QUEUED", events
    assert statuses[-1] in FINAL and not FINAL & set(statuses[:-1]), events
    assert all(e["job"]["id"] == job["id"] for e in events)
    await all_released(stack)


async def test_cancel_over_sse(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    async with sse_subscription(stack, {"ids": [job["id"]]}) as stream:
        await eventually(lambda: live_of(stack).active_subscriptions == 1)
        answer = await gql(stack, CANCEL, {"id": job["id"]})
        assert answer["cancelJob"]["job"]["status"] == "CANCELED"
        events = await stream.events_until_complete()
    assert [(e["previousStatus"], e["status"]) for e in events] == [("BLOCKED", "CANCELED")]
    await all_released(stack)


async def test_a_failed_event_carries_its_error(stack: Stack) -> None:
    """A job whose prerequisite is cancelled fails (Leia): its FAILED event says why."""
    parent = await submit_leia(stack, blocked=True)
    dependent = await leia_job_input(stack)
    dependent["leia"]["executeAfter"] = parent["id"]
    child = (await gql(stack, SUBMIT, {"job": dependent}))["submitJob"]["job"]
    async with sse_subscription(stack, {"ids": [child["id"]]}) as stream:
        await eventually(lambda: live_of(stack).active_subscriptions == 1)
        await gql(stack, CANCEL, {"id": parent["id"]})
        mover = asyncio.create_task(_advance_every(stack, 6, 10))
        events = await stream.events_until_complete()
        mover.cancel()
    last = events[-1]
    assert last["status"] == "FAILED", events
    assert last["error"]["category"] == "CANCELED" and parent["nativeId"] in last["error"]["message"]
    assert last["job"]["error"] == last["error"]
    await all_released(stack)


async def test_a_client_leaving_an_event_stream_releases_everything(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    async with sse_subscription(stack, {"ids": [job["id"]]}):
        await eventually(lambda: live_of(stack).active_subscriptions == 1)
        assert live_of(stack).watcher.stats().watched[Source.LEIA] == 1
    # The client closed the response mid-stream: the server notices and drops the subscription.
    await all_released(stack)


async def test_a_filter_subscription_follows_new_jobs_to_their_end(stack: Stack) -> None:
    flt = {"sources": ["LEIA"], "statuses": ["QUEUED", "RUNNING"]}
    async with sse_subscription(stack, {"filter": flt}) as stream:
        await eventually(lambda: live_of(stack).active_subscriptions == 1)
        job = await submit_leia(stack)
        submitted = await stream.next_event()
        assert submitted is not None
        assert (submitted["job"]["id"], submitted["previousStatus"], submitted["status"]) == (job["id"], None, "QUEUED")
        # It no longer matches once final, but it was followed: the end is still reported.
        mover = asyncio.create_task(_advance_every(stack, 10, 8))
        seen: list[dict[str, Any]] = []
        while not any(e["job"]["id"] == job["id"] and e["status"] in FINAL for e in seen):
            event = await stream.next_event()
            assert event is not None  # a filter subscription never completes by itself
            seen.append(event)
        mover.cancel()  # the clock need not move any further
    await all_released(stack)


async def test_an_already_final_job_is_reported_at_once(stack: Stack) -> None:
    data = await gql(
        stack, "{ jobs(first: 1, filter: {sources: [LEIA], statuses: [FAILED]}) { edges { node { id } } } }"
    )
    gid = data["jobs"]["edges"][0]["node"]["id"]
    async with sse_subscription(stack, {"ids": [gid]}) as stream:
        events = await stream.events_until_complete()
    assert [(e["job"]["id"], e["previousStatus"], e["status"]) for e in events] == [(gid, None, "FAILED")]
    await all_released(stack)
