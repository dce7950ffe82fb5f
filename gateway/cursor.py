"""Opaque, integrity-checked Relay cursors for connections spanning several sources.

A cursor carries, for every source involved, where that source's stream stands
(an adapter position, "not started", or "exhausted"), plus a fingerprint of the
connection's filter: a cursor from another connection or filter, or one edited
by hand, fails the HMAC check and is refused with a clear error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

EXHAUSTED = "\x00done"
"""Position meaning the source has nothing more; never asked again."""


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CursorState:
    positions: Mapping[str, str | None]
    """Source name -> adapter position (``None``: from the start; ``EXHAUSTED``: done)."""


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, payload: bytes, fingerprint: str) -> bytes:
        return hmac.new(self._secret, payload + b"|" + fingerprint.encode(), hashlib.sha256).digest()[:16]

    def encode(self, state: CursorState, fingerprint: str) -> str:
        payload = json.dumps(dict(state.positions), separators=(",", ":"), sort_keys=True).encode()
        token = self._mac(payload, fingerprint) + payload
        return base64.urlsafe_b64encode(token).decode().rstrip("=")

    def decode(self, cursor: str, fingerprint: str) -> CursorState:
        if not isinstance(cursor, str) or not cursor or len(cursor) > 8192:
            raise InvalidCursor("invalid cursor")
        try:
            token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor("invalid cursor: not one this gateway issued") from None
        mac, payload = token[:16], token[16:]
        if len(mac) < 16 or not hmac.compare_digest(mac, self._mac(payload, fingerprint)):
            raise InvalidCursor("invalid cursor: tampered, or issued for another connection or filter")
        try:
            positions = json.loads(payload)
        except ValueError:
            raise InvalidCursor("invalid cursor") from None
        if not isinstance(positions, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in positions.items()
        ):
            raise InvalidCursor("invalid cursor")
        return CursorState(positions)


def fingerprint(*parts: object) -> str:
    """A stable digest of what defines a connection (its name and filter)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
