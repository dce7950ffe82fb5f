"""Optional client authentication: bearer tokens for HTTP, the same token in ``connection_init``.

Off unless ``[gateway] client_tokens_env`` names an environment variable holding
comma-separated tokens. Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from typing import Any


class ClientAuth:
    def __init__(self, tokens: Iterable[str]) -> None:
        self._tokens = tuple(t for t in (s.strip() for s in tokens) if t)

    @property
    def enabled(self) -> bool:
        return bool(self._tokens)

    def _known(self, token: str) -> bool:
        # Check every token so timing does not reveal which one nearly matched.
        found = False
        for candidate in self._tokens:
            found |= hmac.compare_digest(candidate.encode(), token.encode())
        return found

    def check_header(self, value: str | None) -> bool:
        if not self.enabled:
            return True
        scheme, _, token = (value or "").partition(" ")
        return scheme.lower() == "bearer" and bool(token) and self._known(token.strip())

    def check_params(self, params: Mapping[str, Any] | None) -> bool:
        """``connection_init`` payload: ``{"Authorization": "Bearer <t>"}`` or ``{"token": "<t>"}``."""
        if not self.enabled:
            return True
        params = params or {}
        header = params.get("Authorization") or params.get("authorization")
        if isinstance(header, str) and self.check_header(header):
            return True
        token = params.get("token")
        return isinstance(token, str) and self._known(token)
