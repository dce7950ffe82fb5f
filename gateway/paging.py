"""Merging several sources' pages into one Relay page, each item exactly once.

Order: newest first by a time the caller supplies per record: the time the
record's own source lists it by (``Capabilities.list_order``), so every stream
is already sorted by its merge key and the merge is exact. Records without any
time (phyloDB jobs) come after every timed record; ties keep the fixed source
order, then the source's own order.

One exception to "untimed last": an untimed record directly followed by a timed
one in its own stream (a WordLift job still queued, which its upstream lists
first by an update time it does not show) is placed right before that record.
Otherwise it would hold back every later record of its stream until all timed
records of the other sources had been emitted.

Every emitted edge records, per source, the position right after the last
record taken from it; items fetched but not shown are fetched again next time.
That costs a little re-reading and buys exactly-once paging with no server-side
state. Each source is asked for ``first`` items (what the page could need); for
``first: 0`` (a client asking only for ``totalCount``) for one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from adapters.base import Page, PageEntry
from adapters.errors import UpstreamError
from gateway.cursor import EXHAUSTED

T = TypeVar("T")

PageFetch = Callable[[str | None, int], Awaitable[Page[T]]]

MAX_REFILLS = 4
"""Extra reads of one source within one page, when filtering left its buffer empty."""
MAX_REFILL_SIZE = 200


Positions = Mapping[str, str | None]
"""Stream name -> adapter position after the last record taken from it (what a cursor carries)."""


@dataclass(frozen=True, slots=True)
class SourceStream(Generic[T]):
    name: str
    fetch: PageFetch[T]
    untimed: bool = False
    """Its records carry no time: they can only follow every timed record, so the
    stream is read only once the timed streams of the page have run dry."""


class MergedEdge(NamedTuple, Generic[T]):
    # A tuple: one is built per record of every page, and a frozen dataclass's init costs more.
    record: T
    source: str
    positions: Positions


@dataclass
class MergedPage(Generic[T]):
    edges: list[MergedEdge[T]]
    has_next: bool
    total: int | None
    end_positions: Positions
    errors: list[tuple[str, UpstreamError]] = field(default_factory=list)


@dataclass
class _Buffer(Generic[T]):
    name: str
    index: int
    fetch: PageFetch[T]
    position: str | None
    entries: deque[PageEntry[T]] = field(default_factory=deque)
    has_more: bool = True
    total: int | None = None
    refills: int = 0
    failed: bool = False
    untimed: bool = False
    loaded: bool = False
    head: PageEntry[T] | None = None
    """The first entry when the filter was last asked about it, and its merge key: both hold until it is taken."""
    head_key: tuple[bool, float, int] | None = None

    @property
    def exhausted(self) -> bool:
        return not self.entries and not self.has_more


async def _load(buffer: _Buffer[T], limit: int) -> UpstreamError | None:
    buffer.loaded = True
    try:
        page = await buffer.fetch(buffer.position, limit)
    except UpstreamError as err:
        buffer.failed = True
        return err
    buffer.entries.extend(page.entries)
    buffer.has_more = page.has_more
    if buffer.total is None:
        buffer.total = page.total
    return None


def _order_key(sort_time: datetime | None, index: int) -> tuple[bool, float, int]:
    # max() picks the newest timed record; earlier sources win ties.
    return (sort_time is not None, sort_time.timestamp() if sort_time else 0.0, -index)


def _merge_key(buffer: _Buffer[T]) -> tuple[bool, float, int]:
    return buffer.head_key or (False, 0.0, 0)


def _head_time(buffer: _Buffer[T], sort_time: Callable[[T], datetime | None]) -> datetime | None:
    """The merge time of a buffer's first record (see the module docstring for untimed heads)."""
    head = sort_time(buffer.entries[0].record)
    if head is None and len(buffer.entries) > 1:
        return sort_time(buffer.entries[1].record)
    return head


async def merge_page(
    streams: Sequence[SourceStream[T]],
    start: Mapping[str, str | None],
    first: int,
    sort_time: Callable[[T], datetime | None],
    matches: Callable[[T], bool],
) -> MergedPage[T]:
    buffers = [
        _Buffer(s.name, i, s.fetch, start.get(s.name), untimed=s.untimed)
        for i, s in enumerate(streams)
        if start.get(s.name) != EXHAUSTED
    ]
    positions: dict[str, str | None] = {s.name: start.get(s.name) for s in streams}
    errors: list[tuple[str, UpstreamError]] = []
    timed = [b for b in buffers if not b.untimed]
    deferred = [b for b in buffers if b.untimed] if timed else []
    first_reads = timed or buffers
    # ``first: 0`` asks only for totalCount and hasNextPage: one read of a single record per
    # stream (no upstream takes a limit of 0) tells both; the record itself is not shown.
    results = await asyncio.gather(*(_load(b, max(first, 1)) for b in first_reads))
    errors.extend((b.name, err) for b, err in zip(first_reads, results, strict=True) if err is not None)
    live = [b for b in first_reads if not b.failed]
    # A source finished on an earlier page is not asked again, so its total is unknown
    # here: a sum without it would shrink from page to page.
    skipped = len(buffers) < len(streams)
    totals_known = all(b.total is not None for b in live) and not errors and not skipped and not deferred
    total = sum(b.total or 0 for b in live) if totals_known else None

    edges: list[MergedEdge[T]] = []
    blocked = False
    while len(edges) < first and not blocked:
        if len(live) == 1 and not deferred:
            # One stream left: its own order is the page's, and its head needs no comparing.
            buffer = live[0]
            entries = buffer.entries
            if entries and (entries[0] is buffer.head or matches(entries[0].record)):
                entry = entries.popleft()
                positions[buffer.name] = EXHAUSTED if not entries and not buffer.has_more else entry.position
                edges.append(MergedEdge(entry.record, buffer.name, dict(positions)))
                continue
        skipped = False
        for buffer in live:
            entries = buffer.entries
            # The common case, a new head the filter takes or a head already looked at, costs
            # no call: this runs once per record of the page.
            if entries and (entries[0] is buffer.head or matches(entries[0].record)):
                if entries[0] is not buffer.head:
                    buffer.head = entries[0]
                    buffer.head_key = None
                continue
            skipped = True
            blocked |= await _skip_unmatched(buffer, positions, matches, first, errors)
            if buffer.entries:
                buffer.head = buffer.entries[0]
                buffer.head_key = None
        if skipped:
            live = [b for b in live if not b.failed]
        candidates = [b for b in live if b.entries]
        if not blocked and not candidates and deferred:
            # Every timed record of this page is out: now the untimed streams' turn.
            results = await asyncio.gather(*(_load(b, first) for b in deferred))
            errors.extend((b.name, err) for b, err in zip(deferred, results, strict=True) if err is not None)
            live += [b for b in deferred if not b.failed]
            deferred = []
            continue
        if blocked or not candidates:
            break
        if len(candidates) == 1:
            best = candidates[0]
        else:
            for buffer in candidates:
                if buffer.head_key is None:
                    buffer.head_key = _order_key(_head_time(buffer, sort_time), buffer.index)
            best = max(candidates, key=_merge_key)
        entry = best.entries.popleft()
        positions[best.name] = EXHAUSTED if not best.entries and not best.has_more else entry.position
        edges.append(MergedEdge(entry.record, best.name, dict(positions)))

    for buffer in live:
        if buffer.exhausted:
            positions[buffer.name] = EXHAUSTED
    if edges:
        edges[-1] = MergedEdge(edges[-1].record, edges[-1].source, dict(positions))
    # A source that failed was not read to its end: more may follow, and the cursor keeps
    # its position, so the next page asks it again.
    has_next = any(not b.exhausted for b in buffers)
    if errors:
        total = None
    return MergedPage(edges, has_next, total, dict(positions), errors)


async def _skip_unmatched(
    buffer: _Buffer[T],
    positions: dict[str, str | None],
    matches: Callable[[T], bool],
    limit: int,
    errors: list[tuple[str, UpstreamError]],
) -> bool:
    """Drop leading records the gateway-side filter rejects; refill an emptied buffer.

    Returns True when the buffer ran out of refills while the source still has
    more: the page must stop there, or records from this source could be
    emitted out of order on the next page.
    """
    while True:
        while buffer.entries and not matches(buffer.entries[0].record):
            positions[buffer.name] = buffer.entries.popleft().position
        if buffer.entries or not buffer.has_more:
            return False
        if buffer.refills >= MAX_REFILLS:
            return True
        buffer.refills += 1
        buffer.position = positions[buffer.name]
        # A filter the upstream cannot apply may reject many records: read wider each time.
        err = await _load(buffer, min(MAX_REFILL_SIZE, limit * 2**buffer.refills))
        if err is not None:
            # Keep its position: the next page asks this source again from there.
            errors.append((buffer.name, err))
            return False
