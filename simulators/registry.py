"""Every upstream simulator, by its ``[sources.<name>]`` table name (also its path prefix in the suite)."""

from __future__ import annotations

from simulators import amperity, leia, phylodb, scale, wordlift
from simulators.kit.app import SimulatorFactory

SIMULATORS: dict[str, SimulatorFactory] = {
    "wordlift": wordlift.create_simulator,
    "leia": leia.create_simulator,
    "phylodb": phylodb.create_simulator,
    "scale": scale.create_simulator,
    "amperity": amperity.create_simulator,
}
