"""The object behind the ``job_gateway.simulators`` entry point.

The gateway never imports this package: ``gateway.embedded`` finds this object
through the entry point and uses it through its ``SimulatorProvider`` protocol,
which mypy checks here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.embedded import SimulatorProvider
from simulators.kit.arrivals import parse_rates
from simulators.kit.timeline import FaultTimeline
from simulators.registry import SIMULATORS
from simulators.suite import SimulatorSet, build_simulators, render_config


class Simulators:
    """All five simulators on one app, and the gateway configuration pointing at them."""

    def build(self, seed: int, speed: float, *, faults: str | None = None, rates: Sequence[str] = ()) -> SimulatorSet:
        timeline = FaultTimeline.load(faults, SIMULATORS) if faults is not None else None
        per_min = parse_rates(rates, list(SIMULATORS))
        return build_simulators(seed=seed, speed=speed, faults=timeline, rates=per_min)

    def render_config(self, tables: Mapping[str, Mapping[str, Any]], header: str) -> str:
        return render_config(tables, header)


provider: SimulatorProvider = Simulators()
