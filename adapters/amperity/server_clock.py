"""The upstream's idea of "now", learned from the ``Date`` header of its answers.

Amperity lists only the ingest jobs of "the previous 7 days" and wants the window
spelt out, so the window must be placed on the *server's* clock: a client clock
running behind would cut off the newest jobs, one running ahead the oldest. Every
answer (errors included) refreshes the offset. The ``Date`` header has whole-second
resolution, so an offset under ``TOLERANCE_S`` is treated as none.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

TOLERANCE_S = 2.0


class ServerClock:
    def __init__(self) -> None:
        self.skew = timedelta(0)
        self.known = False

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skew

    def observe_date(self, value: str) -> None:
        try:
            server = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return
        if server.tzinfo is None:
            server = server.replace(tzinfo=UTC)
        measured = server - datetime.now(UTC)
        self.skew = measured if abs(measured.total_seconds()) >= TOLERANCE_S else timedelta(0)
        self.known = True

    async def on_response(self, response: httpx.Response) -> None:
        """httpx response hook. With several ``Date`` headers (a proxy or server adding its own
        in front of the origin's), the last one is the origin's."""
        values = response.headers.get_list("date")
        if values:
            self.observe_date(values[-1])
