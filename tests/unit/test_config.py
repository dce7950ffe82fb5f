"""Configuration: TOML tables, environment overrides, secrets kept out of sight, every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.settings import ConfigError
from gateway.config import config_from_mapping, load_config
from gateway.wiring import build_upstreams

SCALE = {"base_url": "https://scale.example/api", "token": "scale-inline-t0ken"}


def test_env_overrides_and_secrets_from_env(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(
        '[gateway]\nmax_page_size = 50\n\n[sources.scale]\nbase_url = "https://scale.example/api"\ntoken_env = "SCALE_TOKEN"\n'
    )
    env = {"SCALE_TOKEN": "t0ken", "JOB_GATEWAY_SCALE_TIMEOUT_S": "3", "JOB_GATEWAY_DEFAULT_PAGE_SIZE": "10"}
    config = load_config(path, env)
    assert config.gateway.max_page_size == 50 and config.gateway.default_page_size == 10
    scale = config.sources["scale"]
    assert scale.timeout_s == 3 and scale.token.get_secret_value() == "t0ken"
    upstreams = build_upstreams(config)
    assert [a.source.value for a in upstreams] == ["SCALE"]


def test_env_overrides_configure_a_source_and_keep_text_as_text() -> None:
    env = {
        "JOB_GATEWAY_SCALE_BASE_URL": "https://scale.example/api",
        "JOB_GATEWAY_SCALE_TOKEN": "12345",  # digits, yet a token: stays text
        "JOB_GATEWAY_INTROSPECTION": "false",
        "JOB_GATEWAY_CORS_ORIGINS": '["https://app.example"]',
    }
    config = config_from_mapping({}, env)
    assert config.gateway.introspection is False and config.gateway.cors_origins == ("https://app.example",)
    assert list(config.sources) == ["scale"]
    assert config.sources["scale"].token.get_secret_value() == "12345"


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


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"gateway": {"max_page_sise": 10}}, "[gateway] max_page_sise: unknown key"),
        ({"sources": {"scale": {**SCALE, "timout_s": 5}}}, "[sources.scale] timout_s: unknown key"),
        ({"sources": {"wordlift": {"graphs": ["1"], "api_key": "k", "base_url": "http://w", "grpahs": []}}}, "grpahs"),
    ],
)
def test_an_unknown_key_is_an_error_naming_table_and_key(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data, {})
    assert expected in str(info.value)


def test_an_unknown_key_from_the_environment_is_an_error_too() -> None:
    with pytest.raises(ConfigError, match=r"\[sources.scale\] timout_s: unknown key"):
        config_from_mapping({"sources": {"scale": SCALE}}, {"JOB_GATEWAY_SCALE_TIMOUT_S": "5"})


def test_a_secret_never_appears_in_a_problem() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping({"sources": {"wordlift": {"api_key": "s3cret-key", "graphs": []}}}, {})
    assert "graphs" in str(info.value) and "s3cret-key" not in str(info.value)


def test_a_missing_variable_is_named_without_leaking_anything() -> None:
    env = {"OTHER_SECRET": "do-not-print-me", "JOB_GATEWAY_CURSOR_SECRET_ENV": "NOT_THERE"}
    data = {"sources": {"scale": {"base_url": "https://s.example", "token_env": "SCALE_TOKEN"}}}
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data, env)
    message = str(info.value)
    assert "[sources.scale] token_env: environment variable SCALE_TOKEN is not set" in message
    assert "[gateway] cursor_secret_env: environment variable NOT_THERE is not set" in message
    # Reported once, under the key that was given, not again as a missing ``token``.
    assert "[sources.scale] token:" not in message
    assert "do-not-print-me" not in message


def test_repr_shows_no_secret_and_no_environment(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(
        '[gateway]\ncursor_secret = "inline-cursor-s3cret"\nclient_tokens_env = "CLIENT_TOKENS"\n\n'
        '[sources.scale]\nbase_url = "https://scale.example/api"\ntoken = "inline-scale-t0ken"\n\n'
        '[sources.wordlift]\nbase_url = "https://wl.example"\napi_key_env = "WL_KEY"\ngraphs = [1506805]\n'
    )
    env = {
        "CLIENT_TOKENS": "client-t0ken-a,client-t0ken-b",
        "WL_KEY": "env-wordlift-k3y",
        "UNRELATED_VARIABLE": "unrelated-value",
        "JOB_GATEWAY_AMPERITY_TOKEN": "override-amperity-t0ken",
        "JOB_GATEWAY_AMPERITY_BASE_URL": "https://amp.example/api",
        "JOB_GATEWAY_AMPERITY_TENANT": "acme",
    }
    config = load_config(path, env)
    shown = repr(config) + str(config) + repr(config.sources) + str(config.gateway)
    assert "CLIENT_TOKENS" in shown and "WL_KEY" in shown  # variable names are not secrets
    for hidden in (
        "inline-cursor-s3cret",
        "inline-scale-t0ken",
        "client-t0ken-a",
        "env-wordlift-k3y",
        "override-amperity-t0ken",
        "UNRELATED_VARIABLE",
        "unrelated-value",
    ):
        assert hidden not in shown
    assert [t.get_secret_value() for t in config.gateway.client_tokens] == ["client-t0ken-a", "client-t0ken-b"]


def test_validating_opens_no_http_client(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    original = httpx.AsyncClient.__init__

    def counting(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting)
    tables = {
        "scale": SCALE,
        "wordlift": {"base_url": "https://wl.example", "api_key": "k", "graphs": ["1"]},
        "leia": {"base_url": "https://leia.example", "api_key": "k"},
        "phylodb": {
            "base_url": "https://p.example",
            "token": "t",
            "projects": ["7c9e6679-7425-40de-944b-e07fc1f90ae7"],
        },
        "amperity": {"base_url": "https://amp.example/api", "token": "t", "tenant": "acme"},
    }
    config = config_from_mapping({"sources": tables}, {})
    with pytest.raises(ConfigError):
        config_from_mapping({"sources": {**tables, "scale": {"base_url": "ftp://x"}}}, {})
    assert built == [] and list(config.sources) == list(tables)


def test_bad_toml_and_missing_file_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[gateway\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, {})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "none.toml", {})


def test_serve_exits_2_listing_the_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gateway.cli import main

    path = tmp_path / "gw.toml"
    path.write_text('[sources.scale]\nbase_url = "https://s.example"\ntoken_env = "SCALE_T"\ntimout_s = 5\n')
    monkeypatch.setenv("SCALE_T", "cli-scale-t0ken")
    assert main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "[sources.scale] timout_s: unknown key" in err and "cli-scale-t0ken" not in err
