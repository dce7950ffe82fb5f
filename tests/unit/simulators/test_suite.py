"""The suite of all five simulators: its registry, and the gateway configuration it writes."""

from __future__ import annotations

import tomllib

import pytest

from adapters.registry import REGISTRY
from simulators.registry import SIMULATORS
from simulators.suite import build_simulators, render_config


def test_one_simulator_per_source_in_registry_order() -> None:
    assert list(SIMULATORS) == [e.name for e in REGISTRY]


@pytest.mark.parametrize(
    "value",
    ["two\nlines", 'a "quoted" word', "back\\slash", 'all\n"of"\\them\r\t', "tab\there", "unicode é ✓"],
)
def test_rendered_config_round_trips(value: str) -> None:
    tables = {"leia": {"base_url": "http://127.0.0.1:1/leia", "api_key": value, "graphs": [value, "x"], "n": 3}}
    text = render_config(tables, header="first line\nsecond line")
    assert text.startswith("# first line\n# second line\n")
    assert tomllib.loads(text) == {"sources": tables}


def test_rendered_simulator_tables_round_trip() -> None:
    sims = build_simulators(seed=0, speed=0)
    tables = sims.gateway_tables("http://127.0.0.1:8100")
    assert tomllib.loads(render_config(tables))["sources"] == tables
