"""Gateway configuration: a TOML file plus environment overrides, validated at start.

```toml
[gateway]                      # all optional
max_page_size = 100
introspection = true
cors_origins = ["https://app.example.com"]
cursor_secret_env = "JOB_GATEWAY_CURSOR_SECRET"   # stable cursors across restarts/replicas
public_base_url = "https://gateway.example.com"   # enables Leia callbacks to /webhooks/leia
callback_allow = ["10.0.0.0/8", "hooks.internal.example"]   # internal targets clients' callback URLs may name
client_tokens_env = "JOB_GATEWAY_CLIENT_TOKENS"   # require "Authorization: Bearer <token>" from clients
max_query_cost = 200           # estimated upstream calls per operation; more is QUERY_TOO_COSTLY
max_body_bytes = 1048576       # larger request bodies get 413 before anything parses them
max_query_string_bytes = 65536 # longer query strings (GET /graphql?query=...) get 414
shutdown_timeout_s = 10        # SIGTERM/SIGINT to exit: in-flight work gets this long
readiness_cache_s = 3          # /readyz reuses its upstream checks this long

[sources.scale]                # one table per configured source; absent = not used
base_url = "https://scale.example.com/api"
token_env = "SCALE_TOKEN"
```

Every table is a pydantic model that refuses unknown keys: ``GatewaySettings``
here, and each source's ``Settings`` in its adapter package (found through
``adapters.registry``). Secrets are ``SecretStr``, given inline (``cursor_secret``,
``client_tokens``: a list, or comma-separated) or as ``<key>_env`` naming an
environment variable; the environment is read while loading and not kept, so
``repr(config)`` shows no secret and no environment.

Environment: ``JOB_GATEWAY_<SOURCE>_<KEY>`` overrides a source key (for example
``JOB_GATEWAY_SCALE_BASE_URL``), ``JOB_GATEWAY_<KEY>`` a ``[gateway]`` key; a
value is read as JSON when it parses (``3``, ``true``, ``["a"]``) unless the key
takes text. Every problem is collected and reported at once (``ConfigError``),
naming the table and key. Loading is pure: no adapter is built and no HTTP
client opened until ``gateway.wiring`` builds the app's upstreams.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from adapters.registry import REGISTRY, source_settings
from adapters.settings import ConfigError, SourceSettings, Table, load_table
from gateway.client_urls import parse_allow
from gateway.state import open_store

ENV_PREFIX = "JOB_GATEWAY_"


def _comma_separated(value: object) -> object:
    # An environment variable holds the tokens as "a,b"; the file may list them.
    if isinstance(value, str):
        return [token.strip() for token in value.split(",") if token.strip()]
    return value


class GatewaySettings(Table):
    """The ``[gateway]`` table; every key is optional."""

    max_page_size: Annotated[StrictInt, Field(ge=1, le=1000)] = 100
    default_page_size: StrictInt = 20
    introspection: StrictBool = True
    cors_origins: tuple[StrictStr, ...] = ()
    cursor_secret: SecretStr | None = None
    """Without one, the gateway generates a secret once and keeps it in the state store."""
    cursor_secret_env: StrictStr | None = None
    public_base_url: StrictStr | None = None
    max_depth: StrictInt = 12
    max_aliases: StrictInt = 30
    max_tokens: StrictInt = 2000
    max_query_cost: Annotated[StrictInt, Field(ge=1)] = 200
    """Estimated upstream calls one operation may make (``gateway.schema.cost``): a full page with
    one nested connection each fits (101), a second nesting level (10,000s) does not."""
    ws_init_timeout_s: Annotated[float, Field(strict=True)] = 5.0
    client_tokens: Annotated[tuple[SecretStr, ...], BeforeValidator(_comma_separated)] = ()
    client_tokens_env: StrictStr | None = None
    callback_allow: Annotated[tuple[StrictStr, ...], BeforeValidator(_comma_separated)] = ()
    """IP networks and host names a client-supplied callback URL may point at although not public."""
    max_body_bytes: Annotated[StrictInt, Field(ge=1024)] = 1 << 20
    """Request bodies above this get 413 before parsing (every route: /graphql, /webhooks/...)."""
    max_query_string_bytes: Annotated[StrictInt, Field(ge=1024)] = 1 << 16
    """Query strings above this get 414 (``GET /graphql?query=...``)."""
    poll_tick_s: Annotated[float, Field(gt=0, strict=True)] = 0.25
    poll_min_interval_s: Annotated[float, Field(strict=True)] = 1.0
    poll_max_interval_s: Annotated[float, Field(strict=True)] = 8.0
    state_url: StrictStr | None = None
    """Where the gateway keeps what must outlive a request (``gateway.state``). ``job-gateway serve``
    defaults to ``sqlite:///.job-gateway/state.db``; an app built in-process without one keeps it in memory."""
    idempotency_ttl_s: Annotated[float, Field(gt=0, strict=True)] = 24 * 3600.0
    """How long an idempotency key and its result are kept."""
    callback_token_ttl_s: Annotated[float, Field(gt=0, strict=True)] = 7 * 24 * 3600.0
    """How long the token of a callback URL handed to an upstream stays valid."""
    events_retained: Annotated[StrictInt, Field(ge=1)] = 10_000
    """How many of the newest events the store's event log keeps for ``since`` (and each replica's replay window)."""
    events_max_age_s: Annotated[float, Field(gt=0, strict=True)] = 24 * 3600.0
    """Events older than this leave the event log, whatever their number."""
    history_per_job: Annotated[StrictInt, Field(ge=1)] = 100
    """Transitions kept per job for ``Job.statusHistory`` (each job's list expires 24 h after its last change)."""
    poll_lease_s: Annotated[float, Field(ge=1, strict=True)] = 3.0
    """A replica's lease on polling a job lapses this long after its last renewal (renewed every third of it):
    how soon another replica takes over the polling of a replica that died."""
    request_deadline_s: Annotated[float, Field(gt=0, strict=True)] | None = None
    """Each query and mutation ends its upstream calls within this; default: the slowest source's timeout_s + 0.5."""
    shutdown_timeout_s: Annotated[float, Field(gt=0, strict=True)] = 10.0
    """From SIGTERM/SIGINT to exit: in-flight queries and mutations get this long to finish (``gateway.shutdown``)."""
    readiness_cache_s: Annotated[float, Field(ge=0, strict=True)] = 3.0
    """``/readyz`` reuses its upstream checks for this long, so probes do not multiply upstream traffic."""

    @field_validator("default_page_size")
    @classmethod
    def _within_max(cls, value: int, info: ValidationInfo) -> int:
        if not 1 <= value <= info.data.get("max_page_size", value):
            raise ValueError("must be between 1 and max_page_size")
        return value

    @field_validator("poll_min_interval_s", "poll_max_interval_s")
    @classmethod
    def _poll_order(cls, value: float, info: ValidationInfo) -> float:
        floor = info.data.get("poll_min_interval_s" if info.field_name == "poll_max_interval_s" else "poll_tick_s")
        if floor is not None and value < floor:
            raise ValueError("need 0 < poll_tick_s <= poll_min_interval_s <= poll_max_interval_s")
        return value

    @field_validator("state_url")
    @classmethod
    def _state_url(cls, value: str | None) -> str | None:
        if value is not None:
            open_store(value)  # a ValueError names what is wrong with it
        return value

    @field_validator("callback_allow")
    @classmethod
    def _allow_entries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        parse_allow(value)  # raises ValueError naming the entry
        return value

    def ws_allowed_origins(self) -> tuple[str, ...]:
        """Browsers on these origins may open subscriptions; same-origin pages (GraphiQL) always may."""
        return self.cors_origins


class GatewayConfig(BaseSettings):
    """The whole configuration: the ``[gateway]`` table and the configured sources' tables, validated."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    sources: dict[str, SourceSettings] = Field(default_factory=dict)
    """Only configured sources, by registry name; each value is that source's own ``Settings``."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Built from explicit values only: ``load_config`` layers the file and our documented
        # environment names itself, so constructing a config never reads the process behind the caller.
        return (init_settings,)


class EnvironmentOverrides(PydanticBaseSettingsSource):
    """``JOB_GATEWAY_<SOURCE>_<KEY>`` and ``JOB_GATEWAY_<KEY>`` as ``{"sources": ..., "gateway": ...}`` tables."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: ``__call__`` maps whole tables, since our names do not follow the field nesting.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        gateway: dict[str, Any] = {}
        sources: dict[str, dict[str, Any]] = {}
        for variable, raw in self.environ.items():
            if not variable.startswith(ENV_PREFIX):
                continue
            rest = variable[len(ENV_PREFIX) :].lower()
            source, _, key = rest.partition("_")
            if source in REGISTRY and key:
                model = REGISTRY.by_name(source).settings_model()
                sources.setdefault(source, {})[key] = _env_value(raw, model.model_fields.get(key))
            elif rest in GatewaySettings.model_fields:
                gateway[rest] = _env_value(raw, GatewaySettings.model_fields[rest])
        return {"gateway": gateway, "sources": sources}


def _env_value(raw: str, field: FieldInfo | None) -> Any:
    """JSON when it parses (numbers, booleans, lists), except for keys that take text (a token of digits stays text)."""
    if field is not None and _takes_text(field.annotation):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _takes_text(annotation: Any) -> bool:
    """``str``/``SecretStr``, possibly ``Annotated`` or optional; not a list of them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_text(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return any(_takes_text(arg) for arg in get_args(annotation))
    return annotation in (str, SecretStr)


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None) -> GatewayConfig:
    """The configuration from a TOML file (if any) and ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        if not Path(path).is_file():
            raise ConfigError(f"config file not found: {path}")
        try:
            data = TomlConfigSettingsSource(GatewayConfig, toml_file=Path(path))()
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    return config_from_mapping(data, env)


def config_from_mapping(data: Mapping[str, Any], environ: Mapping[str, str]) -> GatewayConfig:
    """Validate already-parsed tables with ``environ``'s overrides and secrets; ConfigError lists every problem."""
    problems: list[str] = []
    unknown_top = set(data) - {"gateway", "sources"}
    if unknown_top:
        problems.append(f"unknown top-level tables: {sorted(unknown_top)}")
    gateway_raw = data.get("gateway") or {}
    sources_raw = data.get("sources") or {}
    if not isinstance(sources_raw, Mapping):
        raise ConfigError("[sources] must be a table of [sources.<name>] tables")
    if not isinstance(gateway_raw, Mapping):
        raise ConfigError("[gateway] must be a table")
    overrides = EnvironmentOverrides(GatewayConfig, environ)()

    gateway: GatewaySettings | None = None
    try:
        gateway = load_table(GatewaySettings, {**gateway_raw, **overrides["gateway"]}, "[gateway]", environ)
    except ConfigError as exc:
        problems.append(str(exc))

    sources: dict[str, SourceSettings] = {}
    # The file's order, then sources configured only through the environment.
    names = [*sources_raw, *(name for name in overrides["sources"] if name not in sources_raw)]
    for name in names:
        table = sources_raw.get(name, {})
        if name not in REGISTRY:
            problems.append(f"[sources.{name}]: unknown source (known: {', '.join(e.name for e in REGISTRY)})")
        elif not isinstance(table, Mapping):
            problems.append(f"[sources.{name}] must be a table")
        else:
            try:
                sources[name] = source_settings(name, {**table, **overrides["sources"].get(name, {})}, environ)
            except ConfigError as exc:
                problems.append(str(exc))
    if problems or gateway is None:
        raise ConfigError("; ".join(problems))
    return GatewayConfig(gateway=gateway, sources=sources)


def with_state_default(config: GatewayConfig, url: str) -> GatewayConfig:
    """``config`` with ``state_url`` set to ``url`` unless it names one already."""
    if config.gateway.state_url is not None:
        return config
    gateway = config.gateway.model_copy(update={"state_url": url})
    return config.model_copy(update={"gateway": gateway})
