"""Configuration: TOML tables, environment overrides, and every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import ConfigError
from gateway.config import config_from_mapping, load_config
from gateway.wiring import build_upstreams


def test_env_overrides_and_secrets_from_env(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(
        '[gateway]\nmax_page_size = 50\n\n[sources.scale]\nbase_url = "https://scale.example/api"\ntoken_env = "SCALE_TOKEN"\n'
    )
    env = {"SCALE_TOKEN": "t0ken", "JOB_GATEWAY_SCALE_TIMEOUT_S": "3", "JOB_GATEWAY_DEFAULT_PAGE_SIZE": "10"}
    config = load_config(path, env)
    assert config.max_page_size == 50 and config.default_page_size == 10
    assert config.sources["scale"]["timeout_s"] == 3
    upstreams = build_upstreams(config)
    assert [a.source.value for a in upstreams] == ["SCALE"]


def test_every_problem_is_reported_at_once() -> None:
    data = {
        "gateway": {"max_page_size": 0, "nope": 1},
        "sources": {"scale": {"base_url": "ftp://x", "token_env": "MISSING"}, "martian": {}},
    }
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data, {})
    message = str(info.value)
    for part in ("[gateway] nope", "max_page_size", "[sources.martian]", "[sources.scale] base_url", "MISSING"):
        assert part in message


def test_a_secret_never_appears_in_a_problem() -> None:
    config = config_from_mapping({"sources": {"wordlift": {"api_key": "s3cret-key", "graphs": []}}}, {})
    with pytest.raises(ConfigError) as info:
        build_upstreams(config)
    assert "graphs" in str(info.value) and "s3cret-key" not in str(info.value)


def test_bad_toml_and_missing_file_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[gateway\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, {})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "none.toml", {})
