"""Positions inside one project's job list: ``"<page>:<index>:<job id>"``.

``page`` is phyloDB's 0-based page, ``index`` the entry's place in it, and the
job id lets a resume find the entry again if a new job (lists are in UUID
order, not time order) was inserted before it on that page since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ListPosition:
    page: int
    index: int
    job_id: str | None = None

    def encode(self) -> str:
        return f"{self.page}:{self.index}:{self.job_id or ''}"

    def resume_index(self, items: Sequence[Mapping[str, Any]]) -> int:
        """Where to continue in ``items`` (this position's page): right after the entry."""
        if self.job_id:
            if 0 <= self.index < len(items) and items[self.index].get("id") == self.job_id:
                return self.index + 1
            for index, item in enumerate(items):
                if item.get("id") == self.job_id:
                    return index + 1
        return self.index + 1

    def skip_full_page(self, page_size: int) -> ListPosition:
        """After the last entry of a full page, continue on the next page without re-reading this one."""
        if self.index + 1 < page_size:
            return self
        return ListPosition(self.page + 1, -1, self.job_id)


def decode_position(text: str) -> ListPosition:
    """Parse a position; ``ValueError`` if it was not made by ``ListPosition.encode``."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and p.isascii() for p in parts[:2]):
        raise ValueError("malformed phyloDB list position")
    job_id = parts[2] if len(parts) == 3 and parts[2] else None
    return ListPosition(int(parts[0]), int(parts[1]), job_id)
