"""Leia API (leia.io) jobs: model applications, document transforms and conditional jobs.

Configuration, ``[sources.leia]`` (model: ``settings.Settings``):

- ``base_url`` (required), e.g. ``https://api.leia.io/leia/1.0.0``
- ``api_key`` or ``api_key_env`` (required): the application's API key
- ``application_id`` (optional): the application the key must belong to; else
  learned at the first login
- ``callback_url`` (optional): used as ``callback_url`` of submitted jobs that
  do not name one (point it at the gateway's webhook route)
- ``timeout_s`` (optional, default 10)
"""

from __future__ import annotations

import httpx

from adapters.leia.adapter import LeiaAdapter
from adapters.leia.settings import Settings
from adapters.leia.submission import SUBMISSION

__all__ = ["SUBMISSION", "LeiaAdapter", "Settings", "build_adapter"]


def build_adapter(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> LeiaAdapter:
    """The adapter (and its HTTP client) for a validated ``[sources.leia]`` table."""
    return LeiaAdapter(
        base_url=settings.base_url,
        api_key=settings.api_key.get_secret_value(),
        application_id=settings.application_id,
        timeout_s=settings.timeout_s,
        callback_url=settings.callback_url,
        transport=transport,
    )
