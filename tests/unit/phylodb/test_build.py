from __future__ import annotations

import pytest

from adapters.base import Adapter
from adapters.phylodb import Settings, build_adapter
from adapters.registry import source_settings
from adapters.settings import ConfigError

from .conftest import P1, P2, TOKEN


async def test_build_from_table_with_env_token() -> None:
    settings = source_settings(
        "phylodb",
        {"base_url": "http://phylodb.test/", "token_env": "PHYLO", "projects": [P1, P2], "page_size": 50},
        environ={"PHYLO": TOKEN},
    )
    adapter = build_adapter(settings)
    assert isinstance(adapter, Adapter)
    assert adapter.scopes == (P1, P2) and adapter.page_size == 50
    await adapter.aclose()


def test_every_problem_is_reported_at_once() -> None:
    table = {"base_url": "ftp://x", "provider": "github", "projects": ["p1"], "page_size": 2.5}
    with pytest.raises(ConfigError) as info:
        source_settings("phylodb", table, environ={})
    text = str(info.value)
    for key in ("base_url", "token", "provider", "projects", "page_size"):
        assert key in text


def test_token_never_in_problems() -> None:
    with pytest.raises(ConfigError) as info:
        source_settings("phylodb", {"token": TOKEN, "provider": "nope", "projects": [P1]}, environ={})
    assert TOKEN not in str(info.value)


def test_registry_entry_resolves() -> None:
    from adapters.registry import REGISTRY

    entry = REGISTRY.by_name("phylodb")
    assert entry.build_adapter() is build_adapter
    assert entry.settings_model() is Settings
