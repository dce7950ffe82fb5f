"""The in-process bus: ids, filters, resume, back-pressure and cleanup."""

from __future__ import annotations

import asyncio

import pytest

from adapters.model import JobStatus
from gateway.events import EventBus, InProcessEventBus, JobRef, StatusEvent, SubscriptionOverflow
from tests.unit.events.support import AT, drain, make_job, make_ref

Q, R, OK, FAIL = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED


async def publish(bus: EventBus, native_id: str, status: JobStatus, previous: JobStatus | None = None) -> StatusEvent:
    return await bus.publish(make_ref(native_id), make_job(native_id, status), previous, status, AT)


def statuses(events: list[StatusEvent]) -> list[tuple[str, JobStatus]]:
    return [(event.ref.key.native_id, event.status) for event in events]


async def test_ids_increase_and_events_arrive_in_publish_order() -> None:
    bus = InProcessEventBus()
    subscription = bus.subscribe()
    published = [await publish(bus, "1", Q), await publish(bus, "2", Q), await publish(bus, "1", R, Q)]

    received = await drain(subscription)

    assert [event.id for event in published] == [1, 2, 3]
    assert received == published
    assert received[2].previous_status is Q
    assert subscription.last_id == 3
    assert bus.stats().last_id == 3


async def test_refs_and_predicate_both_filter() -> None:
    bus = InProcessEventBus()
    by_ref = bus.subscribe(refs={make_ref("1")})
    by_predicate = bus.subscribe(predicate=lambda job: job.status is R)
    both = bus.subscribe(refs={make_ref("2")}, predicate=lambda job: job.status is R)
    await publish(bus, "1", Q)
    await publish(bus, "2", R, Q)
    await publish(bus, "1", R, Q)

    assert statuses(await drain(by_ref)) == [("1", Q), ("1", R)]
    assert statuses(await drain(by_predicate)) == [("2", R), ("1", R)]
    assert statuses(await drain(both)) == [("2", R)]


async def test_since_id_replays_what_followed_then_continues_live() -> None:
    bus = InProcessEventBus()
    for native_id in "12345":
        await publish(bus, native_id, Q)

    subscription = bus.subscribe(refs={make_ref("2"), make_ref("4"), make_ref("5")}, since_id=2)
    await publish(bus, "5", R, Q)

    assert [event.id for event in await drain(subscription)] == [4, 5, 6]
    assert not subscription.gap


async def test_since_id_at_the_last_event_replays_nothing() -> None:
    bus = InProcessEventBus()
    await publish(bus, "1", Q)

    subscription = bus.subscribe(since_id=1)

    assert await drain(subscription) == []
    assert not subscription.gap


async def test_since_id_older_than_the_window_replays_what_is_left_and_flags_a_gap() -> None:
    bus = InProcessEventBus(window=3)
    for native_id in "12345":
        await publish(bus, native_id, Q)

    late = bus.subscribe(since_id=1)
    just_in_time = bus.subscribe(since_id=2)

    assert [event.id for event in await drain(late)] == [3, 4, 5]
    assert late.gap
    assert [event.id for event in await drain(just_in_time)] == [3, 4, 5]
    assert not just_in_time.gap


async def test_since_id_beyond_the_last_event_replays_the_window_with_a_gap() -> None:
    bus = InProcessEventBus()  # e.g. the client's id came from before a restart
    await publish(bus, "1", Q)
    await publish(bus, "2", Q)

    subscription = bus.subscribe(since_id=900)

    assert [event.id for event in await drain(subscription)] == [1, 2]
    assert subscription.gap


async def test_since_id_on_an_empty_bus_has_no_gap_only_from_zero() -> None:
    bus = InProcessEventBus()

    assert not bus.subscribe(since_id=0).gap
    assert bus.subscribe(since_id=5).gap
    with pytest.raises(ValueError, match="since_id"):
        bus.subscribe(since_id=-1)


async def test_a_replay_larger_than_the_queue_keeps_the_newest_and_flags_a_gap() -> None:
    bus = InProcessEventBus()
    for native_id in range(10):
        await publish(bus, str(native_id), OK)

    subscription = bus.subscribe(since_id=0, max_queue=4)

    assert [event.id for event in await drain(subscription)] == [7, 8, 9, 10]
    assert subscription.gap
    assert bus.stats().subscribers == 1


async def test_a_subscriber_that_keeps_up_sees_every_transition() -> None:
    bus = InProcessEventBus()
    subscription = bus.subscribe(max_queue=10)
    await publish(bus, "1", Q)
    await publish(bus, "1", R, Q)
    await publish(bus, "1", OK, R)

    assert statuses(await drain(subscription)) == [("1", Q), ("1", R), ("1", OK)]
    assert subscription.coalesced == 0


async def test_a_slow_subscriber_skips_intermediate_states_but_gets_every_final_one() -> None:
    bus = InProcessEventBus()
    jobs = [str(n) for n in range(5)]
    slow = bus.subscribe(refs={make_ref(n) for n in jobs}, max_queue=5)
    for step in range(50):
        for native_id in jobs:
            await publish(bus, native_id, Q if step % 2 else R)
    for native_id in jobs:
        await publish(bus, native_id, FAIL if native_id == "3" else OK, R)

    received = await drain(slow)

    assert bus.stats().last_id == 255
    assert len(received) == 5
    assert {event.ref.key.native_id: event.status for event in received} == {
        "0": OK,
        "1": OK,
        "2": OK,
        "3": FAIL,
        "4": OK,
    }
    assert [event.id for event in received] == sorted(event.id for event in received)
    assert slow.coalesced == 250


async def test_a_dead_subscriber_never_delays_publish_or_other_subscribers() -> None:
    bus = InProcessEventBus()
    dead = bus.subscribe(max_queue=10)  # never read, never closed
    live = bus.subscribe(max_queue=10)
    received: list[StatusEvent] = []

    async def read() -> None:
        async for event in live:
            received.append(event)
            if event.id == 2000:
                return

    reader = asyncio.create_task(read())
    for n in range(1000):
        await publish(bus, str(n), R)
        await publish(bus, str(n), OK, R)
        await asyncio.sleep(0)  # let the live reader run, as a real event loop would
    await asyncio.wait_for(reader, 1)

    assert len(received) == 2000
    # The dead one kept at most its own ten events, then (its queue all final states)
    # was cut loose: the bus holds nothing for it any more.
    assert dead.pending == 10
    assert bus.stats().subscribers == 1
    assert bus.stats().pending_events == 0
    with pytest.raises(SubscriptionOverflow):
        for _ in range(11):
            await anext(dead)


async def test_overflow_ends_the_stream_after_what_was_queued_and_resume_picks_up() -> None:
    bus = InProcessEventBus()
    subscription = bus.subscribe(max_queue=3)
    for native_id in "1234":  # four distinct final states, room for three
        await publish(bus, native_id, OK)

    assert bus.stats().subscribers == 0
    received = [await anext(subscription) for _ in range(3)]
    with pytest.raises(SubscriptionOverflow) as raised:
        await anext(subscription)

    assert [event.id for event in received] == [1, 2, 3]
    assert raised.value.last_id == 3
    resumed = bus.subscribe(since_id=raised.value.last_id)
    assert [event.id for event in await drain(resumed)] == [4]
    assert not resumed.gap


async def test_closing_leaves_nothing_behind() -> None:
    bus = InProcessEventBus(window=50)
    refs = [make_ref(str(n)) for n in range(20)]
    subscriptions = [bus.subscribe(refs=refs[n % 20 : n % 20 + 3]) for n in range(200)]
    subscriptions += [bus.subscribe(predicate=lambda job: True, since_id=0) for _ in range(50)]
    for round_ in range(3):
        for n in range(20):
            await publish(bus, str(n), R if round_ < 2 else OK)
    busy = bus.stats()
    assert busy.subscribers == 250
    assert busy.pending_events > 0
    assert busy.indexed_refs == 20

    for subscription in subscriptions:
        subscription.close()
        subscription.close()  # idempotent

    idle = bus.stats()
    assert (idle.subscribers, idle.pending_events, idle.indexed_refs) == (0, 0, 0)
    assert idle.buffered_events == 50  # the replay window stays, bounded
    assert all(subscription.closed for subscription in subscriptions)


async def test_close_wakes_a_waiting_reader_and_ends_its_loop() -> None:
    bus = InProcessEventBus()
    received: list[StatusEvent] = []

    async def read() -> None:
        async with bus.subscribe() as events:
            waiting.set()
            async for event in events:
                received.append(event)
                events.close()

    waiting = asyncio.Event()
    reader = asyncio.create_task(read())
    await waiting.wait()
    await asyncio.sleep(0)
    await publish(bus, "1", Q)
    await asyncio.wait_for(reader, 1)

    assert statuses(received) == [("1", Q)]
    assert bus.stats().subscribers == 0


async def test_leaving_async_with_closes_the_subscription() -> None:
    bus = InProcessEventBus()
    async with bus.subscribe(refs={make_ref("1")}) as subscription:
        assert bus.stats().subscribers == 1

    assert subscription.closed
    assert bus.stats().subscribers == 0
    assert bus.stats().indexed_refs == 0
    with pytest.raises(StopAsyncIteration):
        await anext(subscription)


async def test_a_failing_filter_ends_only_its_own_subscription() -> None:
    bus = InProcessEventBus()

    def broken(job: object) -> bool:
        raise RuntimeError("bad filter")

    faulty = bus.subscribe(predicate=broken)
    healthy = bus.subscribe()
    await publish(bus, "1", Q)
    await publish(bus, "2", Q)

    assert statuses(await drain(healthy)) == [("1", Q), ("2", Q)]
    with pytest.raises(RuntimeError, match="bad filter"):
        await anext(faulty)
    assert bus.stats().subscribers == 1


async def test_history_is_bounded_per_job_and_by_least_recently_changed_job() -> None:
    bus = InProcessEventBus(history_per_job=2, history_jobs=2)
    await publish(bus, "1", Q)
    await publish(bus, "1", R, Q)
    await publish(bus, "1", OK, R)
    await publish(bus, "2", Q)
    await publish(bus, "1", Q, OK)  # rerun: "1" becomes the most recently changed
    await publish(bus, "3", Q)  # evicts "2"

    assert statuses(await bus.history(make_ref("1"))) == [("1", OK), ("1", Q)]
    assert await bus.history(make_ref("2")) == []
    assert statuses(await bus.history(make_ref("3"))) == [("3", Q)]
    assert bus.stats().history_jobs == 2


async def test_the_replay_window_is_bounded() -> None:
    bus = InProcessEventBus(window=100)
    for n in range(1000):
        await publish(bus, str(n % 7), R)

    stats = bus.stats()
    assert stats.buffered_events == 100
    assert stats.last_id == 1000


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        InProcessEventBus(window=0)
    with pytest.raises(ValueError, match="at least one"):
        InProcessEventBus().subscribe(max_queue=0)


def test_refs_are_value_objects() -> None:
    job = make_job("7")
    assert JobRef.of(job) == make_ref("7")
    assert len({make_ref("7"), make_ref("7")}) == 1
