"""``job-gateway serve`` and ``simulate``: what runs, and the exit-2 refusals that say why not."""

from __future__ import annotations

import gc
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gateway import cli, embedded
from gateway.cli import main
from gateway.config import config_from_mapping


@pytest.fixture(autouse=True)
def _no_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli.CONFIG_ENV, raising=False)


@pytest.fixture
def simulators_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "entry_points", lambda group: [])


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


def test_serve_needs_a_config_or_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["serve"], capsys)
    assert "--config" in err
    assert "JOB_GATEWAY_CONFIG" in err
    assert "--simulate" in err


def test_serve_refuses_config_and_simulate_together(capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["serve", "--config", "gateway.toml", "--simulate"], capsys)
    assert "--simulate" in err
    assert "--config" in err


def test_config_from_the_environment_counts_as_config(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(cli.CONFIG_ENV, "gateway.toml")
    err = _refused(["serve", "--simulate"], capsys)
    assert "JOB_GATEWAY_CONFIG" in err


def test_config_from_the_environment_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(cli.CONFIG_ENV, str(tmp_path / "absent.toml"))
    assert main(["serve"]) == 2
    assert "absent.toml" in capsys.readouterr().err


@pytest.mark.usefixtures("simulators_missing")
@pytest.mark.parametrize(
    "argv", [["serve", "--simulate"], ["simulate", "--config-out", "sim.toml"]], ids=["serve", "simulate"]
)
def test_simulators_not_installed(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "job-gateway-simulators" in err
    assert "pip install -e ./simulators" in err


def test_simulators_found_through_the_entry_point() -> None:
    from simulators.plugin import provider

    assert embedded.load_simulators() is provider


def test_serve_simulate_serves_simulators_and_gateway(
    no_serving: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--simulate", "--sim-speed", "0", "--log-level", "warning"]) == 0
    assert len(no_serving) == 2
    out = capsys.readouterr().out
    for name in ("wordlift", "leia", "phylodb", "scale", "amperity"):
        assert f"/{name}" in out


def test_simulate_writes_a_config_the_gateway_accepts(
    no_serving: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim.toml"
    assert main(["simulate", "--port", "8100", "--seed", "0", "--config-out", str(out)]) == 0
    data = tomllib.loads(out.read_text())
    assert data["sources"]["scale"]["base_url"] == "http://127.0.0.1:8100/scale"
    assert set(config_from_mapping(data, {}).sources) == {"wordlift", "leia", "phylodb", "scale", "amperity"}
    assert len(no_serving) == 1
    # Behind compose or a proxy, gateways reach the simulators under another name than their bind address.
    argv = ["simulate", "--host", "0.0.0.0", "--public-url", "http://simulators:8100/", "--config-out", str(out)]
    assert main(argv) == 0
    assert tomllib.loads(out.read_text())["sources"]["leia"]["base_url"] == "http://simulators:8100/leia"


def test_serve_refuses_several_workers_where_they_cannot_share_saying_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--simulate", "--workers", "2"])
    assert exit_info.value.code == 2
    assert "needs --config" in capsys.readouterr().err
    config = tmp_path / "gateway.toml"
    config.write_text('[gateway]\nstate_url = "memory://"\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--config", str(config), "--workers", "2"])
    assert exit_info.value.code == 2
    assert "memory://" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "--config", str(config), "--workers", "0"])
    assert "at least 1" in capsys.readouterr().err


def test_settle_heap_freezes_start_up_and_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        cli.settle_heap()
        assert gc.get_threshold() == cli.GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
