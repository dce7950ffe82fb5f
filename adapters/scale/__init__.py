"""Scale (ngageoint/scale) v6: job types, jobs and ingests — adapter and translation (simulator: ``simulators.scale``).

Configuration table ``[sources.scale]`` (model: ``settings.Settings``)::

    base_url = "https://scale.example.com/api"   # requests go to {base_url}/v6/...
    token = "..."              # or token_env = "SCALE_TOKEN"; sent as "Authorization: Token <token>"
    timeout_s = 10             # optional
"""

from __future__ import annotations

import httpx

from adapters.scale.adapter import ScaleAdapter
from adapters.scale.settings import Settings
from adapters.scale.submission import SUBMISSION

__all__ = ["SUBMISSION", "ScaleAdapter", "Settings", "build_adapter"]


def build_adapter(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> ScaleAdapter:
    """The adapter (and its HTTP client) for a validated ``[sources.scale]`` table."""
    return ScaleAdapter(
        base_url=settings.base_url,
        token=settings.token.get_secret_value(),
        timeout_s=settings.timeout_s,
        transport=transport,
    )
