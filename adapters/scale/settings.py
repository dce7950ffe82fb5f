"""The ``[sources.scale]`` table (keys documented in the package docstring)."""

from __future__ import annotations

from pydantic import SecretStr

from adapters.settings import SourceSettings


class Settings(SourceSettings):
    """A Scale cluster: its ``/api`` base URL and an API token."""

    token: SecretStr
    token_env: str | None = None
