"""Live job status over graphql-transport-ws, with a real WebSocket client against the running gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.gateway.live_support import (
    CANCEL,
    WsClient,
    all_released,
    eventually,
    gql,
    live_of,
    live_stack,
    sse_subscription,
    submit_leia,
    ws_client,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

FINAL = {"SUCCEEDED", "FAILED", "CANCELED"}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with live_stack(gateway={"ws_init_timeout_s": 0.5}) as s:
        yield s


async def _advance_every(stack: Stack, seconds: float, times: int, pause: float = 0.3) -> None:
    """Move the simulated clock in steps while a client listens."""
    for _ in range(times):
        await asyncio.sleep(pause)
        stack.advance(seconds)


def assert_consistent(events: list[dict[str, object]], first_previous: str | None) -> None:
    """Each event continues from the one before, ids increase, and only the last one is final."""
    previous = first_previous
    for event in events:
        assert event["previousStatus"] == previous, events
        assert event["status"] != previous, events
        previous = str(event["status"])
    ids = [int(str(e["id"])) for e in events]
    assert ids == sorted(set(ids)), events
    assert [e["status"] in FINAL for e in events] == [False] * (len(events) - 1) + [True], events


async def test_a_submitted_job_is_watched_to_its_final_state(stack: Stack) -> None:
    job = await submit_leia(stack)
    assert job["status"] == "QUEUED"
    async with ws_client(stack) as client:
        await client.subscribe("1", {"ids": [job["id"]]})
        await asyncio.sleep(0.2)
        mover = asyncio.create_task(_advance_every(stack, 6, 10))
        events = await client.events_until_complete("1")
        mover.cancel()  # the clock need not move any further
    assert_consistent(events, "QUEUED")
    assert len(events) >= 2  # at least RUNNING, then the final state
    assert {e["job"]["id"] for e in events} == {job["id"]}
    final = await gql(stack, "query($id: ID!) { node(id: $id) { ... on Job { status } } }", {"id": job["id"]})
    assert final["node"]["status"] == events[-1]["status"] == events[-1]["job"]["status"]
    await all_released(stack)


async def test_cancelling_a_job_streams_canceled_at_once(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    assert job["status"] == "BLOCKED"
    async with ws_client(stack) as client:
        await client.subscribe("c", {"ids": [job["id"]]})
        await eventually(lambda: live_of(stack).active_subscriptions == 1)
        published = live_of(stack).watcher.stats().published
        cancelled = await gql(stack, CANCEL, {"id": job["id"]})
        assert cancelled["cancelJob"]["errors"] == []
        events = await client.events_until_complete("c")
    assert [(e["previousStatus"], e["status"]) for e in events] == [("BLOCKED", "CANCELED")]
    # Published once, by the mutation itself: the poll that follows finds nothing new.
    assert live_of(stack).watcher.stats().published == published + 1
    await all_released(stack)


async def test_a_client_that_drops_and_resumes_with_since_still_gets_the_final_state(stack: Stack) -> None:
    job = await submit_leia(stack)
    async with ws_client(stack) as client:
        await client.subscribe("r", {"ids": [job["id"]]})
        await eventually(lambda: live_of(stack).active_subscriptions == 1)
        stack.advance(3)  # READY -> STARTING at most 6 s in; keep advancing until the first move shows
        first = None
        for _ in range(10):
            try:
                message = await client.receive(within=0.5)
            except TimeoutError:
                stack.advance(2)
                continue
            assert message["type"] == "next", message
            first = message["payload"]["data"]["jobStatusChanged"]
            break
        assert first is not None and first["status"] == "RUNNING"
        # Drop the connection abruptly, mid-subscription.
    await all_released(stack)
    stack.advance(120)  # the job ends while nobody watches it
    async with ws_client(stack) as client:
        await client.subscribe("r2", {"ids": [job["id"]], "since": first["id"]})
        events = await client.events_until_complete("r2")
    assert events and events[-1]["status"] in FINAL, events
    assert events[-1]["job"]["id"] == job["id"]
    await all_released(stack)


async def test_resuming_replays_the_transitions_a_client_missed(stack: Stack) -> None:
    job = await submit_leia(stack)
    async with sse_subscription(stack, {"ids": [job["id"]]}) as keeper:
        async with ws_client(stack) as client:
            await client.subscribe("m", {"ids": [job["id"]]})
            await eventually(lambda: live_of(stack).active_subscriptions == 2)
            stack.advance(8)
            first = (await client.receive())["payload"]["data"]["jobStatusChanged"]
        assert (await keeper.next_event()) == first  # same event, same id, for every subscriber
        mover = asyncio.create_task(_advance_every(stack, 8, 6))
        kept = await keeper.events_until_complete()
        mover.cancel()  # the clock need not move any further
    assert kept[-1]["status"] in FINAL
    async with ws_client(stack) as client:
        await client.subscribe("m2", {"ids": [job["id"]], "since": first["id"]})
        replayed = await client.events_until_complete("m2")
    assert replayed == kept  # exactly what it missed, same ids, nothing twice
    await all_released(stack)


async def test_a_second_subscription_on_one_connection_sees_the_current_state(stack: Stack) -> None:
    job = await submit_leia(stack)
    async with ws_client(stack) as client:
        await client.subscribe("a", {"ids": [job["id"]]})
        await eventually(lambda: live_of(stack).active_subscriptions == 1)
        mover = asyncio.create_task(_advance_every(stack, 8, 6))
        first_run = await client.events_until_complete("a")
        mover.cancel()  # the clock need not move any further
        published = live_of(stack).watcher.stats().published
        # Same connection, same job, now final: reported at once from its current state, nothing re-published.
        await client.subscribe("b", {"ids": [job["id"]]})
        second_run = await client.events_until_complete("b")
    assert len(second_run) == 1
    assert second_run[0]["status"] == first_run[-1]["status"]
    assert second_run[0]["previousStatus"] is None
    assert live_of(stack).watcher.stats().published == published


async def test_connection_init_timeout_closes_with_4408(stack: Stack) -> None:
    async with ws_client(stack, init=False) as client:
        with pytest.raises(ConnectionClosed):
            await client.receive(within=5)
        assert client.ws.close_code == 4408


async def test_subscribing_before_the_ack_closes_with_4401(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    async with ws_client(stack, init=False) as client:
        await client.subscribe("early", {"ids": [job["id"]]})
        with pytest.raises(ConnectionClosed):
            await client.receive()
        assert client.ws.close_code == 4401
    assert live_of(stack).active_subscriptions == 0


async def test_subscriptions_per_connection_are_limited(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    limit = live_of(stack).limits.subscriptions_per_connection
    calls_before = stack.upstream_calls()
    async with ws_client(stack) as client:
        for n in range(limit):
            await client.subscribe(f"s{n}", {"ids": [job["id"]]})
        await eventually(lambda: live_of(stack).active_subscriptions == limit)
        await client.subscribe("one-too-many", {"ids": [job["id"]]})
        refused = await client.receive()
        assert refused["type"] == "error" and refused["id"] == "one-too-many"
        assert "limit" in refused["payload"][0]["message"].lower()
        await client.send({"type": "ping"})
        assert (await client.receive())["type"] == "pong"  # the connection stays usable
        await client.send({"type": "complete", "id": "s0"})
        await eventually(lambda: live_of(stack).active_subscriptions == limit - 1)
        await client.subscribe("again", {"ids": [job["id"]]})
        await eventually(lambda: live_of(stack).active_subscriptions == limit)
    # Fifty subscribers of one watched job cost no upstream call each.
    assert stack.upstream_calls() - calls_before <= 3
    await all_released(stack)


async def test_bad_arguments_are_errors_not_hangs(stack: Stack) -> None:
    job = await submit_leia(stack, blocked=True)
    async with ws_client(stack) as client:
        # No argument at all is no error: it watches every job (tests/unit/test_hostile_input.py).
        for op_id, variables in (
            ("bad-since", {"ids": [job["id"]], "since": "yesterday"}),
            ("bad-id", {"ids": ["bm9wZQ"]}),
        ):
            await client.subscribe(op_id, variables)
            message = await client.receive()
            assert message["id"] == op_id and message["type"] in ("error", "next"), message
            errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            assert errors and errors[0]["message"], message
            if message["type"] == "next":  # an error raised by the resolver: the operation then completes
                assert await client.receive() == {"id": op_id, "type": "complete"}
    await all_released(stack)


async def test_operations_on_one_connection_keep_their_errors_and_data_ages_apart(stack: Stack) -> None:
    """One context serves the connection: what a query gathers (partial errors, data ages) stays its own."""
    partial = '{ jobs(first: 3, filter: {finishedAfter: "2020-01-01T00:00:00Z"}) { edges { node { id } } } }'

    async def run(client: WsClient, op_id: str, query: str) -> dict[str, Any]:
        await client.subscribe(op_id, {}, query=query)
        message = await client.receive()
        assert message["type"] == "next" and message["id"] == op_id, message
        assert (await client.receive())["type"] == "complete"
        payload: dict[str, Any] = message["payload"]
        return payload

    async with ws_client(stack) as client:
        first = await run(client, "a", partial)
        assert any("PHYLODB" in e["message"] for e in first["errors"]), first  # phyloDB has no finish times
        await run(client, "b", partial)  # within the freshness window: served from it
        plain = await run(client, "c", "{ __typename }")
    assert plain == {"data": {"__typename": "Query"}}, "no error nor data age of the earlier queries"
