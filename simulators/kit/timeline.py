"""Scripted outages: a timeline of faults per simulator, read from a TOML file (``--faults FILE``).

Minutes count simulated time from the moment the simulators were built, so a
frozen clock moved with ``/_sim/clock`` plays the script deterministically and
``SIM_SPEED=20`` plays a 10-minute script in 30 s. The file holds one array of
tables per simulator name; each entry has ``from_min`` (required), ``to_min``
(optional: until the end) and any ``Faults`` field but ``burst_429`` (a count of
requests, not a period: use ``error_rate = 1`` with ``status = 429``)::

    [[scale]]            # Scale answers 503 from minute 5 to 7
    from_min = 5
    to_min = 7
    error_rate = 1.0
    status = 503

    [[leia]]             # Leia 2 s slower from minute 10 on
    from_min = 10
    latency_ms = 2000

While entries are active, their fields override those set at run time through
``POST {base}/_sim/faults``; outside them the run-time faults apply alone.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulators.kit.faults import Faults

_WINDOW_KEYS = ("from_min", "to_min")
_NOT_SCHEDULED = ("burst_429",)


@dataclass(frozen=True, slots=True)
class ScheduledFault:
    """Fault fields that hold from ``from_min`` (inclusive) to ``to_min`` (exclusive; ``None``: for ever)."""

    from_min: float
    to_min: float | None
    fields: Mapping[str, Any]

    def covers(self, minute: float) -> bool:
        return self.from_min <= minute and (self.to_min is None or minute < self.to_min)


@dataclass(frozen=True, slots=True)
class FaultTimeline:
    """Every simulator's scheduled faults, by simulator name."""

    entries: Mapping[str, Sequence[ScheduledFault]]

    def of(self, name: str) -> Sequence[ScheduledFault]:
        return self.entries.get(name, ())

    @classmethod
    def load(cls, path: str | Path, sources: Collection[str]) -> FaultTimeline:
        """Read and check a fault file; ``ValueError`` names the file and what is wrong."""
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as exc:
            raise ValueError(f"cannot read the fault file {path}: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"the fault file {path} is not valid TOML: {exc}") from None
        try:
            return cls.parse(data, sources)
        except ValueError as exc:
            raise ValueError(f"the fault file {path}: {exc}") from None

    @classmethod
    def parse(cls, data: Mapping[str, Any], sources: Collection[str]) -> FaultTimeline:
        entries: dict[str, list[ScheduledFault]] = {}
        for name, items in data.items():
            if name not in sources:
                raise ValueError(f"unknown simulator [[{name}]] (known: {', '.join(sorted(sources))})")
            if not isinstance(items, list):
                raise ValueError(f"{name} must be an array of tables ([[{name}]]), one per fault period")
            entries[name] = [_entry(name, index, item) for index, item in enumerate(items, start=1)]
        return cls(entries)


def _entry(name: str, index: int, item: Any) -> ScheduledFault:
    where = f"[[{name}]] #{index}"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a table")
    start, end = item.get("from_min"), item.get("to_min")
    if start is None:
        raise ValueError(f"{where} needs from_min (simulated minutes since start)")
    for key, value in (("from_min", start), ("to_min", end)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise ValueError(f"{where}: {key} must be a number of minutes >= 0")
    if end is not None and end <= start:
        raise ValueError(f"{where}: to_min must be after from_min")
    fields = {key: value for key, value in item.items() if key not in _WINDOW_KEYS}
    refused = [key for key in _NOT_SCHEDULED if key in fields]
    if refused:
        raise ValueError(f"{where}: {refused[0]} cannot be scheduled (use error_rate = 1 with status = 429)")
    if not fields:
        raise ValueError(f"{where} sets no fault")
    try:
        parsed = Faults.parse(fields)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return ScheduledFault(float(start), None if end is None else float(end), {k: getattr(parsed, k) for k in fields})
