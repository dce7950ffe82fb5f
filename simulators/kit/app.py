"""The shape every simulator factory returns, so the CLI and tests can serve any of them alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp

from simulators.kit.clock import SimClock
from simulators.kit.faults import FaultInjector, Faults


@dataclass
class SimulatorApp:
    app: ASGIApp
    """The ASGI app, already wrapped by ``injector``. Its routes are relative to the upstream's base URL."""
    injector: FaultInjector
    config: Mapping[str, Any]
    """The ``[sources.<name>]`` table for a gateway using this simulator, minus ``base_url``:
    working credentials and scopes."""
    state: Any = None
    """The simulator's in-memory data, for tests that need to look inside."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Hooks: ``census(now) -> {id: native status}`` (``world_stats``), ``arrivals`` (``kit.arrivals``
    or ``None``), and what a simulator adds of its own (Leia's ``background``)."""


SimulatorFactory = Callable[..., SimulatorApp]
"""``create_simulator(*, seed: int, clock: SimClock, faults: Faults | None = None, world: World | None = None)
-> SimulatorApp``; without ``world``, a standalone one (``kit.world``: history at the clock's start, no arrivals)."""

__all__ = ["FaultInjector", "Faults", "SimClock", "SimulatorApp", "SimulatorFactory"]
