"""Serving all five upstream simulators on one loopback port, one path prefix each.

Used by ``job-gateway simulate`` (prints base URLs, writes a gateway config),
by ``job-gateway serve --simulate`` (through ``simulators.plugin``) and by the
integration tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import tomli_w
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from simulators.kit.app import SimulatorApp
from simulators.kit.clock import SimClock
from simulators.kit.dates import DateHeader
from simulators.kit.timeline import FaultTimeline
from simulators.kit.world import World
from simulators.registry import SIMULATORS


@dataclass
class SimulatorSet:
    clock: SimClock
    simulators: dict[str, SimulatorApp]
    app: ASGIApp

    def base_urls(self, origin: str) -> dict[str, str]:
        return {name: f"{origin}/{name}" for name in self.simulators}

    def gateway_tables(self, origin: str) -> dict[str, dict[str, Any]]:
        """The ``[sources.*]`` tables pointing a gateway at these simulators."""
        return {
            name: {"base_url": url, **dict(self.simulators[name].config)}
            for name, url in self.base_urls(origin).items()
        }


def build_simulators(
    seed: int = 0,
    speed: float = 1.0,
    names: list[str] | None = None,
    *,
    faults: FaultTimeline | None = None,
    arrivals: bool | None = None,
    rates: Mapping[str, float] | None = None,
    clock: SimClock | None = None,
) -> SimulatorSet:
    """The simulators on one clock, in one live world (``kit.world``).

    New jobs keep arriving while the clock runs (``arrivals``, default: unless
    ``speed`` is 0, so frozen worlds stay as seeded); ``rates`` sets a source's
    jobs per minute; ``faults`` scripts outages on simulated minutes from now.
    ``clock`` replaces the one ``speed`` would make (``world_stats`` drives its own).
    """
    clock = clock or SimClock(speed=speed)
    live = clock.speed > 0 if arrivals is None else arrivals
    origin = clock.now()
    simulators: dict[str, SimulatorApp] = {}
    for name, create_simulator in SIMULATORS.items():
        if names is not None and name not in names:
            continue
        world = World.live(seed, clock, arrivals=live, rate=(rates or {}).get(name))
        sim = simulators[name] = create_simulator(seed=seed, clock=clock, world=world)
        if faults is not None:
            sim.injector.schedule, sim.injector.origin = faults.of(name), origin
    routes = [Mount(f"/{name}", app=sim.app) for name, sim in simulators.items()]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Starlette runs no lifespan of a mounted app: start the simulators' own
        # background work (Leia's callback sender) here instead.
        tasks = [
            asyncio.create_task(sim.extra["background"]()) for sim in simulators.values() if "background" in sim.extra
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # One Date per answer, from the simulated clock, for every simulator (kit.dates).
    app = DateHeader(Starlette(routes=routes, lifespan=lifespan), clock)
    return SimulatorSet(clock, simulators, app)


def render_config(tables: Mapping[str, Mapping[str, Any]], header: str = "") -> str:
    """A gateway configuration file holding ``tables`` as ``[sources.<name>]``, ``header`` as comments.

    ``tomli_w`` writes the TOML, so any string (newlines, quotes, backslashes) round-trips.
    """
    comments = "".join(f"# {line}\n" for line in header.splitlines())
    body = tomli_w.dumps({"sources": {name: dict(table) for name, table in tables.items()}})
    return f"{comments}\n{body}" if comments else body
