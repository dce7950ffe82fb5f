"""The ``[sources.phylodb]`` table (keys documented in the package docstring)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, StrictInt, StrictStr, field_validator

from adapters.phylodb.adapter import DEFAULT_PAGE_SIZE
from adapters.phylodb.auth import PROVIDERS
from adapters.phylodb.params import is_uuid
from adapters.settings import SourceSettings


class Settings(SourceSettings):
    """A phyloDB service: a provider's access token and the projects (scopes) to show."""

    token: SecretStr
    token_env: str | None = None
    provider: StrictStr = "google"
    projects: Annotated[tuple[StrictStr, ...], Field(min_length=1)]
    page_size: Annotated[StrictInt, Field(gt=0)] = DEFAULT_PAGE_SIZE

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        if value not in PROVIDERS:
            raise ValueError(f"one of {', '.join(PROVIDERS)} is required")
        return value

    @field_validator("projects")
    @classmethod
    def _uuids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [p for p in value if not is_uuid(p)]
        if bad:
            raise ValueError(f"phyloDB project ids are UUIDs, got {', '.join(bad)}")
        return value
