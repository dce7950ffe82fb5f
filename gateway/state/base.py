"""The state store protocol and its error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit


class StateUnavailable(Exception):
    """The store cannot be reached or used; the message names it (never with a password)."""


class StateStore(Protocol):
    """Keys with optional expiry, and an atomic claim: enough for exactly-once across replicas.

    Values are bytes (callers choose their encoding). An expired key reads as absent.
    Every method raises ``StateUnavailable`` when the backend cannot answer.
    """

    url: str
    """Where the store is, for messages (password removed)."""

    async def open(self) -> None:
        """Connect and bring the schema up to date; raises ``StateUnavailable``."""
        ...

    async def aclose(self) -> None: ...

    async def check(self) -> None:
        """One cheap round trip (readiness)."""
        ...

    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """One answer per key, in order, in one round trip."""
        ...

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None: ...

    async def claim(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        """Set ``key`` only if it is absent (or expired); whether this call set it. Atomic across processes."""
        ...

    async def delete(self, key: str) -> None: ...


def redact_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
