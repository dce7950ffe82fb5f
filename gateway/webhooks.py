"""Push instead of poll: the route upstreams' callbacks arrive at, ``/webhooks/<source>/<token>``.

Serves every configured source that is a ``CallbackSource`` (Leia's
``callback_url``); tokens come from ``gateway.callbacks``. The body is turned
into a record by the source's own adapter and fed to the watcher as a change.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response

from adapters.base import CallbackSource
from gateway.events import JobRef
from gateway.services import Services

MAX_BODY_BYTES = 1 << 20


def webhook_router(services: Services) -> APIRouter:
    router = APIRouter()
    tokens = services.callbacks
    upstreams = services.upstreams
    by_path = {s.value.lower(): s for s in upstreams.sources}

    @router.post("/webhooks/{source_name}/{token}", include_in_schema=False)
    async def callback(source_name: str, token: str, request: Request) -> Response:
        source = by_path.get(source_name)
        if tokens is None or source is None or not tokens.known(token):
            return Response(status_code=404)
        adapter = upstreams.get(source)
        if not isinstance(adapter, CallbackSource):
            return Response(status_code=404)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return Response("body too large", status_code=413)
        try:
            payload = json.loads(body)
        except ValueError:
            return Response("body must be the Job JSON", status_code=400)
        try:
            record = adapter.record_from_callback(payload)
        except Exception:
            return Response(f"body is not a {source.value} job", status_code=400)
        if record.scope not in upstreams.get(source).scopes or not tokens.accept(token, record.native_id):
            return Response(status_code=403)
        services.cache.evict("job", (upstreams.cache_scope(source), record.key))
        await services.live.watcher.notify_changed(JobRef.of(record), record)
        return Response(status_code=204)

    return router
