"""Positions inside one graph's job list: ``"<native cursor or empty>|<skip>"``.

The upstream pages by an opaque cursor only. A position names the cursor the
entry's page was fetched with (empty for the first page) and how many items of
that page to skip to resume right after the entry. The native cursor may itself
contain ``|`` (the upstream's look like ``<updated_at>|<job_id>``), so the skip
is read after the last one.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import Source

_MAX_SKIP = 10_000


@dataclass(frozen=True, slots=True)
class GraphPosition:
    cursor: str | None
    """Native cursor of the page to read; ``None`` = the first page."""
    skip: int
    """Items of that page already returned."""

    def encode(self) -> str:
        return f"{self.cursor or ''}|{self.skip}"


START = GraphPosition(None, 0)


def decode(position: str | None) -> GraphPosition:
    """Read a position made by ``GraphPosition.encode``; ``None`` starts the list."""
    if position is None:
        return START
    cursor, sep, skip = position.rpartition("|")
    if not sep or not (skip.isascii() and skip.isdigit()) or int(skip) > _MAX_SKIP:
        raise invalid_position()
    return GraphPosition(cursor or None, int(skip))


def invalid_position() -> UpstreamError:
    return UpstreamError(ErrorKind.INVALID, Source.WORDLIFT, "malformed WordLift list position")
