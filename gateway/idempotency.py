"""The idempotency ledger: a retried mutation with the same key never reaches the upstream twice.

Behaviour (documented for clients in the README):
- A key is remembered for ``ttl_s`` (default 24 h) in a bounded cache
  (least recently used keys go first when it is full), per scope: the gateway
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cachetools import TTLCache

R = TypeVar("R")


class IdempotencyConflict(Exception):
    """The key was used before with a different input."""


@dataclass
class _Entry:
    fingerprint: str
    task: asyncio.Task[Any]


def input_fingerprint(operation: str, payload: Any) -> str:
    encoded = json.dumps([operation, payload], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


class IdempotencyLedger(Generic[R]):
    def __init__(self, *, maxsize: int = 10_000, ttl_s: float = 24 * 3600) -> None:
        self._entries: TTLCache[tuple[str, str], _Entry] = TTLCache(maxsize=maxsize, ttl=ttl_s)
        self.upstream_calls = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def run(
        self, scope: str, key: str | None, fingerprint: str, call: Callable[[], Awaitable[R]]
    ) -> tuple[R, bool]:
        """Run ``call`` once per (scope, key); returns its result and whether this was a replay."""
        if key is None:
            self.upstream_calls += 1
            return await _detached(call), False
        entry = self._entries.get((scope, key))
        if entry is not None:
            if entry.fingerprint != fingerprint:
                raise IdempotencyConflict(key)
            return await asyncio.shield(entry.task), True
        self.upstream_calls += 1
        task = asyncio.ensure_future(call())
        self._entries[(scope, key)] = _Entry(fingerprint, task)
        task.add_done_callback(lambda t: self._forget_failed(scope, key, t))
        return await asyncio.shield(task), False

    def _forget_failed(self, scope: str, key: str, task: asyncio.Task[Any]) -> None:
        # An exception means the call certainly changed nothing upstream (never
        # sent, or refused before acting): a retry with the key may try again.
        if task.cancelled() or task.exception() is not None:
            entry = self._entries.get((scope, key))
            if entry is not None and entry.task is task:
                del self._entries[(scope, key)]


async def _detached(call: Callable[[], Awaitable[R]]) -> R:
    # Shielded so a client disconnect cannot cut a mutation off halfway.
    task = asyncio.ensure_future(call())
    task.add_done_callback(_consume)
    return await asyncio.shield(task)


def _consume(task: asyncio.Future[Any]) -> None:
    # Nobody may be left to await a detached call whose client went away: read its
    # exception here so asyncio does not log "exception was never retrieved".
    if not task.cancelled():
        task.exception()
