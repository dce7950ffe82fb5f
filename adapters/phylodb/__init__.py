"""phyloDB (PHYLOViZ): per-project inference and visualization jobs.

Configuration, ``[sources.phylodb]``:

- ``base_url``: the phyloDB service, e.g. ``http://localhost:8080``;
- ``token`` or ``token_env``: an access token of the ``provider``;
- ``provider``: ``google`` (default) or ``phyloviz``;
- ``projects``: the project UUIDs to show (the scopes);
- ``page_size`` (default 500): phyloDB's ``application.limits.pagination.json``;
- ``timeout_s`` (default 10).
"""

from __future__ import annotations

import httpx

from adapters.phylodb.adapter import DEFAULT_PAGE_SIZE, PhyloDBAdapter
from adapters.phylodb.auth import PROVIDERS
from adapters.phylodb.params import is_uuid
from adapters.settings import SourceSettings

__all__ = ["PhyloDBAdapter", "build_adapter"]


def build_adapter(settings: SourceSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> PhyloDBAdapter:
    """The adapter for a ``[sources.phylodb]`` table; every problem in it is reported at once."""
    where = f"[sources.{settings.name}]"
    base_url = settings.base_url()
    token = settings.secret("token")
    provider = settings.table.get("provider", "google")
    if provider not in PROVIDERS:
        settings.problems.append(f"{where} provider: one of {', '.join(PROVIDERS)} is required")
    projects = settings.string_list("projects")
    bad = [p for p in projects if not is_uuid(p)]
    if bad:
        settings.problems.append(f"{where} projects: phyloDB project ids are UUIDs, got {', '.join(bad)}")
    page_size = settings.number("page_size", DEFAULT_PAGE_SIZE)
    if page_size != int(page_size):
        settings.problems.append(f"{where} page_size: an integer is required")
    timeout_s = settings.timeout()
    settings.raise_problems()
    return PhyloDBAdapter(
        base_url,
        token=token,
        provider=str(provider),
        projects=projects,
        page_size=int(page_size),
        timeout_s=timeout_s,
        transport=transport,
    )
