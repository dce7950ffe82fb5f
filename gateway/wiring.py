"""Builds the configured adapters from a ``GatewayConfig``: only configured sources are active.

This is where HTTP clients are opened, once per configured source, when the app is built;
loading and validating the configuration never gets here.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from adapters.base import Adapter
from adapters.model import Source
from adapters.registry import REGISTRY
from gateway.config import GatewayConfig
from gateway.upstreams import Upstreams


def build_upstreams(
    config: GatewayConfig, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
) -> Upstreams:
    adapters: dict[Source, Adapter] = {}
    scopes: dict[Source, str] = {}
    for name, settings in config.sources.items():
        entry = REGISTRY.by_name(name)
        adapters[entry.source] = entry.build(settings, transport=(transports or {}).get(name))
        # The cache scope identifies the credentials without containing them.
        scopes[entry.source] = f"{entry.source.value}:{settings.fingerprint()}"
    return Upstreams(adapters, scopes)
