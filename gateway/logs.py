"""Logging for ``job-gateway``: one handler, JSON or text lines, one access line per request, tokens redacted.

``configure`` replaces whatever handlers exist with one on the root logger, so each
record is written once (uvicorn gets ``log_config=None`` and propagates to it). The
JSON format writes one object per line: ``ts``, ``level``, ``logger``, ``message``
and the record's structured fields (``extra=``), such as an upstream failure's
``source`` and ``kind``.

``RequestLog`` replaces uvicorn's access log: one ``job_gateway.access`` line per
HTTP request (per connection for a WebSocket) with the request id, the trace id,
the GraphQL operations run, the duration, the upstream calls made and the error
codes answered. Never logged: headers (client tokens), variables, bodies. Paths
go through ``redact``: a webhook path carries its unguessable token
(``/webhooks/leia/<token>``), which is a credential.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import activity

FORMATS = ("text", "json")

_WEBHOOK_TOKEN = re.compile(r"(/webhooks/[^/\s\"']+/)[^/\s\"'?#]+")

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's terminal-coloured copy of the message, with escape codes
}
"""Attributes every record has: anything else on a record came from ``extra=`` and is a structured field."""

access_log = logging.getLogger("job_gateway.access")

PROBE_PATHS = frozenset({"/healthz", "/readyz"})


def redact(text: str) -> str:
    """``text`` with webhook tokens replaced by ``***``."""
    return _WEBHOOK_TOKEN.sub(r"\1***", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        if fields:
            text += " " + " ".join(f"{k}={json.dumps(v, default=str)}" for k, v in fields.items())
        return redact(text)


QUIET: ContextVar[bool] = ContextVar("job_gateway_quiet_server", default=False)
"""Set in the task of a server running beside the gateway (``--simulate``'s simulators): uvicorn
logs every server on one logger, so their start-up lines would read like the gateway's, twice."""

CHATTY = ("httpx", "httpcore")
"""Libraries that log each request with its full URL at INFO: a URL may carry a credential
(a login path, a provider parameter), and ``job_gateway.upstream`` says what matters."""


class _DropQuiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (QUIET.get() and record.levelno < logging.WARNING and record.name.startswith("uvicorn"))


def configure(fmt: str, level: str) -> None:
    """One handler on the root logger for every record of the process; ``fmt`` is ``json`` or ``text``."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_DropQuiet())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # Whatever an earlier uvicorn config attached would write each line a second time.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


class RequestLog:
    """ASGI middleware writing one access line per request (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        running, token = activity.begin(activity.request_id_from(header))
        status: list[int] = []
        forward = send  # a WebSocket: no status line, no headers of ours (nor a closure a held one keeps)

        if scope["type"] == "http":

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status.append(message["status"])
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"x-request-id", running.request_id.encode())]
                await send(message)

            forward = sending

        started = time.perf_counter()
        try:
            await self.app(scope, receive, forward)
        finally:
            activity.end(token)
            self._write(scope, running, status[0] if status else None, time.perf_counter() - started)

    @staticmethod
    def _write(scope: Scope, running: activity.RequestActivity, status: int | None, seconds: float) -> None:
        path = redact(scope.get("path", ""))
        # Probes come every few seconds from every orchestrator: at DEBUG, or they drown the rest.
        level = logging.DEBUG if path in PROBE_PATHS else logging.INFO
        if not access_log.isEnabledFor(level):
            return
        span = trace.get_current_span().get_span_context()
        method = scope.get("method", "WS")
        fields: dict[str, Any] = {
            "request_id": running.request_id,
            "trace_id": format(span.trace_id, "032x") if span.is_valid else None,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "operations": running.operations,
            **({"more_operations": running.more_operations} if running.more_operations else {}),
            "upstream_calls": dict(running.upstream_calls),
            "error_codes": dict(running.error_codes),
        }
        access_log.log(level, "%s %s %s", method, path, status if status is not None else "-", extra=fields)
