"""Finding the upstream simulators without importing them: the ``job_gateway.simulators`` entry point.

The simulators are their own distribution (``job-gateway-simulators``, in
``simulators/``), never part of the gateway's wheel or image. ``job-gateway
serve --simulate`` and ``job-gateway simulate`` load them through this entry
point and use them only through the protocols below; when the distribution is
not installed, ``load_simulators`` says how to install it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import entry_points
from typing import Any, Protocol, cast

from starlette.types import ASGIApp

ENTRY_POINT_GROUP = "job_gateway.simulators"
NOT_INSTALLED = (
    "the upstream simulators are not installed (distribution job-gateway-simulators, "
    f"entry point group {ENTRY_POINT_GROUP}); install them with `pip install -e ./simulators` "
    "from a checkout of the repository (`make install` does)"
)


class RunningSimulators(Protocol):
    """Every simulator on one ASGI app, one path prefix each."""

    @property
    def app(self) -> ASGIApp: ...

    def base_urls(self, origin: str) -> dict[str, str]:
        """Each source's base URL when ``app`` is served at ``origin``."""
        ...

    def gateway_tables(self, origin: str) -> dict[str, dict[str, Any]]:
        """The ``[sources.*]`` tables pointing a gateway at ``app`` served at ``origin``."""
        ...


class SimulatorProvider(Protocol):
    """What the entry point's object offers."""

    def build(
        self, seed: int, speed: float, *, faults: str | None = None, rates: Sequence[str] = ()
    ) -> RunningSimulators:
        """Seeded simulators on one clock; ``speed`` 0 freezes it (and stops new jobs arriving).

        ``faults`` is the path of a fault timeline file (scripted outages); ``rates``
        are ``SOURCE=RATE`` items (``scale=2/min``) setting how fast new jobs arrive.
        A bad file or rate raises ``ValueError`` saying why.
        """
        ...

    def render_config(self, tables: Mapping[str, Mapping[str, Any]], header: str) -> str:
        """A gateway configuration file (TOML) holding ``tables``, ``header`` as comments."""
        ...


class SimulatorsNotInstalled(RuntimeError):
    """The ``job-gateway-simulators`` distribution is missing."""


def load_simulators() -> SimulatorProvider:
    """The installed simulators' provider, or ``SimulatorsNotInstalled`` saying how to install them."""
    found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda point: point.name)
    if not found:
        raise SimulatorsNotInstalled(NOT_INSTALLED)
    return cast(SimulatorProvider, found[0].load())
