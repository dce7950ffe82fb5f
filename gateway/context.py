"""What every resolver gets: the services, per-request loaders and reads, partial-result errors.

The GraphQL layer's glue: Strawberry builds one ``Context`` per operation (one per
connection over WebSocket) and sets ``request`` or ``websocket`` on it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
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


@dataclass
class OperationState:
    """What one operation gathers while it runs: its partial-result errors and the age of its list pages.

    Over a WebSocket one ``Context`` serves every operation of the connection: kept on the
    context, one query's upstream errors and data ages would show in the next one's answer.
    Each operation runs in a task of its own, so a context variable set when it starts
    (``open_operation``) tells them apart.
    """

    partial_errors: list[GraphQLError] = field(default_factory=list)
    data_age: dict[Source, float] = field(default_factory=dict)
    """Per source, the age in seconds of the oldest list page this operation was served from the freshness window."""


_OPERATION: ContextVar[OperationState | None] = ContextVar("job_gateway_operation", default=None)


def open_operation() -> Token[OperationState | None]:
    """A fresh ``OperationState`` for what runs from now on in this context (the operation's resolvers,
    in its task), until ``close_operation`` with the token this returns."""
    return _OPERATION.set(OperationState())


def close_operation(token: Token[OperationState | None]) -> None:
    with contextlib.suppress(ValueError):  # left in another context: nothing of ours to restore there
        _OPERATION.reset(token)


class Context(BaseContext):
    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self._request_id: str | None = None
        self.connection_params: dict[str, Any] | None = None
        self.upstreams = services.upstreams
        self._outside: OperationState | None = None
        """Where an operation's state goes when no operation is open (a schema without ``OperationScope``)."""

    # Built on first use: a WebSocket connection holds its context as long as it is open, and a
    # subscription by ids loads with loaders of its own, so most held connections never need these.
    @functools.cached_property
    def loaders(self) -> Loaders:
        """This operation's dataloaders (this connection's, over WebSocket)."""
        return Loaders(self.services.upstreams, self.services.cache)

    @functools.cached_property
    def reads(self) -> Reads:
        """Paged, merged reads over the upstreams, through ``loaders``."""
        services = self.services
        return Reads(
            services.upstreams, services.codec, services.limits, self.loaders, self.report, services.fresh, self.aged
        )

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

    @property
    def operation(self) -> OperationState:
        """The running operation's state (see ``OperationState``)."""
        state = _OPERATION.get()
        if state is not None:
            return state
        if self._outside is None:
            self._outside = OperationState()
        return self._outside

    @property
    def partial_errors(self) -> list[GraphQLError]:
        return self.operation.partial_errors

    @property
    def data_age(self) -> dict[Source, float]:
        return self.operation.data_age

    def aged(self, source: Source, age: float) -> None:
        self.data_age[source] = max(age, self.data_age.get(source, 0.0))

    def report(self, path: Sequence[str | int], err: UpstreamError) -> None:
        """Record a failing source; its error joins the response while other data still returns."""
        # A source left out on purpose (a filter it has no data for) did not fail: its message says why.
        message = err.message if isinstance(err, FilterNotSupported) else f"{err.source.value} failed: {err.message}"
        self.partial_errors.append(GraphQLError(message, path=list(path), extensions=upstream_extensions(err)))


Info: TypeAlias = strawberry.Info[Context, None]
"""What every resolver takes: mypy checks each service call through it."""
