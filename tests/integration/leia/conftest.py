from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from adapters.leia import LeiaAdapter, build_adapter
from adapters.registry import source_settings
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.server import serve
from simulators.leia.app import create_simulator
from simulators.leia.state import LeiaState

SEED = 7


@pytest.fixture
def clock() -> SimClock:
    return SimClock(speed=0)


@pytest.fixture
def sim(clock: SimClock) -> SimulatorApp:
    return create_simulator(seed=SEED, clock=clock)


@pytest.fixture
def state(sim: SimulatorApp) -> LeiaState:
    assert isinstance(sim.state, LeiaState)
    return sim.state


@pytest.fixture
def url(sim: SimulatorApp) -> Iterator[str]:
    with serve(sim.app) as base:
        yield base


def adapter_for(sim: SimulatorApp, base_url: str, **table: Any) -> LeiaAdapter:
    return build_adapter(source_settings("leia", {"base_url": base_url, **sim.config, "timeout_s": 3, **table}))


@pytest.fixture
async def adapter(sim: SimulatorApp, url: str) -> AsyncIterator[LeiaAdapter]:
    leia = adapter_for(sim, url)
    yield leia
    await leia.aclose()


@pytest.fixture
def app_id(sim: SimulatorApp) -> str:
    return str(sim.config["application_id"])


@pytest.fixture
def documents(state: LeiaState, app_id: str) -> list[str]:
    return [d.id for d in state.documents.values() if d.application_id == app_id]
