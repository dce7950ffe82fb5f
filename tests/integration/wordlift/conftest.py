"""Fixtures: a frozen-clock WordLift simulator served on loopback, and an adapter pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest

from adapters.registry import source_settings
from adapters.wordlift import WordLiftAdapter, build_adapter
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.server import serve
from simulators.wordlift.app import create_simulator
from simulators.wordlift.plan import FailureRates

GRAPH = "1506805"


@pytest.fixture
def clock() -> SimClock:
    return SimClock(speed=0)


@pytest.fixture
def sim(clock: SimClock) -> SimulatorApp:
    made = create_simulator(seed=0, clock=clock)
    made.state.rates = FailureRates(retry=0, fatal=0)
    graph = made.state.graphs[GRAPH]
    # A still source graph: only explicit touches change its watermark.
    graph.edit_every, graph.edit_phase = timedelta(days=3650), clock.now() - timedelta(days=400)
    return made


@pytest.fixture
def url(sim: SimulatorApp) -> Iterator[str]:
    with serve(sim.app) as base:
        yield base


def make_adapter(url: str, sim: SimulatorApp, **extra: Any) -> WordLiftAdapter:
    return build_adapter(source_settings("wordlift", {"base_url": url, **sim.config, **extra}))


@pytest.fixture
async def adapter(url: str, sim: SimulatorApp) -> AsyncIterator[WordLiftAdapter]:
    made = make_adapter(url, sim)
    yield made
    await made.aclose()
