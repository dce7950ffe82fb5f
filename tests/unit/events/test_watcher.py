"""The watcher: shared, batched, adaptive polling, and publishing only real transitions."""

from __future__ import annotations

import asyncio

import pytest

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey, Source
from gateway.events import InProcessEventBus, JobRef, PollingPolicy, StatusEvent, Watcher, batch_fetcher
from tests.unit.events.support import AT, FakeClock, FakeSource, drain, make_job

Q, R, OK, CANCELED = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.CANCELED

POLICY = PollingPolicy(
    tick=0.25, submitted_delay=0.5, min_interval=1.0, max_interval=8.0, backoff=2.0, piggyback=0.0, error_min=1.0
)


class Rig:
    """A bus, a watcher on a fake clock, and fake upstreams."""

    def __init__(self, *sources: Source, policy: PollingPolicy = POLICY) -> None:
        self.clock = FakeClock()
        self.bus = InProcessEventBus()
        self.upstreams = {source: FakeSource(source) for source in sources or (Source.SCALE,)}
        self.watcher = Watcher(
            self.bus, self.upstreams, clock=self.clock, sleep=self.clock.sleep, now=lambda: AT, policy=policy
        )
        self.all_events = self.bus.subscribe()

    @property
    def scale(self) -> FakeSource:
        return self.upstreams[Source.SCALE]

    async def tick_after(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.watcher.tick()

    async def events(self) -> list[tuple[str, JobStatus | None, JobStatus]]:
        return [
            (event.ref.key.native_id, event.previous_status, event.status) for event in await drain(self.all_events)
        ]


async def test_the_first_poll_records_a_baseline_and_publishes_nothing() -> None:
    rig = Rig()
    job = rig.scale.set("1", R)
    rig.watcher.watch({rig.scale.ref("1")})

    await rig.watcher.tick()

    assert rig.scale.calls == [("1",)]
    assert await rig.events() == []
    assert rig.watcher.current(rig.scale.ref("1")) == job


async def test_a_change_is_published_once_with_its_previous_status() -> None:
    rig = Rig()
    rig.scale.set("1", Q)
    rig.watcher.watch({rig.scale.ref("1")})
    await rig.watcher.tick()

    rig.scale.set("1", R)
    await rig.tick_after(1.0)
    await rig.tick_after(1.0)

    assert await rig.events() == [("1", Q, R)]
    assert rig.watcher.stats().published == 1


async def test_a_thousand_subscribers_on_ten_jobs_cost_one_batch_per_source_per_tick() -> None:
    rig = Rig(Source.SCALE, Source.LEIA)
    scale, leia = rig.upstreams[Source.SCALE], rig.upstreams[Source.LEIA]
    refs = []
    for n in range(5):
        scale.set(str(n), R)
        leia.set(str(n), R)
        refs += [scale.ref(str(n)), leia.ref(str(n))]
    subscriptions, handles = [], []
    for n in range(1000):
        mine = {refs[n % 10], refs[(n + 3) % 10], refs[(n + 7) % 10]}
        subscriptions.append(rig.bus.subscribe(refs=mine))
        handles.append(rig.watcher.watch(mine))

    await rig.watcher.tick()  # the baseline
    for tick in range(3):
        for upstream in (scale, leia):
            upstream.set(str(tick), Q)  # keep something changing
        await rig.tick_after(POLICY.max_interval)

    for upstream in (scale, leia):
        assert len(upstream.calls) == 4
        assert all(sorted(call) == ["0", "1", "2", "3", "4"] for call in upstream.calls)
    stats = rig.watcher.stats()
    assert stats.polls == {Source.SCALE: 4, Source.LEIA: 4}
    assert stats.watched == {Source.SCALE: 5, Source.LEIA: 5}
    assert stats.handles == 1000
    assert len(await rig.events()) == 6  # jobs 0, 1, 2 went RUNNING -> QUEUED in both sources
    changed = set(refs[:6])
    assert all(len(subscription.refs or ()) == 3 for subscription in subscriptions)
    assert all(subscription.pending == len(changed & (subscription.refs or set())) for subscription in subscriptions)

    for handle in handles:
        handle.release()
    for subscription in subscriptions:
        subscription.close()
    assert rig.watcher.stats().watched == {Source.SCALE: 0, Source.LEIA: 0}
    assert rig.bus.stats().subscribers == 1  # the rig's own


async def test_a_final_job_is_published_once_then_never_polled() -> None:
    rig = Rig()
    rig.scale.set("1", R)
    rig.watcher.watch({rig.scale.ref("1")})
    await rig.watcher.tick()

    rig.scale.set("1", OK)
    await rig.tick_after(1.0)
    for _ in range(10):
        await rig.tick_after(60.0)

    assert await rig.events() == [("1", R, OK)]
    assert len(rig.scale.calls) == 2
    stats = rig.watcher.stats()
    assert stats.watched == {Source.SCALE: 1}
    assert stats.polling == {Source.SCALE: 0}
    assert rig.watcher.current(rig.scale.ref("1")) == rig.scale.jobs[NativeKey("s", "1")]


async def test_a_job_already_final_at_first_sight_is_never_polled_again() -> None:
    rig = Rig()
    rig.scale.set("1", OK)
    rig.watcher.watch({rig.scale.ref("1")})

    await rig.watcher.tick()
    await rig.tick_after(60.0)

    assert len(rig.scale.calls) == 1
    assert await rig.events() == []


async def test_jobs_nobody_watches_are_not_polled() -> None:
    rig = Rig()
    rig.scale.set("1", R)
    rig.scale.set("2", R)
    with rig.watcher.watch({rig.scale.ref("1"), rig.scale.ref("2")}):
        await rig.watcher.tick()

    await rig.tick_after(60.0)

    assert len(rig.scale.calls) == 1
    stats = rig.watcher.stats()
    assert stats.watched == {Source.SCALE: 0}
    assert stats.handles == 0


async def test_interest_is_refcounted_across_handles() -> None:
    rig = Rig()
    rig.scale.set("1", R)
    rig.scale.set("2", R)
    first = rig.watcher.watch({rig.scale.ref("1"), rig.scale.ref("2")})
    second = rig.watcher.watch({rig.scale.ref("2")})

    first.release()
    first.release()  # idempotent: must not release "2" on behalf of `second`
    await rig.watcher.tick()
    second.release()
    await rig.tick_after(60.0)

    assert rig.scale.calls == [("2",)]
    assert first.released and second.released


async def test_notify_changed_publishes_at_once_and_the_poll_does_not_repeat_it() -> None:
    rig = Rig()
    rig.scale.set("1", R)
    rig.watcher.watch({rig.scale.ref("1")})
    await rig.watcher.tick()

    canceled = rig.scale.set("1", CANCELED)  # a cancel mutation went through
    event = await rig.watcher.notify_changed(rig.scale.ref("1"), canceled)
    await rig.tick_after(60.0)

    assert event is not None and event.previous_status is R
    assert await rig.events() == [("1", R, CANCELED)]
    assert len(rig.scale.calls) == 1  # final: not polled again


async def test_a_webhook_repeating_a_known_state_publishes_nothing_new() -> None:
    rig = Rig()
    rig.scale.set("1", Q)
    rig.watcher.watch({rig.scale.ref("1")})
    await rig.watcher.tick()

    running = rig.scale.set("1", R)
    await rig.watcher.notify_changed(rig.scale.ref("1"), running)
    assert await rig.watcher.notify_changed(rig.scale.ref("1"), running) is None
    await rig.tick_after(1.0)

    assert await rig.events() == [("1", Q, R)]
    assert len(rig.scale.calls) == 2  # still running: still polled


async def test_a_poll_answer_overtaken_by_a_notify_is_discarded() -> None:
    rig = Rig()
    rig.scale.set("1", R)
    rig.watcher.watch({rig.scale.ref("1")})
    await rig.watcher.tick()

    rig.scale.gate = asyncio.Event()
    rig.clock.advance(1.0)
    polling = asyncio.create_task(rig.watcher.tick())
    await asyncio.sleep(0)  # the fetch is now under way and will answer RUNNING
    await rig.watcher.notify_changed(rig.scale.ref("1"), make_job("1", CANCELED))
    rig.scale.gate.set()
    await polling

    assert await rig.events() == [("1", R, CANCELED)]
    assert rig.watcher.current(rig.scale.ref("1")) == make_job("1", CANCELED)


async def test_notify_submitted_publishes_the_new_job_and_polls_it_soon_then_backs_off() -> None:
    rig = Rig()
    ref = rig.scale.ref("1")
    rig.watcher.watch({ref}, known=[make_job("1", Q)])
    start = rig.clock.now

    await rig.watcher.notify_submitted(ref, rig.scale.set("1", Q))
    await rig.tick_after(0.25)
    polled_at = []
    for _ in range(100):  # 25 s of ticks
        calls = len(rig.scale.calls)
        await rig.tick_after(0.25)
        if len(rig.scale.calls) > calls:
            polled_at.append(rig.clock.now - start)

    assert polled_at == [0.5, 1.5, 3.5, 7.5, 15.5, 23.5]  # +0.5, then 1, 2, 4, 8, 8
    assert await rig.events() == []  # known as QUEUED already: nothing new


async def test_a_change_resets_the_back_off() -> None:
    rig = Rig()
    rig.scale.set("1", Q)
    rig.watcher.watch({rig.scale.ref("1")})
    await rig.watcher.tick()
    for _ in range(4):
        await rig.tick_after(8.0)  # interval grows to the ceiling

    rig.scale.set("1", R)
    await rig.tick_after(8.0)
    calls = len(rig.scale.calls)
    await rig.tick_after(1.0)

    assert len(rig.scale.calls) == calls + 1
    assert await rig.events() == [("1", Q, R)]


async def test_the_next_poll_is_timed_from_the_last_ones_sending_not_its_answer() -> None:
    rig = Rig()
    rig.scale.set("1", Q)
    rig.watcher.watch({rig.scale.ref("1")})
    await rig.watcher.tick()  # the baseline: the next poll is due 1.0 later
    rig.scale.gate = asyncio.Event()
    rig.clock.advance(1.0)
    slow = asyncio.create_task(rig.watcher.tick())
    for _ in range(10):  # the tick starts its poll task, which sends
        await asyncio.sleep(0)
    assert len(rig.scale.calls) == 2
    rig.clock.advance(0.5)  # the answer takes 0.5 s
    rig.scale.gate.set()
    await slow
    calls = len(rig.scale.calls)  # unchanged: the interval doubles to 2.0

    await rig.tick_after(1.25)  # 1.75 after that poll was sent
    assert len(rig.scale.calls) == calls
    await rig.tick_after(0.25)  # 2.0 after it was sent, 1.5 after its answer
    assert len(rig.scale.calls) == calls + 1


async def test_a_failing_source_does_not_hold_back_another_and_retries_with_back_off() -> None:
    rig = Rig(Source.SCALE, Source.LEIA)
    scale, leia = rig.upstreams[Source.SCALE], rig.upstreams[Source.LEIA]
    scale.set("1", Q)
    leia.set("1", Q)
    rig.watcher.watch({scale.ref("1"), leia.ref("1")})
    await rig.watcher.tick()

    scale.error = UpstreamError(ErrorKind.UNAVAILABLE, Source.SCALE, "down", status=503)
    scale.set("1", R)
    leia.set("1", R)
    await rig.tick_after(1.0)
    assert await rig.events() == [("1", Q, R)]  # Leia's
    assert len(scale.calls) == 2

    await rig.tick_after(0.5)  # within the 1 s back-off: Scale is left alone
    assert len(scale.calls) == 2
    await rig.tick_after(0.5)  # second failure: next wait is 2 s
    await rig.tick_after(1.0)
    assert len(scale.calls) == 3

    scale.error = None
    await rig.tick_after(1.0)
    assert len(scale.calls) == 4
    assert await rig.events() == [("1", Q, R)]  # Scale's, once it answered again
    assert rig.watcher.stats().failures == {Source.SCALE: 2, Source.LEIA: 0}


async def test_retry_after_is_honoured() -> None:
    rig = Rig()
    rig.scale.set("1", Q)
    rig.watcher.watch({rig.scale.ref("1")})
    rig.scale.error = UpstreamError(ErrorKind.RATE_LIMITED, Source.SCALE, "slow down", status=429, retry_after=5.0)
    await rig.watcher.tick()
    rig.scale.error = None

    await rig.tick_after(4.9)
    assert len(rig.scale.calls) == 1
    await rig.tick_after(0.1)
    assert len(rig.scale.calls) == 2


async def test_a_fetcher_raising_anything_counts_as_a_source_failure() -> None:
    rig = Rig()
    rig.scale.set("1", Q)
    rig.watcher.watch({rig.scale.ref("1")})
    rig.scale.error = RuntimeError("boom")

    await rig.watcher.tick()

    assert rig.watcher.stats().failures == {Source.SCALE: 1}


async def test_an_error_for_one_job_only_backs_off_that_job() -> None:
    rig = Rig()
    rig.scale.set("1", Q)
    rig.watcher.watch({rig.scale.ref("1"), rig.scale.ref("gone")})
    await rig.watcher.tick()

    rig.scale.set("1", R)
    await rig.tick_after(1.0)
    await rig.tick_after(1.0)

    assert await rig.events() == [("1", Q, R)]
    # "gone" backed off to 2 s after its error; "1" changed, so it stayed at 1 s.
    assert [sorted(call) for call in rig.scale.calls] == [["1", "gone"], ["1"], ["1", "gone"]]


async def test_run_keeps_polling_other_sources_while_one_hangs() -> None:
    rig = Rig(Source.SCALE, Source.LEIA)
    scale, leia = rig.upstreams[Source.SCALE], rig.upstreams[Source.LEIA]
    scale.set("1", Q)
    leia.set("1", Q)
    rig.watcher.watch({scale.ref("1"), leia.ref("1")})
    scale.gate = asyncio.Event()  # never opens

    running = asyncio.create_task(rig.watcher.run())
    for _ in range(40):  # 10 s of fake time
        await asyncio.sleep(0)
    leia_polls = len(leia.calls)
    rig.watcher.stop()
    await asyncio.wait_for(running, 1)

    assert len(scale.calls) == 1
    assert leia_polls >= 3
    assert rig.watcher.stats().polls[Source.SCALE] == 1


async def test_known_records_become_the_baseline() -> None:
    rig = Rig()
    ref = rig.scale.ref("1")
    loaded = make_job("1", R)
    rig.watcher.watch({ref}, known=[loaded, make_job("other", Q)])
    assert rig.watcher.current(ref) == loaded

    rig.scale.set("1", OK)
    await rig.watcher.tick()  # a fresh seed is not re-polled at once
    assert rig.scale.calls == []
    await rig.tick_after(1.0)

    assert await rig.events() == [("1", R, OK)]


async def test_a_known_final_job_is_not_polled() -> None:
    rig = Rig()
    rig.watcher.watch({rig.scale.ref("1")}, known=[make_job("1", OK)])

    await rig.tick_after(60.0)

    assert rig.scale.calls == []
    assert rig.watcher.stats().polling == {Source.SCALE: 0}


async def test_a_job_watched_again_resumes_from_its_remembered_state() -> None:
    rig = Rig()
    ref = rig.scale.ref("1")
    rig.scale.set("1", Q)
    with rig.watcher.watch({ref}):
        await rig.watcher.tick()
    assert rig.watcher.stats().remembered == 1

    rig.scale.set("1", R)
    rig.watcher.watch({ref})
    assert rig.watcher.current(ref) == make_job("1", Q)
    await rig.watcher.tick()

    assert await rig.events() == [("1", Q, R)]
    assert rig.watcher.stats().remembered == 0


async def test_notify_for_an_unwatched_job_publishes_and_is_remembered_boundedly() -> None:
    policy = PollingPolicy(remember=2)
    rig = Rig(policy=policy)
    for native_id in "123":
        await rig.watcher.notify_submitted(rig.scale.ref(native_id), make_job(native_id, Q))
    await rig.watcher.notify_changed(rig.scale.ref("3"), make_job("3", Q))

    assert await rig.events() == [("1", None, Q), ("2", None, Q), ("3", None, Q)]
    assert rig.watcher.stats().remembered == 2
    assert rig.watcher.current(rig.scale.ref("1")) is None
    assert rig.scale.calls == []


async def test_jobs_due_soon_ride_along_with_a_poll_of_their_source() -> None:
    rig = Rig(policy=PollingPolicy(min_interval=1.0, piggyback=0.5))
    rig.scale.set("1", Q)
    rig.scale.set("2", Q)
    rig.watcher.watch({rig.scale.ref("1")})
    await rig.watcher.tick()
    rig.clock.advance(0.6)
    rig.watcher.watch({rig.scale.ref("2")})
    await rig.watcher.tick()  # "2" is new and due; "1" is due in 0.4 s, so it comes along

    assert [sorted(call) for call in rig.scale.calls] == [["1"], ["1", "2"]]


async def test_watching_a_source_without_a_fetcher_is_a_clear_error() -> None:
    rig = Rig()

    with pytest.raises(ValueError, match="LEIA"):
        rig.watcher.watch({JobRef(Source.LEIA, NativeKey("app", "1"))})
    assert rig.watcher.stats().handles == 0


async def test_subscriber_end_to_end_through_the_bus() -> None:
    rig = Rig()
    ref = rig.scale.ref("1")
    rig.scale.set("1", Q)
    received: list[StatusEvent] = []

    async def subscriber() -> None:
        async with rig.bus.subscribe(refs={ref}) as events:
            with rig.watcher.watch({ref}):
                async for event in events:
                    received.append(event)
                    if event.is_final:
                        return

    task = asyncio.create_task(subscriber())
    await asyncio.sleep(0)  # subscribed and watching before the first poll
    for status in (Q, R, R, OK):
        rig.scale.set("1", status)
        await rig.tick_after(8.0)
        await asyncio.sleep(0)
    await asyncio.wait_for(task, 1)

    assert [(event.previous_status, event.status) for event in received] == [(Q, R), (R, OK)]
    assert rig.watcher.stats().watched == {Source.SCALE: 0}
    assert rig.bus.stats().subscribers == 1  # only the rig's own


async def test_batch_fetcher_pairs_an_adapters_answers_with_its_keys() -> None:
    keys = [NativeKey("s", "1"), NativeKey("s", "2")]
    missing = UpstreamError(ErrorKind.NOT_FOUND, Source.SCALE, "gone")

    async def get_jobs(asked: object) -> list[JobRecord | UpstreamError]:
        return [make_job("1"), missing]

    fetch = batch_fetcher(get_jobs)

    assert await fetch(keys) == {keys[0]: make_job("1"), keys[1]: missing}


def test_polling_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        PollingPolicy(min_interval=0)
    with pytest.raises(ValueError):
        PollingPolicy(min_interval=10, max_interval=5)
