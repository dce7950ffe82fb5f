"""Offset paging over one or several server-filtered job streams, merged newest first.

Leia's ``status`` filter takes one word, while a normalized status may stand
for several (RUNNING = STARTING, LOADING_MODEL, PROCESSING). The adapter then
reads one stream per word and merges them by ``creation_time`` descending,
the order each stream is sorted in (``sort=-creation_time``).

A position is ``"o"`` followed by the next offset of every stream, dot
separated (``o12`` or ``o3.5.0``): resuming continues each stream exactly
after the entry. Entries the caller's local filter rejects still advance
their stream's offset. ``total`` is the sum of the streams' ``Content-Range``
totals, only when every filter ran on the server and every total is known.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from adapters.base import Page, PageEntry
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, Source
from adapters.positions import decode_offset

_MAX_OFFSET = 10_000_000


@dataclass(frozen=True, slots=True)
class StreamPage:
    records: Sequence[JobRecord]
    total: int | None
    """From ``Content-Range``; ``None`` when the upstream did not say."""
    exhausted: bool


Fetch = Callable[[Mapping[str, str], int, int], Awaitable[StreamPage]]
"""``(stream params, offset, limit) -> StreamPage``."""


def encode_position(offsets: Sequence[int]) -> str:
    return "o" + ".".join(str(o) for o in offsets)


def decode_position(position: str | None, streams: int) -> list[int]:
    """Offsets to resume at; a position from another query or a tampered one is INVALID."""
    if position is None:
        return [0] * streams
    parts = position[1:].split(".") if position.startswith("o") else []
    try:
        offsets = [decode_offset(p, bound=_MAX_OFFSET) for p in parts]
    except ValueError:
        offsets = []
    if len(offsets) != streams:
        raise UpstreamError(ErrorKind.INVALID, Source.LEIA, "malformed LEIA list position")
    return offsets


async def merged_page(
    streams: Sequence[Mapping[str, str]],
    fetch: Fetch,
    *,
    keep: Callable[[JobRecord], bool],
    after: str | None,
    limit: int,
    fetch_size: int,
    exact: bool,
) -> Page[JobRecord]:
    offsets = decode_position(after, len(streams))
    next_fetch = list(offsets)
    buffers: list[deque[JobRecord]] = [deque() for _ in streams]
    done = [False] * len(streams)
    totals: list[int | None] = [None] * len(streams)

    async def refill(indexes: list[int]) -> None:
        pages = await asyncio.gather(*(fetch(streams[i], next_fetch[i], fetch_size) for i in indexes))
        for i, page in zip(indexes, pages, strict=True):
            buffers[i].extend(page.records)
            next_fetch[i] += len(page.records)
            totals[i] = page.total
            done[i] = page.exhausted or not page.records

    entries: list[PageEntry[JobRecord]] = []
    while len(entries) < limit:
        empty = [i for i in range(len(streams)) if not buffers[i] and not done[i]]
        if empty:
            await refill(empty)
        live = [i for i in range(len(streams)) if buffers[i]]
        if not live:
            break
        pick = max(live, key=lambda i: (_created(buffers[i][0]), -i))
        record = buffers[pick].popleft()
        offsets[pick] += 1
        if keep(record):
            entries.append(PageEntry(record, encode_position(offsets)))
    has_more = any(buffers[i] or not done[i] for i in range(len(streams)))
    known = [t for t in totals if t is not None]
    total = sum(known) if exact and len(known) == len(totals) else None
    return Page(entries, has_more=has_more, total=total)


def _created(record: JobRecord) -> datetime:
    assert record.created_at is not None  # translate refuses a job without creation_time
    return record.created_at
