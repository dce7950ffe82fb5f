"""The ``[sources.leia]`` table (keys documented in the package docstring)."""

from __future__ import annotations

from pydantic import SecretStr, StrictStr, field_validator

from adapters.settings import NonEmpty, SourceSettings


class Settings(SourceSettings):
    """One Leia application: its API key, optionally its id and a default callback URL."""

    api_key: SecretStr
    api_key_env: str | None = None
    application_id: NonEmpty | None = None
    callback_url: StrictStr | None = None

    @field_validator("callback_url")
    @classmethod
    def _callback_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("an http(s) URL is required")
        return value
