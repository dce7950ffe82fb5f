"""The request context and endpoint table shared by the Scale simulator's views."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulators.kit import SimClock
from simulators.scale.query import ApiError, Params
from simulators.scale.store import Store


@dataclass
class Ctx:
    """What a view sees: the request, the store and the instant it happens at."""

    request: Request
    store: Store
    clock: SimClock
    now: datetime
    params: Params
    _body: Any = field(default=None)

    def path(self, name: str) -> Any:
        return self.request.path_params[name]

    @property
    def url(self) -> str:
        return str(self.request.url)

    def absolute(self, path: str) -> str:
        return str(self.request.base_url).rstrip("/") + path

    async def json(self) -> Any:
        """The body as DRF's JSON parser reads it (an empty body is an empty object)."""
        raw = await self.request.body()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, {"detail": f"JSON parse error - {exc}"}) from None


View = Callable[[Ctx], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint:
    path: str
    views: dict[str, View]
    open_posts: bool = False
    """Non-staff users may POST here too (Scale's validation endpoints)."""


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def accepted() -> Response:
    return Response(b"", status_code=202, media_type="application/json")
