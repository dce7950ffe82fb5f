"""Scripted outages (``--faults FILE``): the file's checks, the periods on the simulated clock, the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.cli import main
from simulators.kit.timeline import FaultTimeline
from simulators.registry import SIMULATORS
from simulators.suite import build_simulators

SCRIPT = """
[[scale]]
from_min = 5
to_min = 7
error_rate = 1.0
status = 503

[[leia]]
from_min = 10
latency_ms = 2000
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(text)
    return path


async def scale_status(app: Any) -> int:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as client:
        return (await client.get("/scale/v6/jobs/")).status_code


async def test_scale_answers_503_from_minute_5_to_7(tmp_path: Path) -> None:
    timeline = FaultTimeline.load(write(tmp_path, SCRIPT), SIMULATORS)
    sims = build_simulators(seed=0, speed=0, names=["scale", "leia"], faults=timeline)
    # Without a token Scale answers its own 401: the fault is what turns it into a 503.
    assert await scale_status(sims.app) == 401
    sims.clock.advance(5 * 60)
    assert await scale_status(sims.app) == 503
    sims.clock.advance(2 * 60 - 1)
    assert await scale_status(sims.app) == 503
    sims.clock.advance(1)
    assert await scale_status(sims.app) == 401


def test_leia_latency_from_minute_10_on_over_run_time_faults(tmp_path: Path) -> None:
    timeline = FaultTimeline.load(write(tmp_path, SCRIPT), SIMULATORS)
    sims = build_simulators(seed=0, speed=0, names=["leia"], faults=timeline)
    injector = sims.simulators["leia"].injector
    injector.faults.latency_ms, injector.faults.error_rate = 50.0, 0.5
    assert injector.active().latency_ms == 50.0
    sims.clock.advance(10 * 60)
    assert (injector.active().latency_ms, injector.active().error_rate) == (2000.0, 0.5)
    sims.clock.advance(24 * 3600)
    assert injector.active().latency_ms == 2000.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[nosuch]]\nfrom_min = 1\nerror_rate = 1", "unknown simulator [[nosuch]]"),
        ("[[scale]]\nerror_rate = 1", "needs from_min"),
        ("[[scale]]\nfrom_min = 3\nto_min = 2\nerror_rate = 1", "to_min must be after from_min"),
        ("[[scale]]\nfrom_min = -1\nerror_rate = 1", "from_min must be a number"),
        ("[[scale]]\nfrom_min = 1", "sets no fault"),
        ("[[scale]]\nfrom_min = 1\nburst_429 = 3", "burst_429 cannot be scheduled"),
        ("[[scale]]\nfrom_min = 1\nerror_rate = 2", "error_rate must be between 0 and 1"),
        ("[[scale]]\nfrom_min = 1\nlatncy_ms = 2", "unknown fault fields"),
        ("scale = 1", "array of tables"),
        ("[[scale]\n", "not valid TOML"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match="fault file") as info:
        FaultTimeline.load(write(tmp_path, text), SIMULATORS)
    assert message in str(info.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the fault file"):
        FaultTimeline.load(tmp_path / "absent.toml", SIMULATORS)


@pytest.mark.parametrize("command", [["serve", "--simulate"], ["simulate", "--config-out", "sim.toml"]])
def test_cli_takes_a_fault_file(
    no_serving: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--sim-speed", "0", "--faults", str(write(tmp_path, SCRIPT))]) == 0
    assert no_serving


@pytest.mark.parametrize("command", [["serve", "--simulate"], ["simulate", "--config-out", "sim.toml"]])
def test_cli_refuses_a_bad_fault_file(
    no_serving: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    bad = write(tmp_path, "[[scale]]\nfrom_min = 1\n")
    assert main([*command, "--sim-speed", "0", "--faults", str(bad)]) == 2
    assert "sets no fault" in capsys.readouterr().err
    assert not no_serving


def test_serve_refuses_faults_without_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["serve", "--config", "gateway.toml", "--faults", "f.toml"])
    assert info.value.code == 2
    assert "--faults and --rate apply to the simulators" in capsys.readouterr().err
