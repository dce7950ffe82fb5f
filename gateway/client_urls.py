"""Which URLs a client may make an upstream call: the check behind every ``ClientUrl`` field.

A client-supplied callback URL is a request the upstream will send on the
client's behalf, from inside the upstream's network. Left unchecked it points at
the gateway's own loopback, a private network or a cloud metadata endpoint. So a
``ClientUrl`` must be http(s) with a host, and every address its host resolves to
must be public: loopback, private, link-local, multicast, unspecified, reserved
and cloud-metadata addresses are refused, as are ``localhost`` names.

Deployments that need internal targets list them in ``[gateway] callback_allow``:
an entry is an IP network (``10.0.0.0/8``, ``192.168.1.20``) admitting the
addresses inside it, or a host name (``hooks.internal.example``) admitted as is,
whatever it resolves to.

Host names are resolved with the event loop's ``getaddrinfo`` (in a worker
thread, never blocking the loop), within ``RESOLVE_TIMEOUT_S``. What this cannot
prevent: a name whose DNS answer changes between this check and the upstream's
call (rebinding); an allowlist of addresses is the stronger setting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048
RESOLVE_TIMEOUT_S = 3.0
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port)`` -> the addresses the host name resolves to (text); raises ``OSError`` when it does not."""


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, through the loop's ``getaddrinfo`` (a worker thread)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def parse_allow(entries: Iterable[str]) -> tuple[tuple[IPNetwork, ...], frozenset[str]]:
    """``callback_allow`` as (networks, host names); ``ValueError`` naming an entry that is neither."""
    networks: list[IPNetwork] = []
    hosts: set[str] = set()
    for entry in entries:
        text = entry.strip()
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
            continue
        except ValueError:
            pass
        name = text.lower().rstrip(".")
        labels = name.split(".")
        if not name or len(name) > 253 or not all(_label_ok(label) for label in labels):
            raise ValueError(f"{entry!r} is neither an IP network nor a host name")
        hosts.add(name)
    return tuple(networks), frozenset(hosts)


def _label_ok(label: str) -> bool:
    return 0 < len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii() and label[0] != "-"


def refusal(address: IPAddress) -> str | None:
    """Why an upstream must not be sent to ``address`` (what kind of address it is), or ``None``."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for kind, flag in (
        ("a loopback", address.is_loopback),
        ("an unspecified", address.is_unspecified),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a private", address.is_private),
        ("a reserved", address.is_reserved),
    ):
        if flag:
            return f"{kind} address"
    return None if address.is_global else "not a public address"


class ClientUrlPolicy:
    """Checks client-supplied URLs; ``allow`` is ``[gateway] callback_allow``."""

    def __init__(self, allow: Iterable[str] = (), *, resolver: Resolver | None = None) -> None:
        self.networks, self.hosts = parse_allow(allow)
        self._resolver = resolver

    async def problem(self, url: str) -> str | None:
        """What is wrong with ``url`` as a target for an upstream's requests, or ``None`` when it may be used."""
        if len(url) > MAX_URL_LENGTH:
            return f"must be at most {MAX_URL_LENGTH} characters"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return "is not a valid URL"
        if parts.scheme.lower() not in ("http", "https"):
            return "must be an http(s) URL"
        host = (parts.hostname or "").rstrip(".")
        if not host:
            return "must name a host"
        if host in self.hosts:
            return None
        if host == "localhost" or host.endswith(".localhost"):
            return self._refused(host, "a loopback name")
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            resolved = await self._resolve(host, port or (443 if parts.scheme.lower() == "https" else 80))
            if isinstance(resolved, str):
                return resolved
            addresses = resolved
        for address in addresses:
            if any(address in network for network in self.networks if network.version == address.version):
                continue
            why = refusal(address)
            if why is not None:
                shown = host if str(address) == host else f"{host} ({address})"
                return self._refused(shown, why)
        return None

    async def _resolve(self, host: str, port: int) -> list[IPAddress] | str:
        resolver = self._resolver or resolve_host
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_S):
                found = await resolver(host, port)
            # Scoped IPv6 answers carry "%zone": the address is what matters.
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        except (OSError, TimeoutError, ValueError, UnicodeError):
            return f"host {host!r} does not resolve"
        return addresses or f"host {host!r} does not resolve"

    @staticmethod
    def _refused(target: str, why: str) -> str:
        return (
            f"must not point at {target}, {why}: upstreams may only call public addresses "
            "unless the gateway's callback_allow lists the target"
        )
