"""The idempotency ledger on its own."""

from __future__ import annotations

import asyncio

import pytest

from gateway.idempotency import IdempotencyConflict, IdempotencyLedger, input_fingerprint


async def test_same_key_same_input_runs_once() -> None:
    ledger: IdempotencyLedger[int] = IdempotencyLedger()
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
    ledger: IdempotencyLedger[int] = IdempotencyLedger()

    async def call() -> int:
        return 1

    await ledger.run("s", "k", input_fingerprint("submit", {"a": 1}), call)
    with pytest.raises(IdempotencyConflict):
        await ledger.run("s", "k", input_fingerprint("submit", {"a": 2}), call)


async def test_concurrent_retry_waits_for_the_first_call() -> None:
    ledger: IdempotencyLedger[int] = IdempotencyLedger()
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
    ledger: IdempotencyLedger[int] = IdempotencyLedger()
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
    ledger: IdempotencyLedger[str] = IdempotencyLedger()

    async def a() -> str:
        return "a"

    async def b() -> str:
        return "b"

    fp = input_fingerprint("x", {})
    assert await ledger.run("tenant-1", "k", fp, a) == ("a", False)
    assert await ledger.run("tenant-2", "k", fp, b) == ("b", False)


async def test_a_call_that_raised_is_not_remembered() -> None:
    ledger: IdempotencyLedger[int] = IdempotencyLedger()
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
