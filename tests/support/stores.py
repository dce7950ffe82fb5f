"""Store fixtures: one contract, three real backends (memory, a SQLite file, a redis-server on loopback).

``store`` is one opened store per backend; ``store_pair`` is two stores on the same
backend and data, standing in for two gateway processes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

from gateway.state import StateStore, open_store
from gateway.state.memory import MemoryStore
from tests.support.redis_server import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        url = request.getfixturevalue("redis_url")
    found = open_store(url)
    await found.open()
    try:
        if request.param == "redis":
            await found.delete("k")
        yield found
    finally:
        await found.aclose()


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store_pair(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[StateStore, StateStore]]:
    if request.param == "memory":
        shared = MemoryStore()
        yield shared, shared
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        url = request.getfixturevalue("redis_url")
        # The server is shared by a module's tests; the shared bus's log has a fixed name.
        redis.Redis.from_url(url).flushdb()
    first, second = open_store(url), open_store(url)
    await first.open()
    await second.open()
    try:
        yield first, second
    finally:
        await first.aclose()
        await second.aclose()
