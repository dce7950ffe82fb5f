"""The idempotency ledger: a retried mutation with the same key never reaches the upstream twice.

Keys live in the state store (``gateway.state``), so they survive restarts and are
shared by replicas: the first caller *claims* the key atomically, runs the call and
records its result; every other caller (another replica included) waits for that
result and replays it.

Behaviour (documented for clients in the README):
- A key is remembered for ``ttl_s`` (default 24 h), per scope: the gateway
  uses the client's credential (its ``Authorization``), so one client's keys
  never meet another's, and one key names one mutation whatever its source or
  operation (reusing it for another one is a conflict).
- Same key, same input: the first result is returned again (``replayed: true``),
  without another upstream call. If the first call is still running, the retry
  waits for it and gets its result.
- Same key, different input: a typed ``IDEMPOTENCY_CONFLICT`` error.
- The upstream call runs detached from the client's request: if the client goes
  away after sending, the call still completes and its result is recorded, so
  the client's retry gets it.
- If the upstream call itself ended without a known outcome (timeout, dropped
  connection: the upstream may or may not have accepted), the key records
  ``OUTCOME_UNKNOWN``; retries with that key return that answer rather than risk
  a second job. Check the job list, or use a new key to submit again.
- A failure that certainly changed nothing (the request was never sent: circuit
  open, connection refused) is not recorded: a retry with the key tries again.
- Typed refusals (invalid input, conflict, not found) are results too and are
  replayed; they cost the upstream nothing the second time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gateway.state import StateStore

R = TypeVar("R")

PENDING = "pending"
DONE = "done"


class IdempotencyConflict(Exception):
    """The key was used before with a different input."""


class OutcomeStillUnknown(Exception):
    """Another process claimed the key and has not recorded a result within the wait (it may have died)."""


@dataclass
class _Running:
    fingerprint: str
    task: asyncio.Task[Any]


@dataclass(frozen=True, slots=True)
class ResultCodec(Generic[R]):
    """How a result is kept in the store."""

    dumps: Callable[[R], bytes]
    loads: Callable[[bytes], R]


def input_fingerprint(operation: str, payload: Any) -> str:
    encoded = json.dumps([operation, payload], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


class IdempotencyLedger(Generic[R]):
    def __init__(
        self,
        store: StateStore,
        codec: ResultCodec[R],
        *,
        ttl_s: float = 24 * 3600,
        wait_s: float = 60.0,
        poll_s: float = 0.05,
    ) -> None:
        self._store = store
        self._codec = codec
        self._ttl_s = ttl_s
        self._wait_s = wait_s
        self._poll_s = poll_s
        # Calls this process runs right now: a retry here shares the task instead of polling the store.
        self._running: dict[tuple[str, str], _Running] = {}
        # Every mutation call running now, with a key or without: shutdown waits for them (``drain``).
        self._calls: set[asyncio.Task[Any]] = set()
        self.upstream_calls = 0

    @property
    def in_flight(self) -> int:
        """Mutation calls running now, their clients gone or not."""
        return len(self._calls)

    async def drain(self, timeout_s: float) -> int:
        """Shutdown: wait up to ``timeout_s`` for every running mutation call; how many were still running then."""
        pending = set(self._calls)
        if pending and timeout_s > 0:
            _, pending = await asyncio.wait(pending, timeout=timeout_s)
        return len(pending)

    def _track(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)
        return task

    async def run(
        self, scope: str, key: str | None, fingerprint: str, call: Callable[[], Awaitable[R]]
    ) -> tuple[R, bool]:
        """Run ``call`` once per (scope, key) across processes; its result and whether this was a replay.

        Raises ``IdempotencyConflict`` for a key used with another input, ``OutcomeStillUnknown``
        when another process holds the key without a result past the wait, and
        ``StateUnavailable`` when the store cannot answer (nothing was sent upstream then).
        """
        if key is None:
            self.upstream_calls += 1
            return await _detached(call, self._track), False
        name = _store_key(scope, key)
        running = self._running.get((scope, key))
        if running is not None:
            if running.fingerprint != fingerprint:
                raise IdempotencyConflict(key)
            return await asyncio.shield(running.task), True
        pending = json.dumps({"state": PENDING, "fp": fingerprint}).encode()
        deadline = time.monotonic() + self._wait_s
        while True:
            if await self._store.claim(name, pending, ttl_s=self._ttl_s):
                return await self._first(scope, key, name, fingerprint, call), False
            record = await self._store.get(name)
            if record is None:
                continue  # the holder gave the key back (its call certainly failed): claim it now
            entry = json.loads(record)
            if entry["fp"] != fingerprint:
                raise IdempotencyConflict(key)
            if entry["state"] == DONE:
                return self._codec.loads(entry["result"].encode()), True
            if time.monotonic() >= deadline:
                raise OutcomeStillUnknown(key)
            await asyncio.sleep(self._poll_s)

    async def _first(self, scope: str, key: str, name: str, fingerprint: str, call: Callable[[], Awaitable[R]]) -> R:
        self.upstream_calls += 1

        async def call_and_record() -> R:
            try:
                result = await call()
            except BaseException:
                # An exception means the call certainly changed nothing upstream (never
                # sent, or refused before acting): a retry with the key may try again.
                await self._store.delete(name)
                raise
            done = {"state": DONE, "fp": fingerprint, "result": self._codec.dumps(result).decode()}
            await self._store.set(name, json.dumps(done).encode(), ttl_s=self._ttl_s)
            return result

        task = self._track(asyncio.ensure_future(call_and_record()))
        self._running[(scope, key)] = _Running(fingerprint, task)
        task.add_done_callback(lambda t: self._finished(scope, key, t))
        return await asyncio.shield(task)

    def _finished(self, scope: str, key: str, task: asyncio.Task[Any]) -> None:
        running = self._running.get((scope, key))
        if running is not None and running.task is task:
            del self._running[(scope, key)]
        _consume(task)


def _store_key(scope: str, key: str) -> str:
    # Client keys are free text up to 200 characters: a digest keeps store keys short and safe.
    return f"idempotency:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


async def _detached(call: Callable[[], Awaitable[R]], track: Callable[[asyncio.Task[Any]], object]) -> R:
    # Shielded so a client disconnect cannot cut a mutation off halfway; tracked so shutdown waits for it.
    task = asyncio.ensure_future(call())
    track(task)
    task.add_done_callback(_consume)
    return await asyncio.shield(task)


def _consume(task: asyncio.Future[Any]) -> None:
    # Nobody may be left to await a detached call whose client went away: read its
    # exception here so asyncio does not log "exception was never retrieved".
    if not task.cancelled():
        task.exception()
