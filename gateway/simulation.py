"""Serving all five upstream simulators on one loopback port, one path prefix each.

Used by ``job-gateway simulate`` (prints base URLs, writes a gateway config)
and by ``job-gateway serve`` with no ``--config`` (the embedded default).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount

from adapters.registry import SOURCES
from adapters.simkit.app import SimulatorApp
from adapters.simkit.clock import SimClock


@dataclass
class SimulatorSet:
    clock: SimClock
    simulators: dict[str, SimulatorApp]
    app: Starlette

    def base_urls(self, origin: str) -> dict[str, str]:
        return {name: f"{origin}/{name}" for name in self.simulators}

    def gateway_tables(self, origin: str) -> dict[str, dict[str, Any]]:
        """The ``[sources.*]`` tables pointing a gateway at these simulators."""
        return {
            name: {"base_url": url, **dict(self.simulators[name].config)}
            for name, url in self.base_urls(origin).items()
        }


def build_simulators(seed: int = 0, speed: float = 1.0, names: list[str] | None = None) -> SimulatorSet:
    clock = SimClock(speed=speed)
    simulators: dict[str, SimulatorApp] = {}
    for entry in SOURCES:
        if names is not None and entry.name not in names:
            continue
        simulators[entry.name] = entry.create_simulator()(seed=seed, clock=clock)
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

    return SimulatorSet(clock, simulators, Starlette(routes=routes, lifespan=lifespan))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def render_config(tables: Mapping[str, Mapping[str, Any]], header: str = "") -> str:
    lines = [f"# {line}" for line in header.splitlines()]
    for name, table in tables.items():
        lines.append("")
        lines.append(f"[sources.{name}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n"
