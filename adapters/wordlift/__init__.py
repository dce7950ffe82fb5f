"""WordLift Graph KPI jobs: adapter and translation (simulator: ``simulators.wordlift``).

Configuration table ``[sources.wordlift]``::

    base_url = "https://api.wordlift.io"
    api_key = "..."            # or api_key_env = "WORDLIFT_API_KEY"; sent as "Key <key>"
    graphs = ["1506805"]       # the graph ids (WordLift account ids) this gateway sees
    timeout_s = 10             # optional
"""

from __future__ import annotations

import httpx

from adapters.settings import SourceSettings
from adapters.wordlift.adapter import WordLiftAdapter

__all__ = ["WordLiftAdapter", "build_adapter"]


def build_adapter(settings: SourceSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> WordLiftAdapter:
    """Build the adapter from its config table; every config problem is reported at once."""
    base_url = settings.base_url()
    api_key = settings.secret("api_key")
    graphs = settings.string_list("graphs")
    timeout_s = settings.timeout()
    settings.raise_problems()
    return WordLiftAdapter(base_url=base_url, api_key=api_key, graphs=graphs, timeout_s=timeout_s, transport=transport)
