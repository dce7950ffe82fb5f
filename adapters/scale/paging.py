"""Offset positions over Scale's page-number paging.

A position is the decimal offset, in the ordered list, of the next record. To
read ``limit`` records from offset ``o`` in one request, pick the smallest page
size ``p`` (``limit <= p <= 1000``) whose page holding ``o`` also holds
``o + limit - 1`` (``o % p + limit <= p``); when none exists, read two
consecutive pages of size ``limit`` concurrently. Nothing here is Scale-specific
beyond the 1000 cap: a candidate for a shared helper in ``adapters/base.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PAGE_SIZE = 1000
_MAX_OFFSET = 10**9


@dataclass(frozen=True, slots=True)
class Window:
    page_size: int
    pages: tuple[int, ...]
    """1-based page numbers to fetch, consecutive."""
    skip: int
    """Records to drop from the start of the first page."""


def encode_offset(offset: int) -> str:
    return str(offset)


def decode_offset(position: str | None) -> int:
    """The offset a position stands for; ``None`` is the start. Raises ``ValueError`` if malformed."""
    if position is None:
        return 0
    if not position.isascii() or not position.isdigit() or len(position) > 10 or int(position) > _MAX_OFFSET:
        raise ValueError("malformed position")
    return int(position)


def plan_window(offset: int, limit: int, max_page_size: int = MAX_PAGE_SIZE) -> Window:
    """The pages that cover ``[offset, offset + limit)`` with the least over-fetch."""
    limit = max(1, min(limit, max_page_size))
    for size in range(limit, max_page_size + 1):
        if offset % size + limit <= size:
            return Window(size, (offset // size + 1,), offset % size)
    first = offset // limit + 1
    return Window(limit, (first, first + 1), offset % limit)
