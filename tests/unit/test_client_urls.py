"""Client-supplied URLs (``ClientUrl``): only http(s) to public addresses, unless configuration allows more."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest

from adapters.settings import ConfigError
from gateway import client_urls
from gateway.client_urls import ClientUrlPolicy
from gateway.config import config_from_mapping

REFUSED = [
    ("http://127.0.0.1:8000/webhooks", "a loopback address"),
    ("http://[::1]/hook", "a loopback address"),
    ("http://[::ffff:127.0.0.1]/hook", "a loopback address"),
    ("http://localhost:9/hook", "a loopback name"),
    ("http://hooks.localhost/hook", "a loopback name"),
    ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
    ("http://[fd00:ec2::254]/latest", "a cloud metadata address"),
    ("http://100.100.100.200/latest", "a cloud metadata address"),
    ("http://169.254.1.1/", "a link-local address"),
    ("http://10.1.2.3/", "a private address"),
    ("http://192.168.0.10/", "a private address"),
    ("http://[fc00::1]/", "a private address"),
    ("http://0.0.0.0/", "an unspecified address"),
    ("http://224.0.0.1/", "a multicast address"),
    ("http://100.64.0.1/", "not a public address"),
    ("ftp://example.com/x", "must be an http(s) URL"),
    ("javascript:alert(1)", "must be an http(s) URL"),
    ("http:///no-host", "must name a host"),
    ("http://example.com:99999/", "is not a valid URL"),
    ("http://" + "a" * 2100 + ".com/", "at most 2048 characters"),
]


@pytest.mark.parametrize(("url", "words"), REFUSED)
async def test_urls_an_upstream_must_not_call_are_refused_saying_why(url: str, words: str) -> None:
    problem = await ClientUrlPolicy().problem(url)
    assert problem is not None and words in problem


@pytest.mark.parametrize("url", ["http://2130706433/hook", "http://0x7f000001/hook"])
async def test_loopback_in_disguise_is_found_by_resolving_it(url: str) -> None:
    # Not IP literals for Python, but getaddrinfo reads them as 127.0.0.1 (as the upstream's client would).
    problem = await ClientUrlPolicy().problem(url)
    assert problem is not None and "a loopback address" in problem


async def test_a_public_address_is_accepted() -> None:
    assert await ClientUrlPolicy().problem("https://93.184.216.34/hooks/leia?x=1") is None
    assert await ClientUrlPolicy().problem("http://[2606:4700::1111]:8443/hook") is None


async def test_every_address_of_a_host_name_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"hooks.example.com": ["93.184.216.34"], "split.example.com": ["93.184.216.34", "10.0.0.7"]}
    asked: list[tuple[str, int]] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    monkeypatch.setattr(client_urls, "resolve_host", resolve)
    policy = ClientUrlPolicy()
    assert await policy.problem("https://hooks.example.com/leia") is None
    problem = await policy.problem("http://split.example.com:8080/leia")
    assert problem is not None and "split.example.com (10.0.0.7), a private address" in problem
    problem = await policy.problem("http://nowhere.example.com/")
    assert problem is not None and "does not resolve" in problem
    assert asked == [("hooks.example.com", 443), ("split.example.com", 8080), ("nowhere.example.com", 80)]


async def test_resolving_does_not_block_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    def slow_getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list[Any]:
        time.sleep(0.2)  # a slow DNS server: blocking, as the C resolver is
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    task = asyncio.create_task(ticker())
    try:
        assert await ClientUrlPolicy().problem("https://slow.example.com/") is None
    finally:
        task.cancel()
    assert ticks >= 10, "the loop kept running while the name was resolved"


async def test_the_allowlist_admits_internal_networks_and_host_names(monkeypatch: pytest.MonkeyPatch) -> None:
    async def unresolvable(host: str, port: int) -> list[str]:
        raise OSError("internal name, not resolvable here")

    monkeypatch.setattr(client_urls, "resolve_host", unresolvable)
    policy = ClientUrlPolicy(["127.0.0.0/8", "10.0.0.0/8", "Hooks.Internal.Example."])
    assert await policy.problem("http://127.0.0.1:8000/hook") is None
    assert await policy.problem("http://10.9.8.7/hook") is None
    assert await policy.problem("https://hooks.internal.example/leia") is None  # taken as is, not resolved
    assert await policy.problem("http://[::1]/hook") is not None  # another family, not listed
    assert await policy.problem("http://192.168.1.1/hook") is not None
    assert await policy.problem("ftp://hooks.internal.example/") is not None  # still http(s) only


def test_callback_allow_is_configured_in_the_gateway_table() -> None:
    config = config_from_mapping({"gateway": {"callback_allow": ["10.0.0.0/8", "hooks.internal.example"]}}, {})
    assert config.gateway.callback_allow == ("10.0.0.0/8", "hooks.internal.example")
    env = config_from_mapping({}, {"JOB_GATEWAY_CALLBACK_ALLOW": "192.168.0.0/16, hooks.internal.example"})
    assert env.gateway.callback_allow == ("192.168.0.0/16", "hooks.internal.example")
    with pytest.raises(ConfigError) as err:
        config_from_mapping({"gateway": {"callback_allow": ["10.0.0.0/8", "not a host!"]}}, {})
    assert "[gateway]" in str(err.value) and "callback_allow" in str(err.value) and "not a host!" in str(err.value)
