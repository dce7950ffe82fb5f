"""The ``[sources.amperity]`` table (keys documented in ``adapter.py``'s docstring)."""

from __future__ import annotations

from pydantic import SecretStr

from adapters.amperity.adapter import DEFAULT_API_VERSION, DEFAULT_RATE_LIMIT_PER_S
from adapters.settings import NonEmpty, Positive, SourceSettings


class Settings(SourceSettings):
    """One Amperity tenant: a Bearer token, the tenant, the API version and our request rate."""

    token: SecretStr
    token_env: str | None = None
    tenant: NonEmpty
    api_version: NonEmpty = DEFAULT_API_VERSION
    rate_limit_per_s: Positive = DEFAULT_RATE_LIMIT_PER_S
