"""Positions in an Amperity ingest-job list: ``<window end>|<started_at>|<job id>``.

The list is one 7-day window ending at ``window end``, sorted newest-started
first. A position freezes that window end, so every later page asks the same
window (jobs that started since do not shift the list), and names the entry by
its sort key rather than by index, so jobs ageing out of the 7-day horizon
between two pages do not make the next page skip anything. ``started_at`` is
empty for a job without tables (those sort last).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from adapters.timeparse import format_ms, parse_instant

_SEP = "|"


@dataclass(frozen=True, slots=True)
class ListPosition:
    window_end: datetime
    started: datetime | None
    job_id: str

    def encode(self) -> str:
        started = format_ms(self.started) if self.started is not None else ""
        return _SEP.join((format_ms(self.window_end), started, self.job_id))

    @classmethod
    def decode(cls, text: str) -> ListPosition:
        """Raises ``ValueError`` for anything this module did not write."""
        parts = text.split(_SEP)
        if len(parts) != 3 or not parts[2]:
            raise ValueError("malformed Amperity position")
        end = _instant(parts[0])
        started = _instant(parts[1]) if parts[1] else None
        return cls(end, started, parts[2])


def _instant(text: str) -> datetime:
    if not text.endswith("Z"):
        raise ValueError("position instants carry a zone")
    return parse_instant(text)
