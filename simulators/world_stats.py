"""``python -m simulators.world_stats``: how alive the simulated world is, measured on simulated time.

Builds the five simulators in a live world (``kit.world``) on a clock that only
this command moves, then steps it through ``--minutes`` of simulated time,
``--step`` seconds at a time, reading every job's native status after each step
(each simulator's ``census``). It prints, per source, the status transitions per
minute (a job already known whose status word changed), the jobs that arrived,
and the fewest and mean non-final jobs seen at a step. Nothing waits on a real
clock: the figures are what a run at speed 1 sees over the same simulated time,
because every state is derived from the clock. ``--same-seed-check`` also builds
a second world whose clock starts ``--gap`` minutes later and compares the ids
both serve at one simulated instant.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from simulators.kit.arrivals import parse_rates
from simulators.kit.clock import SimClock
from simulators.registry import SIMULATORS
from simulators.suite import SimulatorSet, build_simulators


@dataclass
class SourceStats:
    transitions: int = 0
    arrived: int = 0
    fewest_active: int | None = None
    active_sum: int = 0
    samples: int = 0

    def sample(self, active: int) -> None:
        self.fewest_active = active if self.fewest_active is None else min(self.fewest_active, active)
        self.active_sum += active
        self.samples += 1


def measure(sims: SimulatorSet, clock: SimClock, minutes: float, step_s: float) -> dict[str, SourceStats]:
    stats = {name: SourceStats() for name in sims.simulators}
    seen = {name: _census(sims, name, clock.now()) for name in sims.simulators}
    for _ in range(round(minutes * 60 / step_s)):
        clock.advance(step_s)
        now = clock.now()
        for name in sims.simulators:
            current = _census(sims, name, now)
            before = seen[name]
            stats[name].transitions += sum(1 for key, word in current.items() if key in before and before[key] != word)
            stats[name].arrived += sum(1 for key in current if key not in before)
            final = sims.simulators[name].extra["final"]
            stats[name].sample(sum(1 for word in current.values() if word not in final))
            seen[name] = current
    return stats


def _census(sims: SimulatorSet, name: str, now: datetime) -> dict[str, str]:
    sim = sims.simulators[name]
    arrivals = sim.extra.get("arrivals")
    if arrivals is not None:
        arrivals.catch_up(now)
    census: dict[str, str] = sim.extra["census"](now)
    return census


def same_seed_check(seed: int, start: datetime, gap_min: float, rates: dict[str, float]) -> list[str]:
    """Two worlds of one seed, the second started ``gap_min`` later, compared at the second's start."""
    first_clock = SimClock(speed=0, start=start)
    first = build_simulators(seed=seed, clock=first_clock, arrivals=True, rates=rates)
    first_clock.advance(gap_min * 60)
    second_clock = SimClock(speed=0, start=first_clock.now())
    second = build_simulators(seed=seed, clock=second_clock, arrivals=True, rates=rates)
    now = second_clock.now()
    lines: list[str] = []
    for name in SIMULATORS:
        a, b = _census(first, name, now), _census(second, name, now)
        shared = set(a) & set(b)
        same_status = sum(1 for key in shared if a[key] == b[key])
        lines.append(
            f"{name:9} first run {len(a):5} ids, second {len(b):5}; second's ids all in first: "
            f"{set(b) <= set(a)}; same status for {same_status}/{len(shared)} shared; "
            f"only in first: {len(set(a) - set(b))}"
        )
    lines.append(_leia_catalogue(first, second))
    return lines


def _leia_catalogue(first: SimulatorSet, second: SimulatorSet) -> str:
    a, b = first.simulators["leia"].state, second.simulators["leia"].state
    same = set(a.applications) == set(b.applications) and set(a.models) == set(b.models)
    return f"leia      applications {sorted(a.applications)[:2]}... and {len(a.models)} models identical: {same}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulators.world_stats", description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=10.0, help="simulated minutes to measure (default 10)")
    parser.add_argument("--step", type=float, default=2.0, help="simulated seconds between readings (default 2)")
    parser.add_argument("--start", help="simulated start, ISO 8601 (default: now, to the minute)")
    parser.add_argument("--rate", action="append", default=[], metavar="SOURCE=RATE", help="like --rate scale=2/min")
    parser.add_argument("--same-seed-check", action="store_true", help="also compare two runs of one seed")
    parser.add_argument("--gap", type=float, default=6.0, help="minutes between the two runs' starts (default 6)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        rates = parse_rates(args.rate, list(SIMULATORS))
        start = datetime.fromisoformat(args.start) if args.start else datetime.now(UTC).replace(second=0, microsecond=0)
    except ValueError as exc:
        _parser().error(str(exc))
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    clock = SimClock(speed=0, start=start)
    sims = build_simulators(seed=args.seed, clock=clock, arrivals=True, rates=rates)
    stats = measure(sims, clock, args.minutes, args.step)
    print(
        f"seed {args.seed}, {args.minutes:g} simulated minutes from {start.isoformat()}, reading every {args.step:g} s"
    )
    print(f"{'source':9} {'transitions/min':>15} {'arrived/min':>11} {'fewest non-final':>16} {'mean non-final':>14}")
    total = 0
    for name, s in stats.items():
        total += s.transitions
        mean = s.active_sum / s.samples if s.samples else 0.0
        print(
            f"{name:9} {s.transitions / args.minutes:15.1f} {s.arrived / args.minutes:11.1f} "
            f"{s.fewest_active or 0:16} {mean:14.1f}"
        )
    per_min = total / args.minutes
    gap = 60 / per_min if per_min else float("inf")
    print(f"{'all':9} {per_min:15.1f}   (one transition every {gap:.1f} s on average)")
    if args.same_seed_check:
        print(f"\nsame seed, second run started {args.gap:g} min later, compared at its start:")
        for line in same_seed_check(args.seed, start - timedelta(minutes=args.gap), args.gap, rates):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
