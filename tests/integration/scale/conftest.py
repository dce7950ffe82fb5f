from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from adapters.registry import source_settings
from adapters.scale import ScaleAdapter, build_adapter
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.server import serve
from simulators.scale.app import create_simulator


@pytest.fixture
def clock() -> SimClock:
    return SimClock(speed=0)


@pytest.fixture
def sim(clock: SimClock) -> SimulatorApp:
    return create_simulator(seed=7, clock=clock)


@pytest.fixture
async def client(sim: SimulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    """Talks to the simulator in process, authenticated as its staff user."""
    headers = {"Authorization": f"Token {sim.config['token']}"}
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", headers=headers) as http:
        yield http


@pytest.fixture
def url(sim: SimulatorApp) -> Iterator[str]:
    with serve(sim.app) as base:
        yield base


def make_adapter(sim: SimulatorApp, url: str, **extra: object) -> ScaleAdapter:
    return build_adapter(source_settings("scale", {"base_url": url, **sim.config, **extra}))


@pytest.fixture
async def adapter(sim: SimulatorApp, url: str) -> AsyncIterator[ScaleAdapter]:
    scale = make_adapter(sim, url)
    yield scale
    await scale.aclose()
