"""Configuration tables as pydantic models, and the one way a raw table becomes one.

Every table (``[gateway]``, each ``[sources.<name>]``) is a ``Table``: unknown
keys are refused, values are checked, secrets are ``SecretStr`` so that no
``repr`` shows them. A secret ``x`` is given inline as ``x`` or as ``x_env``,
the name of an environment variable holding it: a model declares both fields,
and ``load_table`` fills ``x`` from the environment before validating, so the
models themselves never read the environment. Validating opens nothing (no
HTTP client); adapters are built from a validated model later.

``SourceSettings`` holds the keys every source shares; each adapter package
declares its own subclass in ``<package>/settings.py`` as ``Settings``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from adapters.resilience import Traffic

Positive = Annotated[float, Field(gt=0, strict=True)]
"""A positive number (an int is fine; a bool or a string is not)."""

NonEmpty = Annotated[StrictStr, Field(min_length=1)]

T = TypeVar("T", bound="Table")

_ENV_SUFFIX = "_env"


class ConfigError(Exception):
    """A missing or invalid setting; the message names the table and key, never a secret's value."""


class Table(BaseModel):
    """One configuration table: closed (unknown keys are errors), immutable, secrets hidden."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @classmethod
    def secret_keys(cls) -> tuple[str, ...]:
        """Keys that may be given as ``<key>_env`` naming an environment variable instead."""
        return tuple(key for key in cls.model_fields if f"{key}{_ENV_SUFFIX}" in cls.model_fields)


class TrafficTable(Table):
    """``[sources.<name>.traffic]``: how the gateway treats one source's traffic; a key left out keeps
    the source's built-in value (``adapters.resilience.Traffic``, and the adapter's own, such as
    Amperity's rate limit). Mutations are never retried, whatever ``retries`` says."""

    timeout_s: Positive | None = None
    retries: Annotated[int, Field(ge=0, le=10, strict=True)] | None = None
    retry_budget_ratio: Annotated[float, Field(ge=0, le=1, strict=True)] | None = None
    breaker_failures: Annotated[int, Field(ge=1, strict=True)] | None = None
    breaker_reset_s: Positive | None = None
    rate_limit_per_s: Positive | None = None
    max_concurrency: Annotated[int, Field(ge=1, le=1000, strict=True)] | None = None

    def over(self, base: Traffic) -> Traffic:
        """``base`` with the keys this table sets."""
        return dataclasses.replace(base, **self.model_dump(exclude_none=True))


class SourceSettings(Table):
    """Keys every ``[sources.<name>]`` table has."""

    base_url: StrictStr
    timeout_s: Positive = 10.0
    ui_base_url: StrictStr | None = None
    """Where people open the upstream's own web UI: ``Job.webUrl`` is built from it (the source's
    job page path is appended; a value holding ``{native_id}`` is used as the whole link instead)."""
    traffic: TrafficTable = TrafficTable()
    list_freshness_s: Annotated[float, Field(ge=0, le=60, strict=True)] = 1.0
    """Identical list reads within this many seconds share one upstream answer (0: every read goes
    upstream). Our own mutations and every status event the gateway learns end the window at once."""

    @model_validator(mode="after")
    def _one_place_each(self) -> Self:
        # A key a source table has of its own (timeout_s; Amperity's rate_limit_per_s) and its
        # [traffic] table both set: which one wins would be a guess, so neither does.
        both = sorted(k for k in self.traffic.model_fields_set & self.model_fields_set if k in type(self).model_fields)
        if both:
            raise ValueError(f"{', '.join(both)} given both here and in its [traffic] table: keep one")
        return self

    def traffic_rules(self, base: Traffic) -> Traffic:
        """The rules the source's client follows: ``base`` (the client's own), then this table's keys."""
        own = {k: getattr(self, k) for k in TrafficTable.model_fields if k in type(self).model_fields}
        return self.traffic.over(dataclasses.replace(base, **own))

    @field_validator("base_url", "ui_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http(s) URL is required")
        return value.rstrip("/")

    def fingerprint(self) -> str:
        """A short digest of every value, secrets included, that contains none of them (a cache scope)."""
        values = self.model_dump()
        text = json.dumps(values, sort_keys=True, default=_reveal)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def _reveal(value: object) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def load_table(model: type[T], table: Mapping[str, Any], where: str, environ: Mapping[str, str]) -> T:
    """Validate one raw table (``where`` is its name, e.g. ``[sources.scale]``); ConfigError lists every problem."""
    problems: list[str] = []
    unset: set[str] = set()
    values = dict(table)
    for key in model.secret_keys():
        if values.get(key) == "":
            del values[key]  # an empty inline secret counts as not given
        variable = values.get(f"{key}{_ENV_SUFFIX}")
        if key in values or not isinstance(variable, str) or not variable:
            continue
        found = environ.get(variable, "")
        if found.strip():
            values[key] = found
        else:
            unset.add(key)
            problems.append(f"{where} {key}{_ENV_SUFFIX}: environment variable {variable} is not set")
    try:
        settings = model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            # The secret is missing because its variable is: already reported under ``<key>_env``.
            if error["type"] == "missing" and error["loc"] and error["loc"][0] in unset:
                continue
            problems.append(_describe(model, where, error["loc"], error["type"], error["msg"], error.get("ctx")))
    else:
        if not problems:
            return settings
    raise ConfigError("; ".join(problems))


def _describe(
    model: type[Table], where: str, loc: tuple[int | str, ...], kind: str, message: str, ctx: dict[str, Any] | None
) -> str:
    """``[table] key: what is wrong``, from pydantic's error but never with the input value."""
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    head = f"{where} {key}" if key else where
    if kind == "extra_forbidden":
        return f"{head}: unknown key"
    if kind == "missing":
        if key in model.secret_keys():
            return f"{head}: required (or {key}{_ENV_SUFFIX} naming a variable)"
        return f"{head}: required"
    if kind == "value_error" and ctx and "error" in ctx:
        return f"{head}: {ctx['error']}"
    return f"{head}: {message[:1].lower()}{message[1:]}"
