"""Two replicas on one store: one event order, ``since`` across replicas, one report per transition, one poller per job."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence

import pytest

from adapters.errors import UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey, Source
from gateway.events import PollingPolicy, StatusEvent, Watcher
from gateway.events.leases import PollLeases
from gateway.events.shared import SharedEventBus
from gateway.state import StateStore
from gateway.state.memory import MemoryStore
from tests.unit.events.support import AT, FakeSource, make_job, make_ref

Q, R, OK = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED


@pytest.fixture
async def buses(store_pair: tuple[StateStore, StateStore]) -> AsyncIterator[tuple[SharedEventBus, SharedEventBus]]:
    a, b = SharedEventBus(store_pair[0], "a"), SharedEventBus(store_pair[1], "b")
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.stop()
        await b.stop()


async def _publish(bus: SharedEventBus, native_id: str, before: JobStatus | None, after: JobStatus) -> StatusEvent:
    return await bus.publish(make_ref(native_id), make_job(native_id, after), before, after, AT)


async def _take(subscription: AsyncIterator[StatusEvent], count: int) -> list[StatusEvent]:
    async with asyncio.timeout(5):
        return [await anext(subscription) for _ in range(count)]


async def test_every_replica_delivers_every_event_in_one_order_with_the_same_ids(
    buses: tuple[SharedEventBus, SharedEventBus],
) -> None:
    a, b = buses
    on_a, on_b = a.subscribe(), b.subscribe()
    published = await asyncio.gather(
        *(_publish(bus, str(n), Q, R) for n in range(10) for bus in (a, b) if (n % 2 == 0) == (bus is a))
    )
    seen_a, seen_b = await _take(on_a, 10), await _take(on_b, 10)
    assert [(e.id, e.ref) for e in seen_a] == [(e.id, e.ref) for e in seen_b]
    assert [e.id for e in seen_a] == sorted(e.id for e in published)
    assert a.last_id == b.last_id == max(e.id for e in published)


async def test_since_from_one_replica_resumes_on_another_started_later(
    buses: tuple[SharedEventBus, SharedEventBus], store_pair: tuple[StateStore, StateStore]
) -> None:
    a, _ = buses
    first = await _publish(a, "1", Q, R)
    later = [await _publish(a, "1", R, OK), await _publish(a, "2", Q, R)]
    newcomer = SharedEventBus(store_pair[1], "c")
    await newcomer.start()
    try:
        resumed = newcomer.subscribe(since_id=first.id)
        assert not resumed.gap
        assert [e.id for e in await _take(resumed, 2)] == [e.id for e in later]
        assert [e.status for e in await newcomer.history(make_ref("1"))] == [R, OK]
    finally:
        await newcomer.stop()


async def test_a_transition_reported_by_both_replicas_is_delivered_once_everywhere(
    buses: tuple[SharedEventBus, SharedEventBus],
) -> None:
    a, b = buses
    on_a, on_b = a.subscribe(), b.subscribe()
    await _publish(a, "1", Q, R)
    # A lease changing hands: both pollers saw RUNNING -> SUCCEEDED.
    await asyncio.gather(_publish(a, "1", R, OK), _publish(b, "1", R, OK))
    await _publish(b, "2", Q, R)
    assert [(e.ref.key.native_id, e.status) for e in await _take(on_a, 3)] == [("1", R), ("1", OK), ("2", R)]
    assert [(e.ref.key.native_id, e.status) for e in await _take(on_b, 3)] == [("1", R), ("1", OK), ("2", R)]


async def test_a_replica_hears_of_the_events_other_replicas_published(
    buses: tuple[SharedEventBus, SharedEventBus],
) -> None:
    a, b = buses
    heard: asyncio.Queue[tuple[str, JobStatus]] = asyncio.Queue()
    b.on_remote(lambda event: heard.put_nowait((event.ref.key.native_id, event.status)))
    await _publish(b, "own", Q, R)
    await _publish(a, "1", Q, R)
    await _publish(a, "1", R, OK)
    async with asyncio.timeout(5):
        assert [await heard.get(), await heard.get()] == [("1", R), ("1", OK)]
    assert heard.empty(), "a replica's own events are not news to it"


class Replica:
    """A bus, a leased watcher and a fake upstream (shared by every replica), as one gateway process."""

    def __init__(self, store: StateStore, name: str, upstream: FakeSource) -> None:
        self.bus = SharedEventBus(store, name)
        self.leases = PollLeases(store, name, ttl_s=1.0, renew_s=0.2)
        policy = PollingPolicy(tick=0.05, submitted_delay=0.05, min_interval=0.05, max_interval=0.05)
        self.calls: list[tuple[str, ...]] = []

        async def fetch(keys: Sequence[NativeKey]) -> Mapping[NativeKey, JobRecord | UpstreamError]:
            self.calls.append(tuple(key.native_id for key in keys))
            return await upstream(keys)

        self.watcher = Watcher(self.bus, {Source.SCALE: fetch}, policy=policy, leases=self.leases)
        self.bus.on_remote(lambda event: self.watcher.learn(event.job))
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bus.start()
        self.task = asyncio.create_task(self.watcher.run())

    async def kill(self) -> None:
        """Stop polling and renewing without releasing: what a SIGKILL leaves behind."""
        self.leases.release_all = _nothing  # type: ignore[method-assign]
        await self.stop()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None
        await self.bus.stop()


async def _nothing() -> None:
    return None


async def test_one_replica_polls_a_job_both_watch_and_the_other_takes_over_when_it_dies(
    store_pair: tuple[StateStore, StateStore],
) -> None:
    upstream = FakeSource()
    upstream.set("1", R)
    a, b = Replica(store_pair[0], "a", upstream), Replica(store_pair[1], "b", upstream)
    await a.start()
    await b.start()
    try:
        ref = make_ref("1")
        a.watcher.watch([ref])
        await asyncio.sleep(0.3)
        # A subscriber's replica loads the job when it subscribes: that is its baseline.
        b.watcher.watch([ref], [make_job("1", R)])
        on_b = b.bus.subscribe()
        await asyncio.sleep(0.5)
        assert a.calls and not b.calls, "the lease holder polls; the other replica does not"

        await a.kill()
        upstream.set("1", OK)
        (event,) = await _take(on_b, 1)
        assert (event.previous_status, event.status) == (R, OK)
        assert b.calls, "the survivor took the lease over and polled"
    finally:
        await a.stop()
        await b.stop()


async def test_catching_up_before_subscribing_keeps_earlier_events_out_of_the_stream(
    buses: tuple[SharedEventBus, SharedEventBus],
) -> None:
    a, b = buses
    earlier = await _publish(a, "1", Q, R)
    await b.catch_up()  # b has no subscriber yet: its tail only looks now and then
    assert b.last_id == earlier.id
    on_b = b.subscribe()
    later = await _publish(a, "1", R, OK)
    assert [event.id for event in await _take(on_b, 1)] == [later.id]
    replayed = b.subscribe(since_id=earlier.id - 1)
    assert [event.id for event in await _take(replayed, 2)] == [earlier.id, later.id]


async def _ends_within(seconds: float, stopping: Coroutine[None, None, None]) -> None:
    # Not asyncio.timeout: cancelling a stop() that waits on a task which swallows cancellations hangs too.
    done, _ = await asyncio.wait({asyncio.ensure_future(stopping)}, timeout=seconds)
    assert done, f"still stopping after {seconds} s"


class _AbsorbingStore(MemoryStore):
    """A store whose waiting read swallows a cancellation, as a client library's own socket timeout can."""

    async def read_after(self, log: str, after: int, *, limit: int, wait_s: float = 0.0) -> list[tuple[int, bytes]]:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(max(wait_s, 0.05))
        return await super().read_after(log, after, limit=limit)


async def test_stop_ends_the_tail_even_when_the_store_swallows_the_cancellation() -> None:
    bus = SharedEventBus(_AbsorbingStore(), "a")
    await bus.start()
    bus.subscribe()  # a subscriber keeps the tail in its waiting read
    await asyncio.sleep(0.1)
    await _ends_within(5, bus.stop())


async def test_a_watcher_stops_even_when_the_lease_store_swallows_the_cancellation() -> None:
    class Absorbing(MemoryStore):
        async def hold(self, keys: Sequence[str], owner: bytes, *, ttl_s: float) -> list[bool]:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.05)
            return await super().hold(keys, owner, ttl_s=ttl_s)

    store = Absorbing()
    replica = Replica(store, "a", FakeSource())
    await replica.start()
    replica.watcher.watch([make_ref("1")], [make_job("1", Q)])
    await asyncio.sleep(0.3)
    await _ends_within(5, replica.stop())
