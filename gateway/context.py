"""What every resolver gets: the configured upstreams, per-request loaders, error reporting."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from strawberry.fastapi import BaseContext

from adapters.errors import UpstreamError
from adapters.model import NativeKey, Source
from gateway.cache import RecordCache
from gateway.cursor import CursorCodec
from gateway.errors import upstream_extensions
from gateway.loaders import Loaders
from gateway.reads import PageLimits, Reads
from gateway.upstreams import Upstreams


@dataclass
class Services:
    """Process-wide parts, built once by the app factory."""

    upstreams: Upstreams
    codec: CursorCodec
    cache: RecordCache
    limits: PageLimits = field(default_factory=PageLimits)
    extras: dict[str, Any] = field(default_factory=dict)


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Context(BaseContext):
    """Strawberry sets ``request`` (or ``websocket``) on it after construction."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self._request_id: str | None = None
        self.connection_params: dict[str, Any] | None = None
        self.upstreams = services.upstreams
        self.loaders = Loaders(services.upstreams, services.cache)
        self.reads = Reads(self, services.upstreams, services.codec, services.limits)
        self.partial_errors: list[GraphQLError] = []

    @property
    def request_id(self) -> str:
        """The caller's ``X-Request-ID`` when it is sane, else a fresh one; appears in logs and masked errors."""
        if self._request_id is None:
            conn = self.request or getattr(self, "websocket", None)
            header = conn.headers.get("x-request-id", "") if conn is not None else ""
            self._request_id = header if _REQUEST_ID.match(header) else uuid.uuid4().hex[:16]
        return self._request_id

    def report(self, path: Sequence[str | int], err: UpstreamError) -> None:
        """Record a failing source; its error joins the response while other data still returns."""
        message = f"{err.source.value} failed: {err.message}"
        self.partial_errors.append(GraphQLError(message, path=list(path), extensions=upstream_extensions(err)))

    async def load_job(self, source: Source, key: NativeKey) -> Any:
        from gateway.schema.nodes import Job

        if source not in self.upstreams:
            return None
        record = await self.loaders.job(source, key)
        return None if record is None else Job.from_record(record)

    async def load_job_type(self, source: Source, key: NativeKey) -> Any:
        from gateway.schema.nodes import JobType

        if source not in self.upstreams:
            return None
        record = await self.loaders.job_type(source, key)
        return None if record is None else JobType.from_record(record)

    async def load_ingest_run(self, source: Source, key: NativeKey) -> Any:
        from gateway.schema.nodes import IngestRun

        if source not in self.upstreams:
            return None
        record = await self.loaders.ingest_run(source, key)
        return None if record is None else IngestRun.from_record(record)
