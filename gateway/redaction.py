"""Keeps WebSocket frames and handshake headers out of every log, at every level.

The ``websockets`` library logs each frame it sends or receives (``< TEXT '...'``)
and each handshake header (``< authorization: Bearer ...``) at DEBUG, and uvicorn
hands it the ``uvicorn.error`` logger: with ``--log-level debug`` a client's
``connection_init`` payload, bearer token included, would reach the log. Those
records all use websockets' wire format, a message starting with ``<`` or ``>``
(in or out); ``install`` drops them on the loggers that carry them. What is
left at DEBUG (connection opened, closed) names no payload.
"""

from __future__ import annotations

import logging

WIRE_LOGGERS = (
    "uvicorn.error",
    "websockets",
    "websockets.server",
    "websockets.client",
    "websockets.protocol",
    "websockets.legacy.server",
    "websockets.legacy.protocol",
)
"""Loggers the websockets library writes frames to: uvicorn's, and its own defaults."""


class DropWireRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg
        return not (isinstance(message, str) and message[:2] in ("< ", "> "))


_FILTER = DropWireRecords()


def install() -> None:
    """Idempotent: adding the same filter object to a logger twice keeps one."""
    for name in WIRE_LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)
