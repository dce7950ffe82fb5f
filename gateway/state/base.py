"""The state store protocol and its error."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit


class StateUnavailable(Exception):
    """The store cannot be reached or used; the message names it (never with a password)."""


def unavailable(message: str) -> BaseException:
    """``StateUnavailable(message)``, unless the task is being cancelled: then the cancellation.

    A client library may turn a cancellation that lands mid-command into its own error
    (a lost connection); passed on as ``StateUnavailable``, a loop that retries on it would
    never stop, and whoever awaits that loop on shutdown would wait for ever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        return asyncio.CancelledError()
    return StateUnavailable(message)


class StateStore(Protocol):
    """Keys with optional expiry, an atomic claim, leases and ordered logs: what replicas share.

    The claim gives exactly-once (idempotency); leases give one poller per job;
    a log gives every replica the same events in the same order (``since``).

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

    # --- leases: one holder per key at a time, renewed, taken over once it lapses -------

    async def hold(self, keys: Sequence[str], owner: bytes, *, ttl_s: float) -> list[bool]:
        """Take or renew ``owner``'s lease on each key: per key, whether ``owner`` holds it now.

        A key is taken when it is free or its lease lapsed, and renewed when
        ``owner`` already holds it; one atomic round trip for all keys.
        """
        ...

    async def release(self, keys: Sequence[str], owner: bytes) -> None:
        """Give up ``owner``'s leases on ``keys`` (keys another owner holds stay as they are)."""
        ...

    # --- logs: append-only, ids ordered across every process on the store ----------------

    async def append(self, log: str, body: bytes) -> int:
        """Append ``body`` to ``log``; its id, greater than every id the log gave before, whoever asked."""
        ...

    async def read_after(self, log: str, after: int, *, limit: int, wait_s: float = 0.0) -> list[tuple[int, bytes]]:
        """Up to ``limit`` entries with ids above ``after``, oldest first.

        With none there yet, waits up to ``wait_s`` for one before answering empty.
        """
        ...

    async def trim(self, log: str, *, keep: int, max_age_s: float) -> None:
        """Drop entries beyond the newest ``keep`` and those older than ``max_age_s``."""
        ...


def redact_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
