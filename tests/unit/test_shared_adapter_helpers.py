"""The helpers every adapter shares: time parsing, offset positions and windows, per-key batching."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.base import page_across_scopes, parse_scoped_position
from adapters.batching import gather_per_key
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import Source
from adapters.positions import decode_offset, offset_or_invalid, plan_window
from adapters.timeparse import format_ms, parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-13T17:40:22Z", datetime(2026, 3, 13, 17, 40, 22, tzinfo=UTC)),
        ("2026-03-13T17:40:22z", datetime(2026, 3, 13, 17, 40, 22, tzinfo=UTC)),
        ("2026-03-13T17:40:22", datetime(2026, 3, 13, 17, 40, 22, tzinfo=UTC)),
        ("2026-03-13T19:40:22+02:00", datetime(2026, 3, 13, 17, 40, 22, tzinfo=UTC)),
        ("2026-03-13T17:40:22.123456Z", datetime(2026, 3, 13, 17, 40, 22, 123456, tzinfo=UTC)),
        ("not a time", None),
        ("", None),
        (None, None),
        (1700000000, None),
    ],
)
def test_parse_time_is_tolerant_and_always_utc(text: object, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_format_ms_writes_z_and_milliseconds() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=1)))
    assert format_ms(moment) == "2026-01-02T02:04:05.678Z"


def test_offsets_refuse_garbage_as_invalid() -> None:
    assert decode_offset(None) == 0 and decode_offset("42") == 42
    for bad in ("-1", "x", "1e3", "99999999999999"):
        with pytest.raises(UpstreamError) as info:
            offset_or_invalid(bad, Source.SCALE, "position")
        assert info.value.kind is ErrorKind.INVALID


@pytest.mark.parametrize(("offset", "limit"), [(0, 10), (490, 10), (495, 10), (7, 100), (999, 1000), (123, 7)])
def test_plan_window_covers_the_range(offset: int, limit: int) -> None:
    window = plan_window(offset, limit, 1000)
    start = (window.pages[0] - 1) * window.page_size + window.skip
    end = window.pages[-1] * window.page_size
    assert start == offset and end >= offset + limit and window.page_size <= 1000


def test_scoped_positions_reject_garbage_with_the_source() -> None:
    with pytest.raises(UpstreamError) as info:
        parse_scoped_position("nonsense", source=Source.PHYLODB)
    assert info.value.kind is ErrorKind.INVALID and info.value.source is Source.PHYLODB


async def test_page_across_scopes_walks_scopes_in_order() -> None:
    from adapters.base import Page, PageEntry

    data = {"a": [1, 2, 3], "b": [4], "c": [5, 6]}

    async def one(scope: str, after: str | None, limit: int) -> Page[int]:
        start = int(after or 0)
        items = data[scope][start : start + limit]
        return Page(
            [PageEntry(v, str(start + i + 1)) for i, v in enumerate(items)],
            start + limit < len(data[scope]),
            len(data[scope]),
        )

    seen: list[int] = []
    after = None
    while True:
        page = await page_across_scopes(["a", "b", "c"], one, after, 2)
        seen.extend(e.record for e in page.entries)
        if not page.has_more:
            break
        after = page.entries[-1].position
    assert seen == [1, 2, 3, 4, 5, 6]


async def test_gather_per_key_dedupes_keeps_order_and_isolates_errors() -> None:
    calls: list[str] = []
    running = 0
    peak = 0

    async def fetch(key: str) -> str:
        nonlocal running, peak
        calls.append(key)
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        if key == "bad":
            raise UpstreamError(ErrorKind.NOT_FOUND, Source.LEIA, "no such job")
        return key.upper()

    out = await gather_per_key(["a", "bad", "a", "b", "c", "d"], fetch, limit=2)
    assert out[0] == "A" and out[2] == "A" and out[3:] == ["B", "C", "D"]
    assert isinstance(out[1], UpstreamError)
    assert sorted(calls) == ["a", "b", "bad", "c", "d"] and peak <= 2
