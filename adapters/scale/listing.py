"""Reading Scale's paged lists: one window of records at an offset, whole small lists, batches by id.

Every list body is DRF's ``{count, next, previous, results}``; anything else is a
BAD_RESPONSE. A page past the end answers 404 ``{"detail": "Invalid page."}``,
which here simply means "nothing more".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from adapters.base import Page, PageEntry
from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import Source
from adapters.positions import encode_offset, offset_or_invalid, plan_window
from adapters.scale.translate import ShapeError
from adapters.timeparse import format_us

T = TypeVar("T")
Params = list[tuple[str, str]]

MAX_PAGE_SIZE = 1000
"""Scale's largest ``page_size``."""


@dataclass(frozen=True, slots=True)
class ListBody:
    count: int
    next: str | None
    results: list[Any]


def bad_response(what: str) -> UpstreamError:
    return UpstreamError(ErrorKind.BAD_RESPONSE, Source.SCALE, f"SCALE sent {what} that could not be read")


def list_body(body: Any) -> ListBody:
    if not isinstance(body, Mapping):
        raise bad_response("a list")
    count, results, nxt = body.get("count"), body.get("results"), body.get("next")
    if isinstance(count, bool) or not isinstance(count, int) or not isinstance(results, list):
        raise bad_response("a list")
    return ListBody(count, nxt if isinstance(nxt, str) else None, results)


def translated(translate: Callable[[Any], T], item: Any, what: str) -> T:
    try:
        return translate(item)
    except (ShapeError, KeyError, TypeError, ValueError):
        raise bad_response(what) from None


when = format_us
"""A timestamp as Scale's parameters take it (UTC, microseconds, ``Z``)."""


def offset_of(position: str | None) -> int:
    return offset_or_invalid(position, Source.SCALE, "list")


def _past_end(err: UpstreamError) -> bool:
    return err.status == 404 and "Invalid page" in err.message


async def read_page(
    client: UpstreamClient, path: str, params: Params, page: int, size: int, operation: str
) -> ListBody | None:
    """One page, or ``None`` when it lies past the end of the list."""
    try:
        body = await client.get_json(
            path, operation=operation, params=[*params, ("page", str(page)), ("page_size", str(size))]
        )
    except UpstreamError as err:
        if _past_end(err):
            return None
        raise
    return list_body(body)


async def read_window(
    client: UpstreamClient, path: str, params: Params, offset: int, limit: int, operation: str
) -> tuple[list[Any], int | None]:
    """Records ``[offset, offset + limit)`` and the list's count (``None`` if ``offset`` is past the end)."""
    window = plan_window(offset, limit, MAX_PAGE_SIZE)
    bodies = await asyncio.gather(
        *(read_page(client, path, params, page, window.page_size, operation) for page in window.pages)
    )
    if bodies[0] is None:
        return [], None
    results = [item for body in bodies if body is not None for item in body.results]
    return results[window.skip : window.skip + min(limit, MAX_PAGE_SIZE)], bodies[0].count


async def list_page(
    client: UpstreamClient,
    path: str,
    params: Params,
    after: str | None,
    limit: int,
    *,
    translate: Callable[[Any], T],
    keep: Callable[[T], bool],
    exact: bool,
    operation: str,
) -> Page[T]:
    """A page of records from ``after``; each entry's position is the offset right after it.

    ``keep`` re-checks what the upstream could not filter. When it drops a whole
    window, a wider one is read next, so a page is empty only at the end of the list.
    ``total`` is the upstream's count when ``exact`` (every filter was applied upstream).
    """
    offset = offset_of(after)
    entries: list[PageEntry[T]] = []
    count: int | None = None
    size = limit
    while True:
        items, count = await read_window(client, path, params, offset, size, operation)
        consumed = len(items)
        for index, item in enumerate(items):
            record = translated(translate, item, "a record")
            if keep(record):
                entries.append(PageEntry(record, encode_offset(offset + index + 1)))
                if len(entries) >= limit:
                    consumed = index + 1
                    break
        offset += consumed
        has_more = bool(items) and count is not None and offset < count
        if entries or not has_more:
            break
        # A whole window was filtered out here: read wider windows until something matches.
        size = min(MAX_PAGE_SIZE, size * 4)
    return Page(entries, has_more=has_more, total=count if exact else None)


def chunks(values: Sequence[int], size: int) -> list[list[int]]:
    return [list(values[i : i + size]) for i in range(0, len(values), size)]
