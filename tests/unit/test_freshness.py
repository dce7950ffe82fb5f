"""The freshness window: identical list reads within it cost one fetch; any change known drops the pages."""

from __future__ import annotations

import asyncio

from adapters.model import Source
from gateway.freshness import FreshLists


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Fetch:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        return f"page {self.calls}"


async def test_identical_reads_within_the_window_share_one_fetch_and_say_how_old_it_is() -> None:
    clock, fetch = Clock(), Fetch()
    fresh = FreshLists({Source.SCALE: 1.0}, clock=clock)
    assert await fresh.read(Source.SCALE, "k", fetch) == ("page 1", 0.0)
    clock.now += 0.5
    assert await fresh.read(Source.SCALE, "k", fetch) == ("page 1", 0.5)
    assert await fresh.read(Source.SCALE, "other", fetch) == ("page 2", 0.0), "another page is another read"
    clock.now += 0.75
    assert await fresh.read(Source.SCALE, "k", fetch) == ("page 3", 0.0), "past the window: read again"
    assert fetch.calls == 3 and fresh.hits == 1


async def test_a_change_at_the_source_drops_its_pages_and_only_its() -> None:
    clock, fetch = Clock(), Fetch()
    fresh = FreshLists({Source.SCALE: 1.0, Source.LEIA: 1.0}, clock=clock)
    await fresh.read(Source.SCALE, "k", fetch)
    await fresh.read(Source.LEIA, "k", fetch)
    fresh.invalidate(Source.SCALE)
    assert await fresh.read(Source.SCALE, "k", fetch) == ("page 3", 0.0)
    assert await fresh.read(Source.LEIA, "k", fetch) == ("page 2", 0.0)


async def test_a_read_in_flight_when_a_change_is_learnt_is_not_kept() -> None:
    fresh = FreshLists({Source.SCALE: 5.0})
    gate = asyncio.Event()
    calls = 0

    async def slow() -> int:
        nonlocal calls
        calls += 1
        await gate.wait()
        return calls

    reading = asyncio.create_task(fresh.read(Source.SCALE, "k", slow))
    await asyncio.sleep(0)
    fresh.invalidate(Source.SCALE)
    gate.set()
    assert await reading == (1, 0.0)
    assert await fresh.read(Source.SCALE, "k", slow) == (2, 0.0), "the older answer was not kept"


async def test_no_window_means_every_read_fetches_and_the_pages_kept_are_bounded() -> None:
    fetch = Fetch()
    fresh = FreshLists({Source.SCALE: 0.0, Source.LEIA: 60.0}, max_pages=3)
    await fresh.read(Source.SCALE, "k", fetch)
    await fresh.read(Source.SCALE, "k", fetch)
    assert fetch.calls == 2 and len(fresh) == 0
    for n in range(10):
        await fresh.read(Source.LEIA, n, fetch)
    assert len(fresh) == 3
