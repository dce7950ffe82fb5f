"""Hooks through which the gateway watches upstream calls without adapters importing it.

The gateway registers an observer (Prometheus metrics); tests register one to
count upstream calls. Observers must be cheap and must not raise.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.model import Source

RequestObserver = Callable[[Source, str, str, float], None]
"""``(source, operation, outcome, seconds)``; outcome is ``ok`` or an ``ErrorKind`` value."""

_observers: list[RequestObserver] = []


def add_observer(observer: RequestObserver) -> None:
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: RequestObserver) -> None:
    if observer in _observers:
        _observers.remove(observer)


def notify(source: Source, operation: str, outcome: str, seconds: float) -> None:
    for observer in tuple(_observers):
        observer(source, operation, outcome, seconds)
