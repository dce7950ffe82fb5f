"""Every upstream the gateway knows: one line each. Adding a source is one folder plus one line here.

A source package provides ``build_adapter`` and ``Settings`` (the pydantic model
of its ``[sources.<name>]`` table, in ``<package>/settings.py``) and a
``simulator`` module with ``create_simulator``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.model import Source
from adapters.settings import SourceSettings, load_table


@dataclass(frozen=True, slots=True)
class SourceEntry:
    source: Source
    name: str
    """The ``[sources.<name>]`` table name and the simulator's path prefix."""
    package: str

    def settings_model(self) -> type[SourceSettings]:
        """The model of this source's ``[sources.<name>]`` table."""
        return importlib.import_module(self.package).Settings  # type: ignore[no-any-return]

    def build_adapter(self) -> Callable[..., Any]:
        """``build_adapter(settings: Settings, *, transport=None) -> Adapter``; this opens the HTTP client."""
        return importlib.import_module(self.package).build_adapter  # type: ignore[no-any-return]

    def create_simulator(self) -> Callable[..., Any]:
        """``create_simulator(*, seed, clock, faults=None) -> SimulatorApp``."""
        return importlib.import_module(f"{self.package}.simulator").create_simulator  # type: ignore[no-any-return]


SOURCES: tuple[SourceEntry, ...] = (
    SourceEntry(Source.WORDLIFT, "wordlift", "adapters.wordlift"),
    SourceEntry(Source.LEIA, "leia", "adapters.leia"),
    SourceEntry(Source.PHYLODB, "phylodb", "adapters.phylodb"),
    SourceEntry(Source.SCALE, "scale", "adapters.scale"),
    SourceEntry(Source.AMPERITY, "amperity", "adapters.amperity"),
)

BY_NAME = {entry.name: entry for entry in SOURCES}


def source_settings(name: str, table: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> SourceSettings:
    """Validate one ``[sources.<name>]`` table, secrets read from ``environ`` (default: the process's).

    Raises ``ConfigError`` naming every problem. Pure: builds no adapter and opens no client.
    """
    where = f"[sources.{name}]"
    return load_table(BY_NAME[name].settings_model(), table, where, os.environ if environ is None else environ)
