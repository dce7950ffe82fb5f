"""phyloDB simulator served over real HTTP on loopback, and adapters built the way the gateway builds them."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from adapters.phylodb import PhyloDBAdapter, build_adapter
from adapters.phylodb.simulator import create_simulator
from adapters.settings import SourceSettings
from adapters.simkit import SimClock
from adapters.simkit.app import SimulatorApp
from tests.support.server import free_port, serve

PAGE_SIZE = 7
"""Small pages so 50 jobs span several phyloDB pages."""


def make_adapter(sim: SimulatorApp, url: str, **overrides: Any) -> PhyloDBAdapter:
    table = {**sim.config, "base_url": url, **overrides}
    return build_adapter(SourceSettings("phylodb", table))


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


@contextmanager
def serve_abandonable(app: Any) -> Iterator[str]:
    """Like ``serve``, but shutdown does not wait for requests a fault left hanging.

    ``tests.support.server.serve`` waits for every request task to end, and a
    ``hang`` fault's request sleeps for an hour, so its thread join would cost
    10 s per test.
    """
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    # Typed as int, but used as an asyncio.wait_for timeout: a fraction of a second is fine.
    config.timeout_graceful_shutdown = 0.2  # type: ignore[assignment]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
