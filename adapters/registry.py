"""Every upstream the gateway knows: one line each. Adding a source is one folder plus one line here.

A source package (``package``) provides ``build_adapter(settings, *, transport=None)``,
``Settings`` (the pydantic model of its ``[sources.<name>]`` table) and, when it
takes submissions, ``SUBMISSION`` (an ``adapters.submission.Submission``).
The gateway reaches a source package only through its entry here, by name, so the
package stays sealed; ``Registry.register`` adds one at run time (a plugin, a test).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import httpx

from adapters.base import Adapter, HttpBacked
from adapters.model import Source
from adapters.settings import SourceSettings, load_table
from adapters.submission import Submission


class AdapterFactory(Protocol):
    """A source package's ``build_adapter``: the adapter (and its HTTP client) for its validated table."""

    def __call__(self, settings: Any, *, transport: httpx.AsyncBaseTransport | None = None) -> Adapter: ...


@dataclass(frozen=True, slots=True)
class SourceEntry:
    source: Source
    name: str
    """The ``[sources.<name>]`` table name, the ``submitJob`` member and the callback path segment."""
    package: str

    def module(self) -> ModuleType:
        return importlib.import_module(self.package)

    def settings_model(self) -> type[SourceSettings]:
        """The model of this source's ``[sources.<name>]`` table."""
        model: type[SourceSettings] = self.module().Settings
        return model

    def build_adapter(self) -> AdapterFactory:
        """``build_adapter(settings, *, transport=None)``; calling it opens the HTTP client."""
        factory: AdapterFactory = self.module().build_adapter
        return factory

    def build(self, settings: SourceSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> Adapter:
        """The adapter for a validated table, its client following the table's traffic rules."""
        adapter = self.build_adapter()(settings, transport=transport)
        if isinstance(adapter, HttpBacked):
            adapter.client.apply(settings.traffic_rules(adapter.client.traffic))
        return adapter

    def submission(self) -> Submission[Any] | None:
        """What ``submitJob`` takes for this source; ``None`` if the package declares nothing."""
        found = getattr(self.module(), "SUBMISSION", None)
        return found if isinstance(found, Submission) else None


class Registry:
    """The known sources, in the fixed order that breaks ties when lists are merged."""

    def __init__(self, entries: tuple[SourceEntry, ...]) -> None:
        self._entries: dict[str, SourceEntry] = {}
        for entry in entries:
            self.register(entry)

    def register(self, entry: SourceEntry) -> None:
        known = self._entries.get(entry.name)
        if known is not None and known != entry:
            raise ValueError(f"a source named {entry.name!r} is registered already")
        if any(e.source is entry.source and e.name != entry.name for e in self._entries.values()):
            raise ValueError(f"{entry.source.value} is registered already")
        self._entries[entry.name] = entry

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def __iter__(self) -> Iterator[SourceEntry]:
        return iter(tuple(self._entries.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def by_name(self, name: str) -> SourceEntry:
        return self._entries[name]

    def get(self, source: Source) -> SourceEntry:
        for entry in self._entries.values():
            if entry.source is source:
                return entry
        raise KeyError(source.value)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(e.source for e in self._entries.values())


REGISTRY = Registry(
    (
        SourceEntry(Source.WORDLIFT, "wordlift", "adapters.wordlift"),
        SourceEntry(Source.LEIA, "leia", "adapters.leia"),
        SourceEntry(Source.PHYLODB, "phylodb", "adapters.phylodb"),
        SourceEntry(Source.SCALE, "scale", "adapters.scale"),
        SourceEntry(Source.AMPERITY, "amperity", "adapters.amperity"),
    )
)


def source_settings(name: str, table: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> SourceSettings:
    """Validate one ``[sources.<name>]`` table, secrets read from ``environ`` (default: the process's).

    Raises ``ConfigError`` naming every problem. Pure: builds no adapter and opens no client.
    """
    where = f"[sources.{name}]"
    return load_table(REGISTRY.by_name(name).settings_model(), table, where, os.environ if environ is None else environ)
