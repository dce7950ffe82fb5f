"""Offset positions, shared by every adapter that pages by offset.

A position is the decimal offset, in the ordered list, of the next record
(``"0"`` is the start, ``None`` too). This module owns that codec, the
page-window planner for upstreams that page by page number and page size, and
paging over a small list held in memory (the synthetic job-type catalogues).
Source-specific encodings (cursor plus skip, several streams, sort keys) stay
with their adapters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from adapters.base import Page, PageEntry
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import Source

T = TypeVar("T")

MAX_OFFSET = 10**9
"""No list we page is this long; a larger offset was not made by us."""


def encode_offset(offset: int) -> str:
    return str(offset)


def decode_offset(position: str | None, *, bound: int = MAX_OFFSET) -> int:
    """The offset a position stands for; ``None`` is the start. Raises ``ValueError`` if malformed or past ``bound``."""
    if position is None:
        return 0
    if not (position.isascii() and position.isdigit()) or len(position) > 10 or int(position) > bound:
        raise ValueError("malformed offset position")
    return int(position)


def offset_or_invalid(position: str | None, source: Source, what: str, *, bound: int = MAX_OFFSET) -> int:
    """``decode_offset``, with a malformed position as ``UpstreamError(INVALID)`` naming ``source``."""
    try:
        return decode_offset(position, bound=bound)
    except ValueError:
        raise UpstreamError(ErrorKind.INVALID, source, f"malformed {source.value} {what} position") from None


def page_of(records: Sequence[T], after: str | None, limit: int, *, source: Source, bound: int) -> Page[T]:
    """One page of an in-memory list (already filtered), positions being offsets.

    ``bound`` is the largest offset a position can hold (the catalogue's size
    before filtering); a larger or malformed ``after`` is INVALID. ``total`` is
    always known.
    """
    start = offset_or_invalid(after, source, "job type", bound=bound)
    chosen = records[start : start + max(limit, 0)]
    entries = [PageEntry(r, encode_offset(start + i + 1)) for i, r in enumerate(chosen)]
    return Page(entries, has_more=start + len(chosen) < len(records), total=len(records))


@dataclass(frozen=True, slots=True)
class Window:
    page_size: int
    pages: tuple[int, ...]
    """1-based page numbers to fetch, consecutive."""
    skip: int
    """Records to drop from the start of the first page."""


def plan_window(offset: int, limit: int, max_page_size: int) -> Window:
    """The pages that cover ``[offset, offset + limit)`` with the least over-fetch.

    Picks the smallest page size ``p`` (``limit <= p <= max_page_size``) whose
    page holding ``offset`` also holds ``offset + limit - 1``; when none exists,
    two consecutive pages of size ``limit``, to be read concurrently.
    """
    limit = max(1, min(limit, max_page_size))
    for size in range(limit, max_page_size + 1):
        if offset % size + limit <= size:
            return Window(size, (offset // size + 1,), offset % size)
    first = offset // limit + 1
    return Window(limit, (first, first + 1), offset % limit)
