"""Every upstream the gateway knows: one line each. Adding a source is one folder plus one line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.model import Source


@dataclass(frozen=True, slots=True)
class SourceEntry:
    source: Source
    name: str
    """The ``[sources.<name>]`` table name."""
    package: str

    def build_adapter(self) -> Callable[..., Any]:
        """``build_adapter(settings: SourceSettings, *, transport=None) -> Adapter``."""
        return importlib.import_module(self.package).build_adapter  # type: ignore[no-any-return]


SOURCES: tuple[SourceEntry, ...] = (
    SourceEntry(Source.WORDLIFT, "wordlift", "adapters.wordlift"),
    SourceEntry(Source.LEIA, "leia", "adapters.leia"),
    SourceEntry(Source.PHYLODB, "phylodb", "adapters.phylodb"),
    SourceEntry(Source.SCALE, "scale", "adapters.scale"),
    SourceEntry(Source.AMPERITY, "amperity", "adapters.amperity"),
)

BY_NAME = {entry.name: entry for entry in SOURCES}
