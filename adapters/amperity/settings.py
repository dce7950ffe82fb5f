"""The ``[sources.amperity]`` table (keys documented in ``adapter.py``'s docstring)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr

from adapters.amperity.adapter import DEFAULT_API_VERSION, DEFAULT_RATE_LIMIT_PER_S
from adapters.settings import NonEmpty, Positive, SourceSettings


class Settings(SourceSettings):
    """One Amperity tenant: a Bearer token, the tenant, the API version and our request rate."""

    token: SecretStr
    token_env: str | None = None
    tenant: NonEmpty
    api_version: NonEmpty = DEFAULT_API_VERSION
    rate_limit_per_s: Positive = DEFAULT_RATE_LIMIT_PER_S
    history_days: Annotated[int, Field(ge=7, le=366, strict=True)] = 7
    """How far back lists reach: one ``GET /ingest/jobs`` call per 7 days past the first week."""
