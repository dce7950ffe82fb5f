"""phyloDB (PHYLOViZ): per-project inference and visualization jobs.

Configuration, ``[sources.phylodb]`` (model: ``settings.Settings``):

- ``base_url``: the phyloDB service, e.g. ``http://localhost:8080``;
- ``token`` or ``token_env``: an access token of the ``provider``;
- ``provider``: ``google`` (default) or ``phyloviz``;
- ``projects``: the project UUIDs to show (the scopes);
- ``page_size`` (default 500): phyloDB's ``application.limits.pagination.json``;
- ``timeout_s`` (default 10).
"""

from __future__ import annotations

import httpx

from adapters.phylodb.adapter import PhyloDBAdapter
from adapters.phylodb.settings import Settings
from adapters.phylodb.submission import SUBMISSION

__all__ = ["SUBMISSION", "PhyloDBAdapter", "Settings", "build_adapter"]


def build_adapter(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> PhyloDBAdapter:
    """The adapter (and its HTTP client) for a validated ``[sources.phylodb]`` table."""
    return PhyloDBAdapter(
        settings.base_url,
        token=settings.token.get_secret_value(),
        provider=settings.provider,
        projects=settings.projects,
        page_size=settings.page_size,
        timeout_s=settings.timeout_s,
        transport=transport,
    )
