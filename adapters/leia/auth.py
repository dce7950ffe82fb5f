"""Leia's token auth as an ``httpx.Auth``: log in with the API key, send the token, re-login once on 401.

- Login is ``POST /login`` with ``{"api_key": ...}`` (never the deprecated
  ``GET /login/{api_key}``, which would put the key in URLs and logs).
- The token goes in a header literally named ``token``.
- Tokens expire after a period of inactivity (sliding, length undocumented):
  on a 401 the flow logs in again ONCE and replays the request; a second 401
  is returned as is (the adapter reports UNAUTHENTICATED).
- Concurrent requests share one login: a lock guards it, and a request that
  got a 401 only logs in again if nobody replaced the token it used meanwhile.
- A 403 from login means the key was refused: ``UpstreamError(UNAUTHENTICATED)``.
  Any other failed login answer is handed back as the response, so the client
  maps it like any other (5xx -> UNAVAILABLE, retried for idempotent calls).
- ``on_login(token, application)`` lets the owner register the token for
  redaction and learn the application id.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

import httpx

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import Source

TOKEN_HEADER = "token"
LoginHook = Callable[[str, Mapping[str, Any]], None]


class LeiaAuth(httpx.Auth):
    requires_response_body = True

    def __init__(self, api_key: str, login_url: str, *, on_login: LoginHook | None = None) -> None:
        self._api_key = api_key
        self._login_url = login_url
        self.on_login = on_login
        self.token: str | None = None
        self.application: Mapping[str, Any] | None = None
        self.logins = 0
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        self.token = None

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = self.token
        if token is None:
            async with self._lock:
                if self.token is None:
                    login = yield self._login_request(request)
                    if not await self._accept(login):
                        return
                token = self.token
        assert token is not None
        request.headers[TOKEN_HEADER] = token
        response = yield request
        if response.status_code != 401:
            return
        async with self._lock:
            if self.token == token:
                self.token = None
                login = yield self._login_request(request)
                if not await self._accept(login):
                    return
            fresh = self.token
        if fresh is None:
            return
        request.headers[TOKEN_HEADER] = fresh
        yield request

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        raise RuntimeError("LeiaAuth only works with httpx.AsyncClient")

    def _login_request(self, original: httpx.Request) -> httpx.Request:
        # Keep the caller's timeouts: a bare Request would wait forever on a hung login.
        extensions = {k: v for k, v in original.extensions.items() if k == "timeout"}
        return httpx.Request("POST", self._login_url, json={"api_key": self._api_key}, extensions=extensions)

    async def _accept(self, response: httpx.Response) -> bool:
        """Store the token of a successful login; ``False`` hands a failed answer back to the client."""
        await response.aread()
        if response.status_code == 403:
            raise UpstreamError(
                ErrorKind.UNAUTHENTICATED, Source.LEIA, "LEIA refused the API key (login answered 403)", status=403
            )
        if not response.is_success:
            return False
        try:
            body = response.json()
        except ValueError:
            body = None
        token = body.get("token") if isinstance(body, dict) else None
        application = body.get("application") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token or not isinstance(application, dict):
            raise UpstreamError(ErrorKind.BAD_RESPONSE, Source.LEIA, "LEIA login answered without a token")
        if self.on_login is not None:
            self.on_login(token, application)  # may refuse the login (wrong application) by raising
        self.token, self.application = token, application
        self.logins += 1
        return True
