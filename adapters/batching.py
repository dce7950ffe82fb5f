"""Per-key concurrent gets: one call per distinct key, answers in the caller's order, errors kept per key.

Upstreams without a batch get answer ``get_*`` with one request per key. This
module owns the fan-out: duplicate keys are fetched once, at most ``limit``
requests run at a time, and an ``UpstreamError`` for one key becomes that
key's answer instead of failing the whole batch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from adapters.errors import UpstreamError

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


async def gather_per_key(
    keys: Sequence[K],
    fetch: Callable[[K], Awaitable[R]],
    limit: int | asyncio.Semaphore | None = None,
) -> list[R | UpstreamError]:
    """``fetch`` each distinct key concurrently; one answer per key of ``keys``, in order.

    ``limit`` bounds how many fetches run at once: a number for this call
    alone, or a semaphore shared with other calls (an adapter-wide bound).
    """
    gate = asyncio.Semaphore(limit) if isinstance(limit, int) else limit

    async def one(key: K) -> R | UpstreamError:
        try:
            async with gate if gate is not None else contextlib.nullcontext():
                return await fetch(key)
        except UpstreamError as err:
            return err

    unique = list(dict.fromkeys(keys))
    answers = dict(zip(unique, await asyncio.gather(*(one(k) for k in unique)), strict=True))
    return [answers[k] for k in keys]
