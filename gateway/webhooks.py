"""Push instead of poll: Leia's ``callback_url`` pointed at ``/webhooks/leia/{token}``.

Only when ``[gateway] public_base_url`` is configured (Leia must be able to reach
us). Each Leia job submitted through the gateway without a callback of the
client's own gets a fresh random token in its URL; the route accepts a POST
only for a known token and only about the job that token was issued for, so a
forged or replayed callback for another job changes nothing. The token map is
bounded and expires with the job's expected lifetime.
"""

from __future__ import annotations

import secrets
from typing import Any

from cachetools import TTLCache
from fastapi import APIRouter, Request, Response

from adapters.model import Source
from gateway.events import JobRef


class LeiaWebhooks:
    def __init__(self, public_base_url: str, *, ttl_s: float = 7 * 24 * 3600, maxsize: int = 100_000) -> None:
        self.base = public_base_url.rstrip("/")
        # token -> native job id (None until the submit returned the id)
        self._tokens: TTLCache[str, str | None] = TTLCache(maxsize=maxsize, ttl=ttl_s)

    def new_callback_url(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(24)
        self._tokens[token] = None
        return token, f"{self.base}/webhooks/leia/{token}"

    def bind(self, token: str, native_id: str) -> None:
        self._tokens[token] = native_id

    def expected_job(self, token: str) -> str | bool | None:
        """The job a token is for; ``False`` for an unknown token, ``None`` while the submit has not returned."""
        if token not in self._tokens:
            return False
        return self._tokens[token]

    def accept(self, token: str, native_id: str) -> bool:
        """Whether a callback about ``native_id`` may use ``token``.

        A token still unbound (its job ended before the submit returned) is bound
        to the first job it reports, so it can never speak for a second one.
        """
        expected = self.expected_job(token)
        if expected is False:
            return False
        if expected is None:
            self._tokens[token] = native_id
            return True
        return expected == native_id


def webhook_router(hooks: LeiaWebhooks, services: Any) -> APIRouter:
    router = APIRouter()

    @router.post("/webhooks/leia/{token}", include_in_schema=False)
    async def leia_callback(token: str, request: Request) -> Response:
        expected = hooks.expected_job(token)
        if expected is False:
            return Response(status_code=404)
        try:
            payload = await request.json()
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
