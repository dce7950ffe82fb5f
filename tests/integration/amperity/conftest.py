from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from adapters.amperity import AmperityAdapter, build_adapter
from adapters.registry import source_settings
from simulators.amperity.app import create_simulator
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.server import serve


@pytest.fixture
def sim() -> SimulatorApp:
    # Frozen at the simulator kit's fixed epoch, weeks away from the machine's clock: the adapter must
    # place its 7-day window on the server's clock.
    return create_simulator(seed=7, clock=SimClock(speed=0))


@pytest.fixture
def url(sim: SimulatorApp) -> Iterator[str]:
    with serve(sim.app) as base:
        yield base


def make_adapter(url: str, sim: SimulatorApp, **overrides: Any) -> AmperityAdapter:
    table = {"base_url": url, **sim.config, "timeout_s": 2.0, **overrides}
    return build_adapter(source_settings("amperity", table))


@pytest.fixture
async def adapter(url: str, sim: SimulatorApp) -> AsyncIterator[AmperityAdapter]:
    built = make_adapter(url, sim)
    yield built
    await built.aclose()
