"""Push instead of poll: the route upstreams' callbacks arrive at, ``/webhooks/<source>/<token>``.

Serves every configured source that is a ``CallbackSource`` (Leia's
``callback_url``); tokens come from ``gateway.callbacks``. A callback is a hint:
the source's adapter says only which job the body names, the token must have
been issued for that job, and then ``CallbackReads`` reads the job from the
upstream and publishes what the upstream says. Whatever status the body claims
is never published, so a forged POST changes nothing any client can see.

Answers: 204 once the job was read (or a read of it is already due), 404 for an
unknown source or token, 400 for a body that names no job, 403 for a job the
token was not issued for, 413 for a body over 1 MiB, 503 when the upstream
could not be read (the upstream may retry; polling still covers the job).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response

from adapters.base import CallbackSource
from gateway.callbacks import CallbackRead
from gateway.services import Services

MAX_BODY_BYTES = 1 << 20


def webhook_router(services: Services) -> APIRouter:
    router = APIRouter()
    tokens = services.callbacks
    reads = services.callback_reads
    upstreams = services.upstreams
    by_path = {s.value.lower(): s for s in upstreams.sources}

    @router.post("/webhooks/{source_name}/{token}", include_in_schema=False)
    async def callback(source_name: str, token: str, request: Request) -> Response:
        source = by_path.get(source_name)
        if tokens is None or reads is None or source is None or not await tokens.known(token):
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
        except (ValueError, RecursionError):
            # RecursionError: deeply nested arrays ("[" x 100,000) exhaust the decoder's stack.
            return Response("body must be the Job JSON", status_code=400)
        try:
            key = adapter.job_of_callback(payload)
        except Exception:
            return Response(f"body is not a {source.value} job", status_code=400)
        if key.scope not in upstreams.get(source).scopes or not await tokens.accept(token, key.native_id):
            return Response(status_code=403)
        if await reads.refresh(token, source, key) is CallbackRead.FAILED:
            return Response(f"{source.value} could not be read; try again later", status_code=503)
        return Response(status_code=204)

    return router
