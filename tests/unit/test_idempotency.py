"""The idempotency ledger on its own, over the in-memory store and over a real SQLite file shared by two ledgers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gateway.idempotency import (
    IdempotencyConflict,
    IdempotencyLedger,
    OutcomeStillUnknown,
    ResultCodec,
    input_fingerprint,
)
from gateway.state import StateStore, open_store
from gateway.state.memory import MemoryStore

INT = ResultCodec(lambda n: str(n).encode(), lambda b: int(b))
TEXT = ResultCodec(lambda t: t.encode(), lambda b: b.decode())


def ledger_of(store: StateStore | None = None, **options: float) -> IdempotencyLedger[int]:
    return IdempotencyLedger(store or MemoryStore(), INT, **options)


async def test_same_key_same_input_runs_once() -> None:
    ledger = ledger_of()
    calls = 0

    async def call() -> int:
        nonlocal calls
        calls += 1
        return 7

    fp = input_fingerprint("submit", {"a": 1})
    assert await ledger.run("s", "k", fp, call) == (7, False)
    assert await ledger.run("s", "k", fp, call) == (7, True)
    assert calls == 1


async def test_same_key_other_input_is_a_conflict() -> None:
    ledger = ledger_of()

    async def call() -> int:
        return 1

    await ledger.run("s", "k", input_fingerprint("submit", {"a": 1}), call)
    with pytest.raises(IdempotencyConflict):
        await ledger.run("s", "k", input_fingerprint("submit", {"a": 2}), call)


async def test_concurrent_retry_waits_for_the_first_call() -> None:
    ledger = ledger_of()
    calls = 0
    gate = asyncio.Event()

    async def call() -> int:
        nonlocal calls
        calls += 1
        await gate.wait()
        return 3

    fp = input_fingerprint("x", {})
    first = asyncio.create_task(ledger.run("s", "k", fp, call))
    second = asyncio.create_task(ledger.run("s", "k", fp, call))
    await asyncio.sleep(0)
    gate.set()
    assert (await first, await second) == ((3, False), (3, True))
    assert calls == 1


async def test_the_call_completes_when_the_client_goes_away() -> None:
    ledger = ledger_of()
    done = asyncio.Event()

    async def call() -> int:
        await asyncio.sleep(0.02)
        done.set()
        return 5

    fp = input_fingerprint("x", {})
    client = asyncio.create_task(ledger.run("s", "k", fp, call))
    await asyncio.sleep(0.005)
    client.cancel()
    await done.wait()
    assert await ledger.run("s", "k", fp, call) == (5, True)
    assert ledger.upstream_calls == 1


async def test_keys_are_per_scope() -> None:
    ledger: IdempotencyLedger[str] = IdempotencyLedger(MemoryStore(), TEXT)

    async def a() -> str:
        return "a"

    async def b() -> str:
        return "b"

    fp = input_fingerprint("x", {})
    assert await ledger.run("tenant-1", "k", fp, a) == ("a", False)
    assert await ledger.run("tenant-2", "k", fp, b) == ("b", False)


async def test_a_call_that_raised_is_not_remembered() -> None:
    ledger = ledger_of()
    attempts = 0

    async def call() -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("never sent")
        return 9

    fp = input_fingerprint("x", {})
    with pytest.raises(ConnectionError):
        await ledger.run("s", "k", fp, call)
    assert await ledger.run("s", "k", fp, call) == (9, False)


async def test_two_ledgers_on_one_store_make_one_call_and_both_get_its_result(tmp_path: Path) -> None:
    """Two gateway processes (two ledgers, two connections to one SQLite file) racing one key."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    stores = [open_store(url), open_store(url)]
    for store in stores:
        await store.open()
    try:
        first, second = (ledger_of(store, poll_s=0.01) for store in stores)
        calls = 0
        gate = asyncio.Event()

        async def call() -> int:
            nonlocal calls
            calls += 1
            await gate.wait()
            return 11

        fp = input_fingerprint("submit", {"a": 1})
        racing = [asyncio.create_task(ledger.run("s", "k", fp, call)) for ledger in (first, second)]
        await asyncio.sleep(0.05)
        gate.set()
        results = sorted(await asyncio.gather(*racing), key=lambda r: r[1])
        assert results == [(11, False), (11, True)]
        assert calls == 1
        restarted = ledger_of(stores[1])
        assert await restarted.run("s", "k", fp, call) == (11, True), "a new ledger (a restart) replays it"
        with pytest.raises(IdempotencyConflict):
            await restarted.run("s", "k", input_fingerprint("submit", {"a": 2}), call)
    finally:
        for store in stores:
            await store.aclose()


async def test_a_key_held_by_a_vanished_process_answers_outcome_unknown() -> None:
    store = MemoryStore()
    fp = input_fingerprint("submit", {})
    crashed = ledger_of(store)
    started = asyncio.Event()

    async def never_ends() -> int:
        started.set()
        await asyncio.Event().wait()
        return 0

    task = asyncio.create_task(crashed.run("s", "k", fp, never_ends))
    await started.wait()
    survivor = ledger_of(store, wait_s=0.1, poll_s=0.01)

    async def must_not_run() -> int:
        raise AssertionError("the key is held: no second call")

    with pytest.raises(OutcomeStillUnknown):
        await survivor.run("s", "k", fp, must_not_run)
    task.cancel()
