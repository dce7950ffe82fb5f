"""The simulated clock: real time by default, sped up, or frozen for reproducible runs.

``speed`` is simulated seconds per real second; ``0`` freezes the clock so only
``advance`` moves it. Simulators derive every job's state from ``now()``, so the
same seed, speed 0 and the same ``advance`` calls give the same answers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

# A fixed epoch keeps frozen runs byte-for-byte repeatable.
FROZEN_EPOCH = datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)


class SimClock:
    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        if start is None:
            start = FROZEN_EPOCH if speed == 0 else datetime.now(UTC).replace(microsecond=0)
        self.speed = speed
        self._start = start
        self._real_start = time.monotonic()
        self._offset = 0.0

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._real_start) * self.speed
        return self._start + timedelta(seconds=elapsed + self._offset)

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward (tests and the ``/_sim/clock`` route use this)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        return self.now()
