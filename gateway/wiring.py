"""Builds the configured adapters from a ``GatewayConfig``: only configured sources are active."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import httpx

from adapters.base import Adapter
from adapters.model import Source
from adapters.registry import BY_NAME
from adapters.settings import ConfigError, SourceSettings
from gateway.config import GatewayConfig
from gateway.upstreams import Upstreams


def build_upstreams(
    config: GatewayConfig, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
) -> Upstreams:
    adapters: dict[Source, Adapter] = {}
    scopes: dict[Source, str] = {}
    problems: list[str] = []
    for name, table in config.sources.items():
        entry = BY_NAME[name]
        settings = SourceSettings(name, table, config.environ)
        transport = (transports or {}).get(name)
        try:
            adapters[entry.source] = entry.build_adapter()(settings, transport=transport)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        # The cache scope identifies the credentials without containing them.
        digest = hashlib.sha256(json.dumps(table, sort_keys=True, default=str).encode()).hexdigest()[:12]
        scopes[entry.source] = f"{entry.source.value}:{digest}"
    if problems:
        raise ConfigError("; ".join(problems))
    return Upstreams(adapters, scopes)
