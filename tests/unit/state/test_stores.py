"""One contract, three backends: memory, a real SQLite file and a real redis-server."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from gateway.state import StateStore, StateUnavailable, open_store, redact_url
from gateway.state.sqlite import SqliteStore


async def test_values_are_set_read_and_deleted(store: StateStore) -> None:
    assert await store.get("k") is None
    await store.set("k", b"one")
    assert await store.get("k") == b"one"
    await store.set("k", b"two")
    assert await store.get("k") == b"two"
    await store.delete("k")
    assert await store.get("k") is None


async def test_many_values_are_read_in_one_call(store: StateStore) -> None:
    await store.set("a", b"1")
    await store.set("c", b"3", ttl_s=60)
    assert await store.get_many(["a", "b", "c", "a"]) == [b"1", None, b"3", b"1"]
    assert await store.get_many([]) == []
    many = [f"k{i}" for i in range(1200)]  # past SQLite's parameter bound per statement
    await store.set("k1100", b"x")
    assert (await store.get_many(many))[1100] == b"x"
    for key in ("a", "c", "k1100"):
        await store.delete(key)


async def test_a_claim_succeeds_once_until_the_key_expires(store: StateStore) -> None:
    assert await store.claim("k", b"first", ttl_s=0.2)
    assert not await store.claim("k", b"second", ttl_s=0.2)
    assert await store.get("k") == b"first"
    await asyncio.sleep(0.3)
    assert await store.get("k") is None, "an expired key reads as absent"
    assert await store.claim("k", b"third", ttl_s=5)
    assert await store.get("k") == b"third"


async def test_racing_claims_have_exactly_one_winner(store: StateStore) -> None:
    results = await asyncio.gather(*(store.claim("k", str(i).encode(), ttl_s=5) for i in range(20)))
    assert results.count(True) == 1
    winner = results.index(True)
    assert await store.get("k") == str(winner).encode()


async def test_two_processes_on_one_sqlite_file_see_one_claim(tmp_path: Path) -> None:
    """Two connections stand in for two gateway processes sharing the file (WAL)."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = open_store(url), open_store(url)
    await first.open()
    await second.open()
    try:
        outcomes = await asyncio.gather(first.claim("key", b"a", ttl_s=5), second.claim("key", b"b", ttl_s=5))
        assert sorted(outcomes) == [False, True]
        assert await first.get("key") == await second.get("key")
    finally:
        await first.aclose()
        await second.aclose()


async def test_sqlite_survives_a_reopen_and_migrates_once(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.db"
    store = SqliteStore(path)
    await store.open()
    await store.set("kept", b"yes")
    await store.set("gone", b"soon", ttl_s=0.01)
    await store.aclose()
    again = SqliteStore(path)
    await again.open()
    try:
        assert await again.get("kept") == b"yes"
        await asyncio.sleep(0.02)
        assert await again.purge() == 1
    finally:
        await again.aclose()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(1,), (2,)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize(
    "url",
    ["postgres://db/x", "sqlite://relative.db", "nonsense", "redis2://x"],
)
def test_a_bad_url_is_refused_naming_it(url: str) -> None:
    with pytest.raises(ValueError, match=r"state_url|sqlite"):
        open_store(url)


async def test_an_unreachable_store_says_which_without_its_password(tmp_path: Path) -> None:
    from simulators.kit.server import free_port

    store = open_store(f"redis://user:hunter2@127.0.0.1:{free_port()}/0")
    with pytest.raises(StateUnavailable) as info:
        await store.open()
    assert "127.0.0.1" in str(info.value) and "hunter2" not in str(info.value)
    await store.aclose()
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(StateUnavailable, match="cannot be opened"):
        await open_store(f"sqlite:///{blocked / 'state.db'}").open()


def test_urls_are_shown_without_passwords() -> None:
    assert redact_url("redis://u:secret@h:6379/0") == "redis://u:***@h:6379/0"
    assert redact_url("sqlite:///a/b.db") == "sqlite:///a/b.db"


async def test_a_store_error_during_a_cancellation_is_the_cancellation() -> None:
    """A loop that retries on StateUnavailable must still stop when its task is cancelled."""
    from gateway.state.base import unavailable

    assert isinstance(unavailable("lost"), StateUnavailable)
    seen: list[type[BaseException]] = []

    async def victim() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            # What a client library may do with a cancel mid-command: report a lost connection.
            seen.append(type(unavailable("lost")))

    task = asyncio.create_task(victim())
    await asyncio.sleep(0)
    task.cancel()
    await task
    assert seen == [asyncio.CancelledError]
