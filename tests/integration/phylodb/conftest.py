"""phyloDB simulator served over real HTTP on loopback, and adapters built the way the gateway builds them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from adapters.phylodb import PhyloDBAdapter, build_adapter
from adapters.registry import source_settings
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.server import serve
from simulators.phylodb.app import create_simulator

PAGE_SIZE = 7
"""Small pages so 50 jobs span several phyloDB pages."""


def make_adapter(sim: SimulatorApp, url: str, **overrides: Any) -> PhyloDBAdapter:
    table = {**sim.config, "base_url": url, **overrides}
    return build_adapter(source_settings("phylodb", table))


@pytest.fixture
def sim() -> SimulatorApp:
    return create_simulator(seed=11, clock=SimClock(speed=0), page_size=PAGE_SIZE)


@pytest.fixture
def url(sim: SimulatorApp) -> Iterator[str]:
    with serve(sim.app) as base:
        yield base


@pytest.fixture
async def adapter(sim: SimulatorApp, url: str) -> AsyncIterator[PhyloDBAdapter]:
    ad = make_adapter(sim, url)
    yield ad
    await ad.aclose()
