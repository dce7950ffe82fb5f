"""Scale (ngageoint/scale) v6: job types, jobs and ingests — adapter and translation (simulator: ``simulators.scale``).

Configuration table ``[sources.scale]``::

    base_url = "https://scale.example.com/api"   # requests go to {base_url}/v6/...
    token = "..."              # or token_env = "SCALE_TOKEN"; sent as "Authorization: Token <token>"
    timeout_s = 10             # optional
"""

from __future__ import annotations

import httpx

from adapters.scale.adapter import ScaleAdapter
from adapters.settings import SourceSettings

__all__ = ["ScaleAdapter", "build_adapter"]


def build_adapter(settings: SourceSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> ScaleAdapter:
    """Build the adapter from its config table; every config problem is reported at once."""
    base_url = settings.base_url()
    token = settings.secret("token")
    timeout_s = settings.timeout()
    settings.raise_problems()
    return ScaleAdapter(base_url=base_url, token=token, timeout_s=timeout_s, transport=transport)
