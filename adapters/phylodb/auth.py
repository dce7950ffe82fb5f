"""phyloDB's two-part credential: a Bearer token plus the ``provider`` that issued it.

phyloDB checks both on every request (``Authorization: Bearer <token>`` and the
``provider`` query parameter, ``google`` or ``phyloviz``), so both are added by
one ``httpx.Auth`` and no call site can forget either.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

PROVIDERS = ("google", "phyloviz")


class BearerProviderAuth(httpx.Auth):
    def __init__(self, token: str, provider: str) -> None:
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {PROVIDERS}")
        self._token = token
        self._provider = provider

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        request.url = request.url.copy_set_param("provider", self._provider)
        yield request
