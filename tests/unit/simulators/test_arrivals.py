"""A living world: jobs keep arriving, on the seed and simulated time alone, at rates one can set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.cli import main
from simulators.kit import SimClock
from simulators.kit.arrivals import Arrival, Arrivals, Stream, parse_rate, parse_rates, slot_arrivals
from simulators.kit.world import HISTORY
from simulators.registry import SIMULATORS
from simulators.suite import SimulatorSet, build_simulators
from simulators.world_stats import measure

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SOURCES = list(SIMULATORS)


def live(start: datetime = START, seed: int = 0, **options: Any) -> tuple[SimulatorSet, SimClock]:
    clock = SimClock(speed=0, start=start)
    return build_simulators(seed=seed, clock=clock, arrivals=True, **options), clock


def census(sims: SimulatorSet, name: str, now: datetime) -> dict[str, str]:
    sim = sims.simulators[name]
    sim.extra["arrivals"].catch_up(now)
    found: dict[str, str] = sim.extra["census"](now)
    return found


@pytest.mark.parametrize(
    ("text", "per_min"), [("2/min", 2.0), ("30/h", 0.5), ("0.5/s", 30.0), ("1440/day", 1.0), ("0/min", 0.0)]
)
def test_rates_read_like_people_write_them(text: str, per_min: float) -> None:
    assert parse_rate(text) == pytest.approx(per_min)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["scale"], "SOURCE=RATE"),
        (["nosuch=2/min"], "unknown source 'nosuch'"),
        (["scale=fast"], "a rate is a number per unit"),
        (["scale=2/week"], "a rate is a number per unit"),
        (["scale=-1/min"], "a rate is a number per unit"),
        (["scale=100/s"], "above 50/min"),
    ],
)
def test_bad_rates_say_what_is_wrong(items: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rates(items, SOURCES)


def test_arrivals_do_not_depend_on_when_anyone_looks() -> None:
    streams = [Stream("a", 3.0), Stream("b", 1.0, group=(2, 5))]
    since = START - timedelta(hours=1)

    def replay(steps: list[float]) -> list[tuple[str, datetime, int, float]]:
        seen: list[Arrival] = []
        arrivals = Arrivals(7, "x", streams, seen.append, since)
        for minutes in steps:
            arrivals.catch_up(since + timedelta(minutes=minutes))
        return [(a.stream, a.at, a.serial, a.seeded.rng.random()) for a in seen]

    at_once = replay([60])
    assert at_once == replay([0.1, 0.5, 7.25, 7.25, 33.333, 59.99, 60]) == replay([i / 7 for i in range(421)])
    assert len(at_once) > 150
    assert [a[1] for a in at_once] == sorted(a[1] for a in at_once)
    serials = [a[2] for a in at_once]
    assert serials == sorted(set(serials))
    # Stream b's jobs come in groups of 2 to 5: a slot holding one of them holds at least two.
    slots = [[a for a in slot_arrivals(7, "x", streams, minute) if a.stream == "b"] for minute in range(200)]
    assert any(slots) and all(len(slot) >= 2 for slot in slots if slot)


def test_a_frozen_suite_gets_no_arrivals_a_running_one_does() -> None:
    frozen = build_simulators(seed=0, speed=0)
    assert all(sim.extra["arrivals"] is None for sim in frozen.simulators.values())
    running = build_simulators(seed=0, speed=1)
    assert all(sim.extra["arrivals"] is not None for sim in running.simulators.values())


def test_an_hour_in_every_source_has_new_and_unfinished_jobs() -> None:
    sims, clock = live()
    before = {name: census(sims, name, clock.now()) for name in SOURCES}
    clock.advance(3600)
    for name in SOURCES:
        now = census(sims, name, clock.now())
        final = sims.simulators[name].extra["final"]
        assert len(set(now) - set(before[name])) >= 20, name
        assert any(word not in final for word in now.values()), name
        # Some of what arrived failed or was cancelled, most of it did not.
        words = [now[key] for key in set(now) - set(before[name])]
        assert 0 < sum(word in final and word not in _SUCCESS for word in words) < len(words) / 2, name


_SUCCESS = {"COMPLETED", "PROCESSED", "completed", "succeeded"}


def test_a_transition_every_10_s_on_average() -> None:
    sims, clock = live()
    stats = measure(sims, clock, minutes=5, step_s=5)
    assert sum(s.transitions for s in stats.values()) >= 30
    assert all(s.transitions > 0 and s.arrived > 0 for s in stats.values())


def test_same_seed_same_world_whenever_the_run_started() -> None:
    first, first_clock = live()
    first_clock.advance(6 * 60)
    second, second_clock = live(start=first_clock.now())
    now = second_clock.now()
    for name in SOURCES:
        assert census(first, name, now) == census(second, name, now), name
    leia_a, leia_b = first.simulators["leia"].state, second.simulators["leia"].state
    assert list(leia_a.applications) == list(leia_b.applications)
    assert list(leia_a.models) == list(leia_b.models)
    assert first.simulators["leia"].config == second.simulators["leia"].config
    other, _ = live(seed=1)
    assert set(census(other, "scale", now)) != set(census(first, "scale", now))


def test_the_seeded_history_does_not_move_with_the_start() -> None:
    early, _ = live(start=START - 3 * HISTORY)
    late, _ = live()
    for name in SOURCES:
        assert early.simulators[name].config == late.simulators[name].config, name
    assert set(early.simulators["leia"].state.models) == set(late.simulators["leia"].state.models)


def test_rates_per_source() -> None:
    sims, clock = live(rates={"scale": 0.0, "leia": 10.0})
    before = {name: set(census(sims, name, clock.now())) for name in ("scale", "leia")}
    clock.advance(600)
    assert set(census(sims, "scale", clock.now())) == before["scale"]
    assert len(set(census(sims, "leia", clock.now())) - before["leia"]) > 60


async def test_arrivals_reach_clients_of_the_api() -> None:
    sims, clock = live(names=["scale"])
    token = sims.simulators["scale"].config["token"]
    headers = {"Authorization": f"Token {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sims.app), base_url="http://sim") as client:
        first = (await client.get("/scale/v6/jobs/", params={"order": "-id"}, headers=headers)).json()
        clock.advance(120)
        later = (await client.get("/scale/v6/jobs/", params={"order": "-id"}, headers=headers)).json()
    assert later["count"] > first["count"]
    assert later["results"][0]["id"] > first["results"][0]["id"] >= 1_000_000


def test_cli_rates(no_serving: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "sim.toml")
    assert main(["simulate", "--config-out", out, "--rate", "scale=2/min", "--rate", "leia=30/h"]) == 0
    assert main(["simulate", "--config-out", out, "--rate", "scale=lots"]) == 2
    assert "a rate is a number per unit" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "--config", "gateway.toml", "--rate", "scale=2/min"])
