"""Amperity ingest jobs (API version 2024-04-01): adapter and translation (simulator: ``simulators.amperity``).

Configuration, ``[sources.amperity]``: see ``adapter.py``; the model is ``settings.Settings``.
"""

from __future__ import annotations

import httpx

from adapters.amperity.adapter import AmperityAdapter
from adapters.amperity.settings import Settings
from adapters.amperity.submission import SUBMISSION

__all__ = ["SUBMISSION", "AmperityAdapter", "Settings", "build_adapter"]


def build_adapter(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> AmperityAdapter:
    """The adapter (and its HTTP client) for a validated ``[sources.amperity]`` table."""
    return AmperityAdapter(
        settings.base_url,
        token=settings.token.get_secret_value(),
        tenant=settings.tenant,
        api_version=settings.api_version,
        timeout_s=settings.timeout_s,
        rate_limit_per_s=settings.rate_limit_per_s,
        history_days=settings.history_days,
        transport=transport,
    )
