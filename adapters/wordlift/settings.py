"""The ``[sources.wordlift]`` table (keys documented in the package docstring)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, SecretStr, StrictStr

from adapters.settings import SourceSettings


def _ids_as_text(value: object) -> object:
    # Graph ids are account numbers: accept them written as TOML integers too.
    if isinstance(value, list):
        return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    return value


class Settings(SourceSettings):
    """WordLift Graph KPI: an API key and the graphs (account ids) this gateway sees."""

    api_key: SecretStr
    api_key_env: str | None = None
    graphs: Annotated[tuple[StrictStr, ...], BeforeValidator(_ids_as_text), Field(min_length=1)]
