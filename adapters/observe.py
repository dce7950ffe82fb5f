"""The shape of an upstream-call observer: how the gateway watches calls without adapters importing it.

Each ``UpstreamClient`` keeps its own list (``client.observers``): the app that
built the client registers its metrics there, and tests register a counter, so
two apps in one process never count each other's calls. Observers must be
cheap and must not raise.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.model import Source

RequestObserver = Callable[[Source, str, str, float], None]
"""``(source, operation, outcome, seconds)``; outcome is ``ok`` or an ``ErrorKind`` value."""
