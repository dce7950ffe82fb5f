"""What one client request did, gathered while it runs: the fields of its access-log line.

The app's request log (``gateway.logs``) opens a ``RequestActivity`` per HTTP request or
WebSocket connection and makes it current (a contextvar, so the tasks a request starts
share it); the GraphQL layer adds the operation and its error codes, and the upstream
observer every upstream call with its outcome. Nothing here formats or writes a log.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from adapters.model import Source

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

MAX_OPERATIONS = 20
"""Operations named in one access line; a WebSocket connection may run thousands."""


def request_id_from(header: str) -> str:
    """The caller's ``X-Request-ID`` when it is sane, else a fresh one."""
    return header if _REQUEST_ID.match(header) else uuid.uuid4().hex[:16]


@dataclass
class RequestActivity:
    request_id: str
    operations: list[str] = field(default_factory=list)
    """``<type> <name>`` of each GraphQL operation run (one per HTTP request; many over a WebSocket)."""
    error_codes: Counter[str] = field(default_factory=Counter)
    upstream_calls: Counter[str] = field(default_factory=Counter)
    """``<SOURCE> <operation> <outcome>`` -> count; outcome is ``ok`` or an error kind."""

    more_operations: int = 0
    """Operations beyond ``MAX_OPERATIONS`` (a long-lived WebSocket), counted but not named."""

    def add_operation(self, kind: str, name: str | None, codes: list[str]) -> None:
        if len(self.operations) < MAX_OPERATIONS:
            self.operations.append(f"{kind} {(name or 'anonymous')[:64]}")
        else:
            self.more_operations += 1
        self.error_codes.update(codes)


_CURRENT: ContextVar[RequestActivity | None] = ContextVar("job_gateway_request", default=None)


def current() -> RequestActivity | None:
    return _CURRENT.get()


def begin(request_id: str) -> tuple[RequestActivity, Token[RequestActivity | None]]:
    """Make a new activity current; returns it and the token ``end`` needs."""
    activity = RequestActivity(request_id)
    return activity, _CURRENT.set(activity)


def end(token: Token[RequestActivity | None]) -> None:
    _CURRENT.reset(token)


def observe_upstream(source: Source, operation: str, outcome: str, seconds: float) -> None:
    """A ``RequestObserver``: counts the call on the request that made it (if any)."""
    activity = _CURRENT.get()
    if activity is not None:
        activity.upstream_calls[f"{source.value} {operation} {outcome}"] += 1
