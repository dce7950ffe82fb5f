"""The small set of errors every adapter raises, whatever the upstream said.

An ``UpstreamError`` keeps the upstream's status and message (never a request
header, so never a credential) and names its kind so the GraphQL layer can
answer the same way for every source.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from adapters.model import Source


class ErrorKind(enum.Enum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    CONFLICT = "CONFLICT"
    INVALID = "INVALID"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"
    TIMEOUT = "TIMEOUT"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    BAD_RESPONSE = "BAD_RESPONSE"
    """The upstream answered something we could not read (malformed JSON, wrong shape)."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field-level complaint, e.g. from a 422 ``detail[]`` or a 400 body."""

    path: tuple[str, ...]
    message: str


class UpstreamError(Exception):
    """An upstream call failed in a way the gateway knows how to report."""

    def __init__(
        self,
        kind: ErrorKind,
        source: Source,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        field_errors: tuple[FieldError, ...] = (),
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.source = source
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.field_errors = field_errors
        self.maybe_applied = maybe_applied
        """The request reached the upstream but no answer came back: it may have acted on it."""

    def __repr__(self) -> str:
        return f"UpstreamError({self.kind.value}, {self.source.value}, {self.message!r}, status={self.status})"


def not_supported(source: Source, what: str) -> UpstreamError:
    return UpstreamError(ErrorKind.NOT_SUPPORTED, source, f"{source.value} does not support {what}")


_KIND_BY_STATUS = {
    400: ErrorKind.INVALID,
    401: ErrorKind.UNAUTHENTICATED,
    403: ErrorKind.FORBIDDEN,
    404: ErrorKind.NOT_FOUND,
    405: ErrorKind.NOT_SUPPORTED,
    408: ErrorKind.TIMEOUT,
    409: ErrorKind.CONFLICT,
    410: ErrorKind.NOT_FOUND,
    413: ErrorKind.INVALID,
    422: ErrorKind.INVALID,
    429: ErrorKind.RATE_LIMITED,
    504: ErrorKind.TIMEOUT,
}


def kind_for_status(status: int) -> ErrorKind:
    """The default kind for an HTTP status; adapters override where an upstream differs."""
    if status in _KIND_BY_STATUS:
        return _KIND_BY_STATUS[status]
    if status >= 500:
        return ErrorKind.UNAVAILABLE
    return ErrorKind.INVALID
