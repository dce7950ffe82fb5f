"""The whole system over real HTTP: all five simulators on one port, the gateway on another.

Frozen clock by default, so upstream data stands still; tests move it with
``stack.advance(seconds)``. ``stack.calls`` counts upstream requests by
(source, operation), as the gateway's client layer reports them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapters.model import Source
from gateway.app import create_app
from gateway.config import config_from_mapping
from simulators.kit.server import free_port, serve
from simulators.suite import SimulatorSet, build_simulators


@dataclass
class Stack:
    sims: SimulatorSet
    sim_url: str
    url: str
    app: Any
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    # One pooled client: a fresh one per call costs ~20 ms of connection set-up.
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def query(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        response = httpx.post(
            self.graphql_url, json={"query": query, "variables": variables or {}}, timeout=60, **kwargs
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def upstream_calls(self, source: Source | None = None) -> int:
        return sum(n for (s, _), n in self.calls.items() if source is None or s == source.value)

    def faults(self, name: str, faults: dict[str, Any]) -> None:
        self.http.post(f"{self.sim_url}/{name}/_sim/faults", json=faults, timeout=10).raise_for_status()

    def advance(self, seconds: float) -> None:
        self.sims.clock.advance(seconds)


@contextmanager
def running_stack(
    seed: int = 0,
    speed: float = 0.0,
    gateway: dict[str, Any] | None = None,
    *,
    sources: dict[str, dict[str, Any]] | None = None,
    wrap_simulators: Callable[[Any], Any] | None = None,
    prepare: Callable[[Any], None] | None = None,
    public_base_url: bool = False,
    tracer_provider: Any = None,
) -> Iterator[Stack]:
    """The stack; ``sources`` overrides keys of ``[sources.*]`` tables (e.g. ``timeout_s``),
    ``wrap_simulators`` puts an ASGI wrapper in front of the simulators, ``prepare`` sees the
    app before it serves, ``public_base_url`` points the gateway's callbacks at itself, and
    ``tracer_provider`` traces the gateway through it.

    The freshness window is off (``list_freshness_s = 0``) unless ``sources`` turns it on: these
    tests count the upstream calls of each query and move the simulated clock behind the
    gateway's back, which is what the window hides (``test_read_freshness.py`` tests it)."""
    sims = build_simulators(seed=seed, speed=speed)
    upstream = wrap_simulators(sims.app) if wrap_simulators is not None else sims.app
    with serve(upstream) as sim_url:
        tables = {name: {**table, "list_freshness_s": 0} for name, table in sims.gateway_tables(sim_url).items()}
        for name, extra in (sources or {}).items():
            tables[name] = {**tables[name], **extra}
        port = free_port()
        settings: dict[str, Any] = {"cursor_secret": "integration", **(gateway or {})}
        if public_base_url:
            settings["public_base_url"] = f"http://127.0.0.1:{port}"
        app = create_app(
            config_from_mapping({"gateway": settings, "sources": tables}, {}), tracer_provider=tracer_provider
        )
        if prepare is not None:
            prepare(app)
        with serve(app, port=port) as url:
            stack = Stack(sims, sim_url, url, app)

            def observe(source: Source, operation: str, outcome: str, seconds: float) -> None:
                stack.calls[(source.value, operation)] += 1

            app.state.services.upstreams.add_observer(observe)
            try:
                yield stack
            finally:
                app.state.services.upstreams.remove_observer(observe)
                stack.http.close()
