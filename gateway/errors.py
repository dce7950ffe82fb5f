"""How failures reach GraphQL clients: codes in ``extensions``, partial results, masking.

Expected problems (bad id, bad cursor, a source that failed) become GraphQL
errors with ``extensions.code`` and, for upstream trouble, the source and the
error kind. Anything else is an unexpected exception: it is logged with a
request id and shown to the client only as "Internal server error".
"""

from __future__ import annotations

from typing import Any

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import Source


class GatewayError(Exception):
    """A client-facing error with a stable code (BAD_USER_INPUT, NOT_FOUND, ...)."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT", **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions = extensions


class FilterNotSupported(UpstreamError):
    """A source left out of a list because it has no data for a filter (``Capabilities.no_data_for``)."""

    def __init__(self, source: Source, filters: list[str]) -> None:
        named = ", ".join(f"filter.{f}" for f in filters)
        super().__init__(
            ErrorKind.NOT_SUPPORTED,
            source,
            f"{source.value} has no data for {named}; it is left out of this list rather than shown as empty",
        )
        self.filters = filters


def upstream_extensions(err: UpstreamError) -> dict[str, Any]:
    if isinstance(err, FilterNotSupported):
        return {"code": "FILTER_NOT_SUPPORTED", "source": err.source.value, "filters": err.filters}
    ext: dict[str, Any] = {"code": f"UPSTREAM_{err.kind.value}", "source": err.source.value, "kind": err.kind.value}
    if err.status is not None:
        ext["upstreamStatus"] = err.status
    if err.retry_after is not None:
        ext["retryAfter"] = err.retry_after
    return ext
