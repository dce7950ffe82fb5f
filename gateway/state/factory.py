"""Choosing a state store backend from its URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from gateway.state.base import StateStore, redact_url
from gateway.state.memory import MemoryStore
from gateway.state.redis_store import RedisStore
from gateway.state.sqlite import SqliteStore


def open_store(url: str) -> StateStore:
    """The store for ``url`` (not yet opened); ``ValueError`` naming what is wrong with the URL."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryStore()
    if scheme == "sqlite":
        return SqliteStore.from_url(url)
    if scheme in ("redis", "rediss"):
        return RedisStore(url)
    raise ValueError(f"{redact_url(url)!r}: state_url must start with sqlite:///, redis://, rediss:// or memory://")
