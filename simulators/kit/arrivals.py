"""New jobs arriving as the simulated clock moves: when they arrive, and the random stream each one draws from.

Arrivals depend only on the seed, the source and simulated time, never on when
the process started or when someone looked: time is cut into one-minute slots
on a fixed grid, and slot ``m`` of a stream draws how many jobs arrive in it,
and when, from its own generator (``seed:source:stream:slot:m``). Each arrival
then gets a generator of its own (``Arrival.seeded``) for everything about the
job, and a ``serial`` (minutes since ``WORLD_EPOCH`` times ``PER_SLOT``, plus its
rank among the source's arrivals in that slot) that a simulator can turn into an
upstream-looking id. Two processes with one
seed thus create the same jobs, with the same ids, at the same simulated instants.

A ``Stream`` is one kind of arrival of one source (Scale has its user jobs and its
ingest bursts): a mean rate, a weight per UTC hour (night-heavy for WordLift's
KPI jobs), and a group size (a Scale strike drops several files at once).
``Arrivals`` replays a source's streams into the simulator, in time order, up to
the instant it is asked about (``catch_up``); ``ArrivalGate`` asks before every
request, so a request sees every job that has arrived by its instant.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from simulators.kit.clock import FROZEN_EPOCH, SimClock
from simulators.kit.seeding import Seeded

WORLD_EPOCH = FROZEN_EPOCH
"""The fixed origin of every simulated world: live runs seed their history here (see ``kit.world``)."""
SLOT = timedelta(minutes=1)
PER_SLOT = 100
"""At most this many arrivals per source and slot (``serial`` keeps room for them); rates stop at half of it."""

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|min|h|hour|d|day)\s*$")
_PER_MIN = {"s": 60.0, "sec": 60.0, "min": 1.0, "h": 1 / 60, "hour": 1 / 60, "d": 1 / 1440, "day": 1 / 1440}


def parse_rate(text: str) -> float:
    """``"2/min"``, ``"30/h"``, ``"0.5/s"``, ``"100/day"`` -> jobs per minute; ``ValueError`` otherwise."""
    found = _RATE.match(text)
    if found is None:
        raise ValueError(f"a rate is a number per unit, like 2/min, 30/h or 0.5/s: {text!r}")
    per_min = float(found.group(1)) * _PER_MIN[found.group(2)]
    if per_min > PER_SLOT / 2:
        raise ValueError(f"a rate above {PER_SLOT // 2}/min is not simulated: {text!r}")
    return per_min


def parse_rates(items: Sequence[str], sources: Sequence[str]) -> dict[str, float]:
    """``["scale=2/min", "leia=30/h"]`` -> jobs per minute by source; unknown sources are named."""
    rates: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            raise ValueError(f"--rate takes SOURCE=RATE, like scale=2/min: {item!r}")
        if name not in sources:
            raise ValueError(f"--rate: unknown source {name!r} (known: {', '.join(sources)})")
        rates[name] = parse_rate(value)
    return rates


@dataclass(frozen=True, slots=True)
class Stream:
    """One kind of arrival: ``per_min`` jobs a minute on average, shaped by ``hourly`` and grouped in ``group``."""

    name: str
    per_min: float
    hourly: tuple[float, ...] = (1.0,) * 24
    """Relative weight of each UTC hour; the mean over the day stays ``per_min``."""
    group: tuple[int, int] = (1, 1)
    """Jobs arrive in groups of this many (inclusive), a few seconds apart."""

    def __post_init__(self) -> None:
        if len(self.hourly) != 24 or min(self.hourly) < 0 or sum(self.hourly) <= 0:
            raise ValueError("hourly needs 24 non-negative weights, not all zero")

    def mean_in(self, slot_start: datetime) -> float:
        """Mean number of groups in the slot starting at ``slot_start``."""
        weight = self.hourly[slot_start.hour] * 24 / sum(self.hourly)
        mean_group = (self.group[0] + self.group[1]) / 2
        return self.per_min * weight / mean_group


@dataclass(frozen=True, slots=True)
class Arrival:
    stream: str
    at: datetime
    serial: int
    """``minutes since WORLD_EPOCH * PER_SLOT + rank in the slot`` over all the source's streams:
    unique per source, and growing with ``at``."""
    seeded: Seeded
    """This arrival's own random stream."""


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: exact and fast for the small means a one-minute slot has.
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _moments(seed: int, source: str, stream: Stream, minute: int) -> list[float]:
    """Seconds into slot ``minute`` at which the stream's jobs arrive."""
    rng = random.Random(f"{seed}:{source}:{stream.name}:slot:{minute}")
    moments: list[float] = []
    for _ in range(_poisson(rng, stream.mean_in(WORLD_EPOCH + minute * SLOT))):
        first = rng.uniform(0, 60)
        size = rng.randint(*stream.group)
        moments.extend(min(59.999, first + n * rng.uniform(0.5, 3.0)) for n in range(size))
    return moments


def slot_arrivals(seed: int, source: str, streams: Sequence[Stream], minute: int) -> list[Arrival]:
    """Every arrival of the source in slot ``minute`` (minutes since ``WORLD_EPOCH``), in time order."""
    start = WORLD_EPOCH + minute * SLOT
    timed = sorted(
        (int(offset * 1000), stream.name) for stream in streams for offset in _moments(seed, source, stream, minute)
    )
    arrivals: list[Arrival] = []
    for rank, (millis, name) in enumerate(timed[:PER_SLOT]):
        seeded = Seeded(seed, f"{source}:arrival:{minute}:{rank}")
        arrivals.append(Arrival(name, start + timedelta(milliseconds=millis), minute * PER_SLOT + rank, seeded))
    return arrivals


Arrive = Callable[[Arrival], None]


@dataclass
class Arrivals:
    """A source's streams, replayed into its simulator through ``arrive`` from ``since`` on."""

    seed: int
    source: str
    streams: Sequence[Stream]
    arrive: Arrive
    since: datetime
    """Arrivals strictly after this instant are replayed (never before ``WORLD_EPOCH``)."""
    _done: int = field(default=-1, init=False)
    """The last slot replayed in full."""
    _last: datetime = field(default=WORLD_EPOCH, init=False)
    """Everything up to this instant has been replayed."""

    def __post_init__(self) -> None:
        self.since = max(self.since, WORLD_EPOCH)
        self._done = _minute(self.since) - 1
        self._last = self.since

    def catch_up(self, now: datetime) -> int:
        """Replay every arrival up to ``now``, in time order; returns how many were replayed."""
        if now <= self._last:
            return 0
        replayed = 0
        for minute in range(self._done + 1, _minute(now) + 1):
            for arrival in slot_arrivals(self.seed, self.source, self.streams, minute):
                if self._last < arrival.at <= now:
                    self.arrive(arrival)
                    replayed += 1
            if WORLD_EPOCH + (minute + 1) * SLOT <= now:
                self._done = minute
        self._last = now
        return replayed


def _minute(moment: datetime) -> int:
    return math.floor((moment - WORLD_EPOCH) / SLOT)


def scaled(streams: Sequence[Stream], per_min: float | None) -> list[Stream]:
    """The streams with their rates scaled so that together they make ``per_min`` (``None``: as they are)."""
    if per_min is None:
        return list(streams)
    total = sum(s.per_min for s in streams)
    factor = per_min / total if total else 0.0
    return [replace(s, per_min=s.per_min * factor) for s in streams]


class ArrivalGate:
    """Replays the arrivals due by the simulated clock before each HTTP request reaches the simulator."""

    def __init__(self, app: ASGIApp, clock: SimClock, arrivals: Arrivals | None = None) -> None:
        self.app = app
        self.clock = clock
        self.arrivals = arrivals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.arrivals is not None:
            self.arrivals.catch_up(self.clock.now())
        await self.app(scope, receive, send)
