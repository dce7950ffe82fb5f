"""``gateway.heap``: the heap is trimmed once after a wave of connections closed, not on every close."""

from __future__ import annotations

import asyncio

from gateway.heap import HeapTrimmer, trim


def counting(calls: list[int]) -> HeapTrimmer:
    def fake_trim() -> bool:
        calls.append(1)
        return True

    return HeapTrimmer(min_drop=3, delay_s=0.01, trim_heap=fake_trim)


async def test_trims_once_after_a_large_drop() -> None:
    calls: list[int] = []
    heap = counting(calls)
    for _ in range(5):
        heap.opened()
    heap.closed()
    heap.closed()
    await asyncio.sleep(0.05)
    assert calls == []  # two closed: not yet worth a walk of the heap
    heap.closed()
    heap.closed()  # the rest of the wave joins the pending trim
    await asyncio.sleep(0.05)
    assert calls == [1]
    assert heap.trims == 1
    heap.closed()  # one more since the trim: below the threshold again
    await asyncio.sleep(0.05)
    assert calls == [1]


async def test_a_new_peak_counts_from_there() -> None:
    calls: list[int] = []
    heap = counting(calls)
    heap.opened()
    heap.closed()
    for _ in range(4):
        heap.opened()
    heap.closed()
    heap.closed()
    heap.closed()
    await asyncio.sleep(0.05)
    assert calls == [1]


def test_trim_runs_here() -> None:
    assert isinstance(trim(), bool)  # glibc trims; other C libraries say they cannot
