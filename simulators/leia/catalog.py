"""``GET /model`` and ``GET /document`` of the Leia simulator: what an application can submit jobs on.

Paged like ``GET /job`` (``offset``/``limit``, ``Content-Range``, 404 when the page is empty).
Choices: ``sort`` accepts ``creation_time`` (default) or ``-creation_time``, ties by id; an
application sees its own documents and its own or shared models (``allow_all_applications``).
Only the model and document fields the spec requires, plus the names, are rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from starlette.requests import Request

from adapters.timeparse import format_ms
from simulators.kit.problems import Problem
from simulators.leia.http import query_int
from simulators.leia.model import SimApplication, SimDocument, SimModel
from simulators.leia.state import LeiaState


def model_json(model: SimModel) -> dict[str, Any]:
    return {
        "id": model.id,
        "application_id": model.application_id,
        "allow_all_applications": model.application_id is None,
        "creation_time": format_ms(model.creation_time),
        "name": model.name,
        "short_name": model.short_name,
        "model_type": model.model_type,
        "input_types": ["text"],
        "tags": [],
    }


def document_json(document: SimDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "application_id": document.application_id,
        "creation_time": format_ms(document.creation_time),
        "filename": document.filename,
        "extension": document.extension,
        "mime_type": document.mime_type,
        "tags": [],
    }


def list_models(state: LeiaState, request: Request, app: SimApplication) -> tuple[list[Any], dict[str, str]]:
    mine = [m for m in state.models.values() if m.application_id in (None, app.id)]
    return _page(state, request, mine, lambda m: m.creation_time, model_json, "model")


def list_documents(state: LeiaState, request: Request, app: SimApplication) -> tuple[list[Any], dict[str, str]]:
    mine = [d for d in state.documents.values() if d.application_id == app.id]
    return _page(state, request, mine, lambda d: d.creation_time, document_json, "document")


def _page(
    state: LeiaState,
    request: Request,
    items: Sequence[Any],
    created: Callable[[Any], datetime],
    render: Callable[[Any], dict[str, Any]],
    what: str,
) -> tuple[list[Any], dict[str, str]]:
    sort = (request.query_params.get("sort") or "creation_time").strip()
    if sort not in ("creation_time", "-creation_time"):
        raise Problem(400, f"Cannot sort by {sort!r}: use 'creation_time' or '-creation_time'")
    offset, limit = query_int(request, "offset"), query_int(request, "limit")
    offset = 0 if offset is None else offset
    limit = state.default_limit if limit is None else min(limit, state.max_limit)
    if offset < 0 or limit < 1:
        raise Problem(400, "offset must be >= 0 and limit >= 1")
    ordered = sorted(items, key=lambda i: (created(i), i.id), reverse=sort.startswith("-"))
    page = ordered[offset : offset + limit]
    if not page:
        raise Problem(404, f"No {what}s found")
    headers = {
        "Content-Range": f"{offset}-{offset + len(page) - 1}/{len(ordered)}",
        "Accept-Range": f"{what} {state.max_limit}",
    }
    return [render(i) for i in page], headers
