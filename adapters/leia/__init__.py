"""Leia API (leia.io) jobs: model applications, document transforms and conditional jobs.

Configuration, ``[sources.leia]``:

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
from adapters.settings import SourceSettings

__all__ = ["LeiaAdapter", "build_adapter"]


def build_adapter(settings: SourceSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> LeiaAdapter:
    base_url = settings.base_url()
    api_key = settings.secret("api_key")
    application_id = _optional_string(settings, "application_id")
    callback_url = _optional_string(settings, "callback_url")
    if callback_url is not None and not callback_url.startswith(("http://", "https://")):
        settings.problems.append(f"[sources.{settings.name}] callback_url: an http(s) URL is required")
    timeout_s = settings.timeout()
    settings.raise_problems()
    return LeiaAdapter(
        base_url=base_url,
        api_key=api_key,
        application_id=application_id,
        timeout_s=timeout_s,
        callback_url=callback_url,
        transport=transport,
    )


def _optional_string(settings: SourceSettings, key: str) -> str | None:
    if settings.table.get(key) is None:
        return None
    return settings.string(key) or None
