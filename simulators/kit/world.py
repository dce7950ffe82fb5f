"""Where a simulator's world starts and whether new jobs keep arriving in it: the same seed, the same world.

A standalone simulator (``World.standalone``, what tests build) seeds its
history around its clock's start and gets no arrivals, as before. The suite
(``make run``, ``job-gateway simulate``) builds live worlds: the seeded history
sits at the fixed ``WORLD_EPOCH`` (or at the clock's start if that is earlier),
and arrivals (``kit.arrivals``) are replayed from the last ``HISTORY`` boundary
(a fixed grid from ``WORLD_EPOCH``) at least ``HISTORY`` before the clock's
start, so that at start every source already has recent, moving jobs. Ids and
data then depend only on the seed and the simulated instant: two runs with one
seed started within one grid period serve the same jobs, same ids, at the same
instant (arrivals react to the jobs already there, WordLift's submit rules for
one, so they must replay from the same point). Runs whose starts straddle a
boundary differ only in the oldest arrivals and what followed from them; and
whatever clients created or changed is theirs alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from simulators.kit.arrivals import WORLD_EPOCH, Arrivals, Arrive, Stream, scaled
from simulators.kit.clock import SimClock

HISTORY = timedelta(hours=6)
"""A live world replays from 6 to 12 hours of arrivals before its clock's start (see above)."""


@dataclass(frozen=True, slots=True)
class World:
    seed: int
    epoch: datetime
    """The instant the seeded history is built around."""
    arrivals_since: datetime | None = None
    """Arrivals are replayed after this instant; ``None``: no arrivals."""
    rate: float | None = None
    """Jobs per minute for this source, overriding its streams' total (``--rate``)."""

    @classmethod
    def standalone(cls, seed: int, clock: SimClock) -> World:
        """History around the clock's start, no arrivals: the frozen worlds tests rely on."""
        return cls(seed, clock.now())

    @classmethod
    def live(cls, seed: int, clock: SimClock, *, arrivals: bool = True, rate: float | None = None) -> World:
        """History at ``WORLD_EPOCH`` (independent of the start), arrivals from ``HISTORY`` before now."""
        now = clock.now()
        since = max(WORLD_EPOCH, _boundary(now - HISTORY)) if arrivals else None
        return cls(seed, min(now, WORLD_EPOCH), since, rate)

    def arrivals(self, source: str, streams: Sequence[Stream], arrive: Arrive) -> Arrivals | None:
        """The source's arrivals in this world, or ``None`` when it has none."""
        if self.arrivals_since is None:
            return None
        return Arrivals(self.seed, source, scaled(streams, self.rate), arrive, self.arrivals_since)


def _boundary(moment: datetime) -> datetime:
    """The last ``HISTORY`` grid point at or before ``moment``."""
    return WORLD_EPOCH + ((moment - WORLD_EPOCH) // HISTORY) * HISTORY
