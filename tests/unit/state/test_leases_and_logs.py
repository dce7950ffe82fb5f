"""Leases and logs, the same contract on every backend: what lets replicas share polling and events."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from gateway.state import StateStore, open_store


def _name() -> str:
    # The redis-server is shared by the module's tests: every test gets keys of its own.
    return uuid.uuid4().hex


async def test_a_lease_has_one_holder_until_it_lapses(store: StateStore) -> None:
    a, b = f"{_name()}:a", f"{_name()}:b"
    assert await store.hold([a, b], b"one", ttl_s=0.3) == [True, True]
    assert await store.hold([a, b], b"two", ttl_s=0.3) == [False, False]
    assert await store.hold([a], b"one", ttl_s=0.3) == [True], "the holder renews its own lease"
    await asyncio.sleep(0.35)
    assert await store.hold([a, b], b"two", ttl_s=5) == [True, True], "a lapsed lease is taken over"
    assert await store.hold([], b"two", ttl_s=5) == []


async def test_releasing_frees_only_the_leases_one_holds(store: StateStore) -> None:
    a, b = f"{_name()}:a", f"{_name()}:b"
    await store.hold([a], b"one", ttl_s=5)
    await store.hold([b], b"two", ttl_s=5)
    await store.release([a, b], b"one")
    assert await store.hold([a, b], b"three", ttl_s=5) == [True, False]


async def test_racing_holders_get_one_lease_each_key(store: StateStore) -> None:
    keys = [f"{_name()}:{i}" for i in range(50)]
    answers = await asyncio.gather(*(store.hold(keys, f"owner-{n}".encode(), ttl_s=5) for n in range(4)))
    for column in zip(*answers, strict=True):
        assert sum(column) == 1


async def test_a_log_gives_increasing_ids_and_reads_after_one(store: StateStore) -> None:
    log = _name()
    ids = [await store.append(log, f"e{i}".encode()) for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert await store.read_after(log, 0, limit=10) == [(i, f"e{n}".encode()) for n, i in enumerate(ids)]
    assert await store.read_after(log, ids[2], limit=1) == [(ids[3], b"e3")]
    assert await store.read_after(log, ids[-1], limit=10) == []
    assert await store.read_after(_name(), 0, limit=10) == [], "a log nobody wrote to is empty"


async def test_a_waiting_read_returns_as_soon_as_an_entry_arrives(store: StateStore) -> None:
    log = _name()
    last = await store.append(log, b"before")
    started = time.monotonic()
    reader = asyncio.create_task(store.read_after(log, last, limit=10, wait_s=2.0))
    await asyncio.sleep(0.05)
    appended = await store.append(log, b"news")
    assert await reader == [(appended, b"news")]
    assert time.monotonic() - started < 1.5, "the read woke on the append, not at the end of its wait"
    assert await store.read_after(log, appended, limit=10, wait_s=0.1) == [], "an empty wait answers empty"


async def test_trimming_keeps_the_newest_entries(store: StateStore) -> None:
    log = _name()
    ids = [await store.append(log, str(i).encode()) for i in range(10)]
    await store.trim(log, keep=3, max_age_s=3600)
    assert [entry_id for entry_id, _ in await store.read_after(log, 0, limit=100)] == ids[-3:]
    await asyncio.sleep(0.05)
    await store.trim(log, keep=100, max_age_s=0.01)
    assert await store.read_after(log, 0, limit=100) == []
    assert await store.append(log, b"next") > ids[-1], "ids never go back, even after a trim emptied the log"


async def test_two_processes_on_one_sqlite_file_share_one_ordered_log(tmp_path: Path) -> None:
    """Two connections stand in for two gateway processes: a reader on one sees the other's appends in order."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = open_store(url), open_store(url)
    await first.open()
    await second.open()
    try:
        reader = asyncio.create_task(second.read_after("events", 0, limit=10, wait_s=2.0))
        await asyncio.sleep(0.05)
        ids = [await first.append("events", b"a"), await second.append("events", b"b")]
        seen = await reader
        seen += await second.read_after("events", seen[-1][0], limit=10)
        assert [entry_id for entry_id, _ in seen] == ids
    finally:
        await first.aclose()
        await second.aclose()
