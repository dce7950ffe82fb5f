"""What the Amperity simulator checks before any route: rate limit, Bearer token, API version, tenant.

Order of checks (the docs do not say): rate limit (per ``amperity-tenant``
value) -> token (401) -> version (400) -> tenant (400 when the header is
missing, 403 when the token has no access to it). The rate limit is a token
bucket of ``rate`` requests per second with bursts up to ``rate`` and runs on
real time, not on the simulated clock: it is about how fast a client calls, and
a frozen clock must not freeze it.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from simulators.amperity.model import Store

API_VERSIONS = frozenset({"2024-04-01"})
Handler = Callable[[Request], Awaitable[Response]]


class ErrorRenderer:
    """Amperity's error body: ``{status, message}`` plus the optional ``request_id`` and ``trace_id`` the docs show."""

    def __init__(self, seed: int) -> None:
        # Its own random stream, so errors never shift the ids the data draws.
        self._rng = random.Random(f"{seed}:amperity:requests")

    def body(self, status: int, message: str) -> tuple[bytes, bytes]:
        payload = {
            "status": status,
            "message": message,
            "request_id": _uuid_like(self._rng),
            "trace_id": "".join(self._rng.choice("0123456789abcdef") for _ in range(32)),
        }
        return json.dumps(payload).encode(), b"application/json"

    def response(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        body, ctype = self.body(status, message)
        return Response(body, status_code=status, media_type=ctype.decode(), headers=headers)


def _uuid_like(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


class TokenBuckets:
    """One token bucket per tenant key."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float | None:
        """``None`` if the request may pass, else the seconds until it could."""
        now = time.monotonic()
        tokens, updated = self._buckets.get(key, (self.rate, now))
        tokens = min(self.rate, tokens + (now - updated) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return None
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate


class Gate:
    def __init__(self, store: Store, errors: ErrorRenderer, rate_limit_per_s: float | None) -> None:
        self.store = store
        self.errors = errors
        self.buckets = TokenBuckets(rate_limit_per_s) if rate_limit_per_s else None

    def guard(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            self.store.requests += 1
            refused = self.check(request)
            return refused if refused is not None else await handler(request)

        return guarded

    def check(self, request: Request) -> Response | None:
        tenant = request.headers.get("amperity-tenant")
        if self.buckets is not None:
            wait = self.buckets.take(tenant or "")
            if wait is not None:
                self.store.rate_limited += 1
                retry_after = str(max(1, math.ceil(wait)))
                return self.errors.response(429, "Too many requests", {"Retry-After": retry_after})
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.store.token:
            return self.errors.response(401, "Authentication required: the access token is missing, invalid or expired")
        version = request.headers.get("api-version") or request.query_params.get("api_version")
        if not version:
            return self.errors.response(
                400, "Missing API version: send the api-version header or api_version parameter"
            )
        if version not in API_VERSIONS:
            return self.errors.response(400, f"Unsupported API version: {version}")
        if not tenant:
            return self.errors.response(400, "Missing required header: amperity-tenant")
        if tenant != self.store.tenant:
            return self.errors.response(403, f"Not authorized for tenant {tenant}")
        return None
