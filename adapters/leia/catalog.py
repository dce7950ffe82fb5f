"""Leia's models and documents, listed for ``submitJob`` (``GET /model``, ``GET /document``).

Both lists page like ``GET /job``: ``offset``/``limit``, the total in ``Content-Range``, and
404 when the page is empty. They are read in ``creation_time`` order (oldest first, ties
by Leia's own order), so offsets stay put while new items arrive at the end. A model is
named by its ``name`` (``short_name`` is what ``applyModel.modelId`` also accepts, kept in
``raw``) and described by its ``model_type``; a document by its ``filename`` and MIME type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from adapters.base import Page, PageEntry
from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import CatalogRecord, Source
from adapters.positions import encode_offset, offset_or_invalid
from adapters.timeparse import parse_time

KINDS: Mapping[str, tuple[str, str, str]] = {
    "models": ("/model", "name", "model_type"),
    "documents": ("/document", "filename", "mime_type"),
}
"""Catalog kind -> (path, the field naming an item, the field describing it)."""

_CONTENT_RANGE = re.compile(r"^\s*(?:\w+\s+)?(\d+)-(\d+)/(\d+)\s*$")


async def list_catalog(client: UpstreamClient, kind: str, after: str | None, limit: int) -> Page[CatalogRecord]:
    if kind not in KINDS:
        raise UpstreamError(ErrorKind.INVALID, Source.LEIA, f"LEIA lists {', '.join(KINDS)}, not {kind!r}")
    offset = offset_or_invalid(after, Source.LEIA, kind[:-1])
    path, name_field, about_field = KINDS[kind]
    response = await client.request(
        "GET",
        path,
        operation=f"list_{kind}",
        params={"offset": offset, "limit": max(1, limit), "sort": "creation_time"},
        accept_statuses=(404,),
    )
    if response.status_code == 404:
        return Page((), has_more=False, total=0 if offset == 0 else None)
    body = client.decode(response)
    if not isinstance(body, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in body):
        raise UpstreamError(ErrorKind.BAD_RESPONSE, Source.LEIA, f"LEIA sent a {kind} list of the wrong shape")
    records = [_record(kind, item, name_field, about_field) for item in body]
    total = content_range_total(response.headers.get("content-range"))
    entries = [PageEntry(r, encode_offset(offset + n + 1)) for n, r in enumerate(records)]
    more = offset + len(records) < total if total is not None else len(records) >= limit
    return Page(entries, has_more=more, total=total)


def content_range_total(value: str | None) -> int | None:
    """The total of Leia's ``Content-Range: <first>-<last>/<total>`` header (job, model, document lists)."""
    match = _CONTENT_RANGE.match(value or "")
    return int(match.group(3)) if match else None


def _record(kind: str, item: Mapping[str, Any], name_field: str, about_field: str) -> CatalogRecord:
    name, about = item.get(name_field), item.get(about_field)
    scope = item.get("application_id")
    return CatalogRecord(
        source=Source.LEIA,
        kind=kind,
        scope=scope if isinstance(scope, str) else "",
        native_id=item["id"],
        name=name if isinstance(name, str) else None,
        description=about if isinstance(about, str) else None,
        created_at=parse_time(item.get("creation_time")),
        raw=dict(item),
    )
