"""Gateway configuration: a TOML file plus environment overrides, checked at start.

```toml
[gateway]                      # all optional
max_page_size = 100
introspection = true
cors_origins = ["https://app.example.com"]
cursor_secret_env = "JOB_GATEWAY_CURSOR_SECRET"   # stable cursors across restarts/replicas
public_base_url = "https://gateway.example.com"   # enables Leia callbacks to /webhooks/leia
client_tokens_env = "JOB_GATEWAY_CLIENT_TOKENS"   # require "Authorization: Bearer <token>" from clients

[sources.scale]                # one table per configured source; absent = not used
base_url = "https://scale.example.com/api"
token_env = "SCALE_TOKEN"
```

Environment: ``JOB_GATEWAY_<SOURCE>_<KEY>`` overrides a source key (for example
``JOB_GATEWAY_SCALE_BASE_URL``), ``JOB_GATEWAY_<KEY>`` a ``[gateway]`` key.
Every problem is collected and reported at once, naming the table and key.
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.registry import BY_NAME
from adapters.settings import ConfigError

ENV_PREFIX = "JOB_GATEWAY_"

_GATEWAY_KEYS: dict[str, type | tuple[type, ...]] = {
    "max_page_size": int,
    "default_page_size": int,
    "introspection": bool,
    "cors_origins": list,
    "cursor_secret": str,
    "cursor_secret_env": str,
    "public_base_url": str,
    "max_depth": int,
    "max_aliases": int,
    "max_tokens": int,
    "ws_init_timeout_s": (int, float),
    "client_tokens_env": str,
    "poll_tick_s": (int, float),
    "poll_min_interval_s": (int, float),
    "poll_max_interval_s": (int, float),
}


@dataclass
class GatewayConfig:
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_page_size: int = 100
    default_page_size: int = 20
    introspection: bool = True
    cors_origins: list[str] = field(default_factory=list)
    cursor_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    public_base_url: str | None = None
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    ws_init_timeout_s: float = 5.0
    client_tokens: tuple[str, ...] = ()
    poll_tick_s: float = 0.25
    poll_min_interval_s: float = 1.0
    poll_max_interval_s: float = 8.0
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def ws_allowed_origins(self) -> tuple[str, ...]:
        """Browsers on these origins may open subscriptions; same-origin pages (GraphiQL) always may."""
        return tuple(self.cors_origins)


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None) -> GatewayConfig:
    env = dict(os.environ if environ is None else environ)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    return config_from_mapping(data, env)


def _coerce_env(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def config_from_mapping(data: Mapping[str, Any], environ: Mapping[str, str]) -> GatewayConfig:
    problems: list[str] = []
    unknown_top = set(data) - {"gateway", "sources"}
    if unknown_top:
        problems.append(f"unknown top-level tables: {sorted(unknown_top)}")
    gateway = dict(data.get("gateway") or {})
    sources_raw = data.get("sources") or {}
    if not isinstance(sources_raw, dict):
        raise ConfigError("[sources] must be a table of [sources.<name>] tables")
    sources = {name: dict(table) for name, table in sources_raw.items() if isinstance(table, dict)}
    for name in sources_raw:
        if name not in BY_NAME:
            problems.append(f"[sources.{name}]: unknown source (known: {', '.join(BY_NAME)})")
        elif not isinstance(sources_raw[name], dict):
            problems.append(f"[sources.{name}] must be a table")

    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        rest = key[len(ENV_PREFIX) :].lower()
        source, _, skey = rest.partition("_")
        if source in BY_NAME and skey:
            sources.setdefault(source, {})[skey] = _coerce_env(value)
        elif rest in _GATEWAY_KEYS:
            gateway[rest] = _coerce_env(value)

    config = GatewayConfig(sources=sources, environ=environ)
    for key, value in gateway.items():
        expected = _GATEWAY_KEYS.get(key)
        if expected is None:
            problems.append(f"[gateway] {key}: unknown setting")
            continue
        if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            problems.append(f"[gateway] {key}: wrong type")
            continue
        if key == "cursor_secret_env":
            secret = environ.get(value)
            if not secret:
                problems.append(f"[gateway] cursor_secret_env: environment variable {value} is not set")
            else:
                config.cursor_secret = secret.encode()
        elif key == "client_tokens_env":
            tokens = environ.get(value, "")
            if not tokens.strip():
                problems.append(f"[gateway] client_tokens_env: environment variable {value} is not set")
            config.client_tokens = tuple(t.strip() for t in tokens.split(",") if t.strip())
        elif key == "cursor_secret":
            config.cursor_secret = value.encode()
        else:
            setattr(config, key, value)
    if not 1 <= config.max_page_size <= 1000:
        problems.append("[gateway] max_page_size: must be between 1 and 1000")
    if not 0 < config.poll_tick_s <= config.poll_min_interval_s <= config.poll_max_interval_s:
        problems.append("[gateway] poll_*: need 0 < poll_tick_s <= poll_min_interval_s <= poll_max_interval_s")
    if not 1 <= config.default_page_size <= config.max_page_size:
        problems.append("[gateway] default_page_size: must be between 1 and max_page_size")
    if problems:
        # Report the sources' own problems in the same message, so one start shows them all.
        problems.extend(_source_problems(config))
        raise ConfigError("; ".join(problems))
    return config


def _source_problems(config: GatewayConfig) -> list[str]:
    from adapters.settings import SourceSettings

    found: list[str] = []
    for name, table in config.sources.items():
        entry = BY_NAME.get(name)
        if entry is None:
            continue
        try:
            entry.build_adapter()(SourceSettings(name, table, config.environ))
        except ConfigError as exc:
            found.append(str(exc))
    return found
