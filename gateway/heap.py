"""Giving memory back to the system once a wave of WebSocket connections has closed.

A held subscription is a few hundred small objects; many of them (deque blocks,
dicts, frames) are larger than Python's small-object limit and come from the C
allocator. When hundreds of connections close, glibc keeps their freed pages for
reuse, and the process stays well above its resting size (``benchmarks.held``:
+15% after 300 left). ``malloc_trim(0)`` hands those pages back. It walks the
heap, so it runs once, a moment after a large drop, not on every close.

Where the C library has no ``malloc_trim`` (musl, macOS), trimming does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable

TRIM_AFTER_DROP = 64
"""Connections that must have closed since the last peak (or trim) before trimming is worth its walk."""

TRIM_DELAY_S = 2.0
"""Wait this long after the drop: the rest of a wave closes meanwhile, and is trimmed in the same pass."""


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] | None = getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None
    return trim


def trim() -> bool:
    """Collect, then return the C heap's free pages to the system; whether this C library can.

    A full collection first: once started, the gateway collects its old objects rarely
    (``cli.GC_THRESHOLDS``), and what a closed wave left in reference cycles would wait for that.
    """
    gc.collect()
    call = _malloc_trim()
    if call is None:
        return False
    call(0)
    return True


class HeapTrimmer:
    """Counts open connections and trims the heap, debounced, after many of them closed."""

    __slots__ = ("_open", "_peak", "_pending", "_trim", "delay_s", "min_drop", "trims")

    def __init__(
        self, min_drop: int = TRIM_AFTER_DROP, delay_s: float = TRIM_DELAY_S, trim_heap: Callable[[], bool] = trim
    ) -> None:
        self.min_drop = min_drop
        self.delay_s = delay_s
        self.trims = 0
        """How often the heap was trimmed (for tests and curiosity)."""
        self._trim = trim_heap
        self._open = 0
        self._peak = 0
        self._pending: asyncio.TimerHandle | None = None

    def opened(self) -> None:
        self._open += 1
        self._peak = max(self._peak, self._open)

    def closed(self) -> None:
        self._open -= 1
        if self._pending is None and self._peak - self._open >= self.min_drop:
            self._pending = asyncio.get_running_loop().call_later(self.delay_s, self._run)

    def _run(self) -> None:
        self._pending = None
        self._peak = self._open
        self._trim()
        self.trims += 1
