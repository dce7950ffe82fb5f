"""Amperity ingest jobs (API version 2024-04-01): adapter and translation (simulator: ``simulators.amperity``)."""

from __future__ import annotations

import httpx

from adapters.amperity.adapter import DEFAULT_API_VERSION, DEFAULT_RATE_LIMIT_PER_S, AmperityAdapter
from adapters.settings import SourceSettings

__all__ = ["AmperityAdapter", "build_adapter"]


def build_adapter(settings: SourceSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> AmperityAdapter:
    """Reads ``base_url``, ``token``/``token_env``, ``tenant``, ``api_version``, ``timeout_s``, ``rate_limit_per_s``."""
    base_url = settings.base_url()
    token = settings.secret("token")
    tenant = settings.string("tenant")
    api_version = settings.string("api_version", DEFAULT_API_VERSION)
    timeout_s = settings.timeout()
    rate = settings.number("rate_limit_per_s", DEFAULT_RATE_LIMIT_PER_S)
    settings.raise_problems()
    return AmperityAdapter(
        base_url,
        token=token,
        tenant=tenant,
        api_version=api_version,
        timeout_s=timeout_s,
        rate_limit_per_s=rate,
        transport=transport,
    )
