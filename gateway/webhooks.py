"""Push instead of poll: Leia's ``callback_url`` pointed at ``/webhooks/leia/{token}``.

Only when ``[gateway] public_base_url`` is configured (Leia must be able to reach
us). Each Leia job submitted through the gateway without a callback of the
client's own gets a fresh random token in its URL; the route accepts a POST
only for a known token and only about the job that token was issued for, so a
forged or replayed callback for another job changes nothing. The token map is
bounded and expires with the job's expected lifetime.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from cachetools import TTLCache
from fastapi import APIRouter, Request, Response

from adapters.model import Source
from gateway.events import JobRef

MAX_BODY_BYTES = 1 << 20


class LeiaWebhooks:
    def __init__(self, public_base_url: str, *, ttl_s: float = 7 * 24 * 3600, maxsize: int = 100_000) -> None:
        self.base = public_base_url.rstrip("/")
        # token -> the native ids of the jobs it speaks for (None until the submit returned the id).
        # More than one only through reruns: a rerun resubmits the same callback URL.
        self._tokens: TTLCache[str, frozenset[str] | None] = TTLCache(maxsize=maxsize, ttl=ttl_s)
        self._by_job: TTLCache[str, str] = TTLCache(maxsize=maxsize, ttl=ttl_s)

    def new_callback_url(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(24)
        self._tokens[token] = None
        return token, f"{self.base}/webhooks/leia/{token}"

    def bind(self, token: str, native_id: str) -> None:
        jobs = self._tokens.get(token) or frozenset()
        self._tokens[token] = jobs | {native_id}
        self._by_job[native_id] = token

    def inherit(self, old_id: str, new_id: str) -> None:
        """A rerun of ``old_id`` became ``new_id`` with the same callback URL: let its token speak for both."""
        token = self._by_job.get(old_id)
        if token is not None and token in self._tokens:
            self.bind(token, new_id)

    def expected_job(self, token: str) -> frozenset[str] | bool | None:
        """The jobs a token is for; ``False`` for an unknown token, ``None`` while the submit has not returned."""
        if token not in self._tokens:
            return False
        return self._tokens[token]

    def accept(self, token: str, native_id: str) -> bool:
        """Whether a callback about ``native_id`` may use ``token``.

        A token still unbound (its job ended before the submit returned) is bound
        to the first job it reports, so it can never speak for another one.
        """
        expected = self.expected_job(token)
        if expected is False:
            return False
        if expected is None:
            self.bind(token, native_id)
            return True
        assert isinstance(expected, frozenset)
        return native_id in expected


def webhook_router(hooks: LeiaWebhooks, services: Any) -> APIRouter:
    router = APIRouter()

    @router.post("/webhooks/leia/{token}", include_in_schema=False)
    async def leia_callback(token: str, request: Request) -> Response:
        expected = hooks.expected_job(token)
        if expected is False:
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
        upstreams = services.upstreams
        if Source.LEIA not in upstreams:
            return Response(status_code=404)
        adapter = upstreams.get(Source.LEIA)
        try:
            record = adapter.record_from_callback(payload)
        except Exception:
            return Response("body is not a Leia Job", status_code=400)
        if record.scope not in adapter.scopes or not hooks.accept(token, record.native_id):
            return Response(status_code=403)
        services.cache.evict("job", (upstreams.cache_scope(Source.LEIA), record.key))
        await services.extras["live"].watcher.notify_changed(JobRef.of(record), record)
        return Response(status_code=204)

    return router
