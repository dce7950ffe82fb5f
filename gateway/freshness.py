"""The freshness window: identical list reads within a short window share one upstream answer.

A dashboard polled by many clients asks for the same first page again and again.
Reads already in flight share one call (``adapters/http.py``); this goes one step
further and keeps each list page for ``window`` seconds (per source, ``[sources.X]
list_freshness_s``, default 1 s, 0 turns it off), as records: a hit costs no
upstream call, no decoding and no translation.

What a client risks: a change made upstream behind the gateway's back shows up to
one window late. Changes the gateway knows of do not wait: our own mutations and
every status event (the watcher's polls, webhooks, other replicas) drop the
source's pages at once, and a page read before such a change is never kept
(``generation``). What a client sees: the age of the oldest page in its answer,
per source, in the response's ``extensions.dataAgeSeconds``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar

from adapters.model import Source

T = TypeVar("T")

DEFAULT_MAX_PAGES = 512


class FreshLists:
    def __init__(
        self,
        windows: Mapping[Source, float],
        *,
        clock: Callable[[], float] = time.monotonic,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self._windows = {source: window for source, window in windows.items() if window > 0}
        self._clock = clock
        self._max_pages = max_pages
        self._pages: OrderedDict[tuple[Source, Hashable], tuple[float, Any]] = OrderedDict()
        self._generation: dict[Source, int] = {}
        self.hits = 0

    def window(self, source: Source) -> float:
        return self._windows.get(source, 0.0)

    async def read(self, source: Source, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> tuple[T, float]:
        """``fetch()``'s answer, or the one kept for ``key`` if younger than the window; and its age in seconds."""
        window = self._windows.get(source)
        if window is None:
            return await fetch(), 0.0
        slot = (source, key)
        kept = self._pages.get(slot)
        now = self._clock()
        if kept is not None:
            at, page = kept
            if now - at <= window:
                self.hits += 1
                self._pages.move_to_end(slot)
                answer: T = page
                return answer, now - at
            del self._pages[slot]
        generation = self._generation.get(source, 0)
        page = await fetch()
        # A change learnt while this read was in flight may not be in its answer: do not keep it.
        if self._generation.get(source, 0) == generation:
            self._pages[slot] = (self._clock(), page)
            if len(self._pages) > self._max_pages:
                self._pages.popitem(last=False)
        return page, 0.0

    def invalidate(self, source: Source) -> None:
        """Something changed at ``source``: its kept pages go, and reads already in flight are not kept."""
        if source not in self._windows:
            return
        self._generation[source] = self._generation.get(source, 0) + 1
        for slot in [slot for slot in self._pages if slot[0] == source]:
            del self._pages[slot]

    def __len__(self) -> int:
        return len(self._pages)
