"""Fault injection for simulators: an ASGI middleware plus the ``{base}/_sim/*`` admin routes.

``POST {base}/_sim/faults`` with a JSON object sets the faults (``{}`` clears
them); ``GET`` shows them. ``GET {base}/_sim/stats`` counts the API requests served.
``POST {base}/_sim/clock`` with ``{"advance_s": N}``
moves the simulated clock. Admin routes are never subject to faults.

Fault fields (all optional):
- ``latency_ms``: fixed added latency; ``latency_jitter_ms``: plus uniform random 0..N.
- ``error_rate`` (0..1) with ``status`` (default 503): answer that status instead.
- ``burst_429``: the next N requests get 429 with ``Retry-After: retry_after_s`` (default 1).
- ``hang_rate`` (0..1): the request never answers; it ends when the client disconnects.
- ``malformed_rate`` (0..1): a 200 whose body is not valid JSON.
- ``drop_rate`` (0..1): the connection is closed without an answer.

A scripted timeline (``kit.timeline``, ``--faults FILE``) adds faults for periods
of simulated time; ``schedule`` holds this simulator's part of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulators.kit.clock import SimClock

if TYPE_CHECKING:
    from simulators.kit.timeline import ScheduledFault


@dataclass
class Faults:
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0
    status: int = 503
    burst_429: int = 0
    retry_after_s: float = 1.0
    hang_rate: float = 0.0
    malformed_rate: float = 0.0
    drop_rate: float = 0.0

    @classmethod
    def parse(cls, data: Any) -> Faults:
        if not isinstance(data, dict):
            raise ValueError("faults must be a JSON object")
        known = {f.name: f for f in fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            if name.endswith("_rate") and not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
            if value < 0:
                raise ValueError(f"{name} must be >= 0")
            values[name] = int(value) if name in ("status", "burst_429") else float(value)
        return cls(**values)


HANG_LIMIT_S = 3600.0
"""A hung request gives up on its own after this long, should the client never hang up."""

ErrorBody = Callable[[int, str], tuple[bytes, bytes]]
"""Renders an injected error in the upstream's own shape: ``(status, message) -> (body, content type)``."""


def default_error_body(status: int, message: str) -> tuple[bytes, bytes]:
    return json.dumps({"status": status, "message": message}).encode(), b"application/json"


class _DropConnection(Exception):
    """Raised inside the ASGI call so the server closes the socket without answering."""


class FaultInjector:
    """Wraps one simulator app; ``base`` is the path prefix the app is mounted at ("" if none)."""

    def __init__(
        self,
        app: ASGIApp,
        clock: SimClock,
        *,
        seed: int = 0,
        faults: Faults | None = None,
        error_body: ErrorBody | None = None,
    ) -> None:
        self.app = app
        self.error_body = error_body or default_error_body
        self.clock = clock
        self.faults = faults or Faults()
        self.requests = 0
        """API requests served (admin routes not counted): ``GET {base}/_sim/stats``, for benchmarks."""
        self._rng = random.Random(seed)
        self.schedule: Sequence[ScheduledFault] = ()
        """Scripted fault periods (``kit.timeline``), on simulated minutes since ``origin``."""
        self.origin: datetime = clock.now()

    def active(self) -> Faults:
        """The faults in force now: the run-time ones, overridden by any scheduled period covering now."""
        if not self.schedule:
            return self.faults
        minute = (self.clock.now() - self.origin).total_seconds() / 60
        scheduled: dict[str, Any] = {}
        for entry in self.schedule:
            if entry.covers(minute):
                scheduled.update(entry.fields)
        return replace(self.faults, **scheduled) if scheduled else self.faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        root: str = scope.get("root_path", "")
        local = path[len(root) :] if root and path.startswith(root) else path
        if local.startswith("/_sim/"):
            await self._admin(local, scope, receive, send)
            return
        await self._with_faults(scope, receive, send)

    async def _with_faults(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.requests += 1
        f = self.active()
        delay = f.latency_ms + (self._rng.uniform(0, f.latency_jitter_ms) if f.latency_jitter_ms else 0)
        if delay:
            await asyncio.sleep(delay / 1000)
        if self.faults.burst_429 > 0:
            # Only run-time faults count a burst down (a timeline cannot schedule one).
            self.faults.burst_429 -= 1
            body, ctype = self.error_body(429, "Too Many Requests")
            retry_after = str(max(1, round(f.retry_after_s))).encode()
            await _send_raw(send, 429, body, ctype, [(b"retry-after", retry_after)])
            return
        if f.hang_rate and self._rng.random() < f.hang_rate:
            await _until_disconnect(receive)
            return
        if f.drop_rate and self._rng.random() < f.drop_rate:
            # Raising after the response has started makes the server close the
            # socket mid-answer: the client sees a dropped connection, not a 500.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
            raise _DropConnection("simulated dropped connection")
        if f.error_rate and self._rng.random() < f.error_rate:
            body, ctype = self.error_body(f.status, "injected fault")
            await _send_raw(send, f.status, body, ctype)
            return
        if f.malformed_rate and self._rng.random() < f.malformed_rate:
            await _send_raw(send, 200, b'{"truncated": ', b"application/json")
            return
        await self.app(scope, receive, send)

    async def _admin(self, local: str, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        body = await _read_body(receive)
        try:
            data = json.loads(body) if body else {}
        except json.JSONDecodeError:
            await _send_json(send, 400, {"message": "body must be JSON"})
            return
        if local == "/_sim/faults" and method == "GET":
            await _send_json(send, 200, asdict(self.faults))
        elif local == "/_sim/faults" and method == "POST":
            try:
                self.faults = Faults.parse(data)
            except ValueError as exc:
                await _send_json(send, 400, {"message": str(exc)})
                return
            await _send_json(send, 200, asdict(self.faults))
        elif local == "/_sim/clock" and method in ("GET", "POST"):
            try:
                if method == "POST":
                    self.clock.advance(float(data.get("advance_s", 0)))
            except (TypeError, ValueError) as exc:
                await _send_json(send, 400, {"message": str(exc)})
                return
            await _send_json(send, 200, {"now": self.clock.now().isoformat(), "speed": self.clock.speed})
        elif local == "/_sim/stats" and method == "GET":
            await _send_json(send, 200, {"requests": self.requests})
        else:
            await _send_json(send, 404, {"message": "unknown simulator admin route"})


async def _until_disconnect(receive: Receive, limit_s: float = HANG_LIMIT_S) -> None:
    """Never answer: wait until the client hangs up (``http.disconnect``), so the server ends the request quietly."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(limit_s):
            while (await receive())["type"] != "http.disconnect":
                pass


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send_json(send: Send, status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await _send_raw(send, status, json.dumps(payload).encode(), b"application/json", headers)


async def _send_raw(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    all_headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": all_headers + (headers or [])})
    await send({"type": "http.response.body", "body": body})
