"""Reading and writing ISO-8601 instants: the one place adapters and simulators parse or format wire times.

Every upstream sends times as ISO-8601 text, some with ``Z`` (or ``z``), some
with an offset, some with none (read as UTC), with any number of fractional
digits. Records keep aware UTC datetimes; writing back uses the forms the
upstreams read (milliseconds or microseconds, always ``Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant as an aware UTC datetime; naive means UTC. Raises ``ValueError`` if unreadable."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_time(value: Any) -> datetime | None:
    """Tolerant ``parse_instant``: ``None`` for null, non-strings, empty or unreadable text."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        return None


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one is taken to be UTC already."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_ms(moment: datetime) -> str:
    """UTC, millisecond precision (truncated), ``Z``: ``2026-01-02T03:04:05.678Z``."""
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def format_us(moment: datetime) -> str:
    """UTC, microsecond precision, ``Z``: ``2026-01-02T03:04:05.678901Z``."""
    return as_utc(moment).isoformat(timespec="microseconds").replace("+00:00", "Z")


def truncate_ms(moment: datetime) -> datetime:
    """``moment`` cut to whole milliseconds, the precision ``format_ms`` writes."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
