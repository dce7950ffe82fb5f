"""WordLift Graph KPI jobs: adapter and translation (simulator: ``simulators.wordlift``).

Configuration table ``[sources.wordlift]`` (model: ``settings.Settings``)::

    base_url = "https://api.wordlift.io"
    api_key = "..."            # or api_key_env = "WORDLIFT_API_KEY"; sent as "Key <key>"
    graphs = ["1506805"]       # the graph ids (WordLift account ids) this gateway sees
    timeout_s = 10             # optional
"""

from __future__ import annotations

import httpx

from adapters.wordlift.adapter import WordLiftAdapter
from adapters.wordlift.settings import Settings
from adapters.wordlift.submission import SUBMISSION

__all__ = ["SUBMISSION", "Settings", "WordLiftAdapter", "build_adapter"]


def build_adapter(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> WordLiftAdapter:
    """The adapter (and its HTTP client) for a validated ``[sources.wordlift]`` table."""
    return WordLiftAdapter(
        base_url=settings.base_url,
        api_key=settings.api_key.get_secret_value(),
        graphs=settings.graphs,
        timeout_s=settings.timeout_s,
        transport=transport,
    )
