"""The merge of several sources' pages, as a pure function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.base import Page, PageEntry
from gateway.cursor import EXHAUSTED
from gateway.paging import SourceStream, merge_page

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def stream(
    name: str, times: list[int | None], calls: list[tuple[str, str | None, int]]
) -> SourceStream[tuple[str, datetime | None]]:
    items = [(f"{name}{i}", None if t is None else T0 - timedelta(minutes=t)) for i, t in enumerate(times)]

    async def fetch(after: str | None, limit: int) -> Page[tuple[str, datetime | None]]:
        calls.append((name, after, limit))
        start = int(after or 0)
        chunk = items[start : start + limit]
        return Page(
            [PageEntry(r, str(start + i + 1)) for i, r in enumerate(chunk)], start + limit < len(items), len(items)
        )

    return SourceStream(name, fetch)


async def test_merge_is_exactly_once_and_ordered_across_pages() -> None:
    calls: list[tuple[str, str | None, int]] = []
    streams = [stream("a", [1, 4, 5, 9], calls), stream("b", [2, 3, 6, 7, 8], calls), stream("c", [None, None], calls)]
    seen: list[str] = []
    positions: dict[str, str | None] = {}
    for _ in range(10):
        page = await merge_page(streams, positions, 3, lambda r: r[1], lambda r: True)
        seen.extend(e.record[0] for e in page.edges)
        if not page.has_next:
            break
        positions = dict(page.edges[-1].positions)
    assert seen == ["a0", "b0", "b1", "a1", "a2", "b2", "b3", "b4", "a3", "c0", "c1"]
    assert all(limit == 3 for _, _, limit in calls)


async def test_exhausted_sources_are_not_asked_again() -> None:
    calls: list[tuple[str, str | None, int]] = []
    streams = [stream("a", [1], calls), stream("b", [2, 3, 4, 5], calls)]
    page = await merge_page(streams, {}, 2, lambda r: r[1], lambda r: True)
    assert page.edges[-1].positions["a"] == EXHAUSTED
    calls.clear()
    await merge_page(streams, page.edges[-1].positions, 2, lambda r: r[1], lambda r: True)
    assert [c[0] for c in calls] == ["b"]


async def test_gateway_side_filter_refills_without_losing_items() -> None:
    calls: list[tuple[str, str | None, int]] = []
    streams = [stream("a", list(range(20)), calls)]
    keep = {"a3", "a17"}
    page = await merge_page(streams, {}, 2, lambda r: r[1], lambda r: r[0] in keep)
    assert [e.record[0] for e in page.edges] == ["a3", "a17"]
    assert page.total is not None


async def test_sparse_filter_pages_to_the_end_without_loss() -> None:
    calls: list[tuple[str, str | None, int]] = []
    streams = [stream("a", list(range(300)), calls), stream("b", list(range(0, 600, 2)), calls)]
    keep = {f"a{i}" for i in range(0, 300, 37)} | {f"b{i}" for i in range(0, 300, 53)}
    seen: list[str] = []
    positions: dict[str, str | None] = {}
    for _ in range(100):
        page = await merge_page(streams, positions, 2, lambda r: r[1], lambda r: r[0] in keep)
        seen.extend(e.record[0] for e in page.edges)
        if not page.has_next:
            break
        positions = dict(page.end_positions)
    assert sorted(seen) == sorted(keep) and len(seen) == len(set(seen))


async def test_untimed_streams_are_read_only_when_the_timed_ones_run_dry() -> None:
    calls: list[tuple[str, str | None, int]] = []
    timed = stream("a", [1, 2, 3, 4, 5], calls)
    untimed = SourceStream("u", stream("u", [None, None, None], calls).fetch, untimed=True)
    page = await merge_page([timed, untimed], {}, 3, lambda r: r[1], lambda r: True)
    assert [e.record[0] for e in page.edges] == ["a0", "a1", "a2"]
    assert [c[0] for c in calls] == ["a"] and page.has_next and page.total is None
    seen = [e.record[0] for e in page.edges]
    positions = dict(page.edges[-1].positions)
    while page.has_next:
        page = await merge_page([timed, untimed], positions, 3, lambda r: r[1], lambda r: True)
        seen.extend(e.record[0] for e in page.edges)
        positions = dict(page.end_positions)
    assert seen == ["a0", "a1", "a2", "a3", "a4", "u0", "u1", "u2"]
