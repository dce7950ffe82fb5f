"""What every resolver gets: the services, per-request loaders and reads, partial-result errors.

The GraphQL layer's glue: Strawberry builds one ``Context`` per operation (one per
connection over WebSocket) and sets ``request`` or ``websocket`` on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import strawberry
from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.fastapi import BaseContext

from adapters.errors import UpstreamError
from adapters.model import Source
from gateway import activity
from gateway.errors import FilterNotSupported, upstream_extensions
from gateway.loaders import Loaders
from gateway.reads import Reads
from gateway.services import Services


class Context(BaseContext):
    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self._request_id: str | None = None
        self.connection_params: dict[str, Any] | None = None
        self.upstreams = services.upstreams
        self.loaders = Loaders(services.upstreams, services.cache)
        self.data_age: dict[Source, float] = {}
        """Per source, the age in seconds of the oldest list page this request was served from the freshness window."""
        self.reads = Reads(
            services.upstreams, services.codec, services.limits, self.loaders, self.report, services.fresh, self.aged
        )
        self.partial_errors: list[GraphQLError] = []

    @property
    def request_id(self) -> str:
        """The caller's ``X-Request-ID`` when it is sane, else a fresh one; appears in logs and masked errors."""
        if self._request_id is None:
            # The request log opened the request and chose its id: logs and errors then agree.
            running = activity.current()
            header = self.request.headers.get("x-request-id", "") if self.request is not None else ""
            self._request_id = running.request_id if running is not None else activity.request_id_from(header)
        return self._request_id

    @property
    def credential(self) -> str:
        """What the client authenticated with (header, or WebSocket ``connection_init`` payload); "" if nothing."""
        header = self.request.headers.get("authorization", "") if self.request is not None else ""
        if header or not isinstance(self.request, WebSocket):
            return header
        # WebSocket clients authenticate in connection_init, not in the upgrade request.
        params = self.connection_params if isinstance(self.connection_params, dict) else {}
        value = params.get("Authorization") or params.get("authorization") or params.get("token") or ""
        return value if isinstance(value, str) else ""

    def aged(self, source: Source, age: float) -> None:
        self.data_age[source] = max(age, self.data_age.get(source, 0.0))

    def report(self, path: Sequence[str | int], err: UpstreamError) -> None:
        """Record a failing source; its error joins the response while other data still returns."""
        # A source left out on purpose (a filter it has no data for) did not fail: its message says why.
        message = err.message if isinstance(err, FilterNotSupported) else f"{err.source.value} failed: {err.message}"
        self.partial_errors.append(GraphQLError(message, path=list(path), extensions=upstream_extensions(err)))


Info: TypeAlias = strawberry.Info[Context, None]
"""What every resolver takes: mypy checks each service call through it."""
