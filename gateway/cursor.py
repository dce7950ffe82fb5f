"""Opaque, authenticated Relay cursors for connections spanning several sources.

A cursor carries, for every source stream involved, where that stream stands
(an adapter position, "not started", or "exhausted"), plus a fingerprint of the
connection's filter. Clients must not read or forge it: adapter positions name
upstream scopes (phyloDB project ids, WordLift graphs) and offsets, so the
payload is encrypted and authenticated with AES-GCM under a key derived from
the configured ``cursor_secret``, or, when none is configured, a random secret
generated once and kept in the state store; the same secret keeps cursors valid
across restarts and replicas.

Layout, base64url without padding::

    version (1 byte, also authenticated) | nonce (12) | AES-GCM(flag | fingerprint (8) | body) + tag (16)

``body`` is the positions as compact JSON (streams not started are left out,
"exhausted" is ``0``), raw-deflated when that is shorter (``flag`` says which).
Refusals: a cursor that is not even shaped like one is "malformed"; one that
fails authentication (another key, an older format, or altered) is "expired or
issued by another deployment"; an authentic one minted for another connection
or filter says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

EXHAUSTED = "\x00done"
"""Position meaning the source has nothing more; never asked again."""

MAX_CURSOR_CHARS = 8192

_VERSION = b"\x02"  # the HMAC-signed JSON cursors before were, implicitly, version 1
_NONCE = 12
_TAG = 16
_FINGERPRINT = 8
_RAW, _DEFLATED = 0, 1
_KDF_INFO = b"job-gateway cursor key v2"
_OLDEST_SHAPE = 18
"""Bytes of the shortest cursor any version issued (a signed ``{}``): shorter is garbage, not a stale cursor."""
_FOREIGN = "cursor expired or issued by another deployment; start again from the first page"


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CursorState:
    positions: Mapping[str, str | None]
    """Source name -> adapter position (``None``: from the start; ``EXHAUSTED``: done)."""


def derive_key(secret: bytes) -> bytes:
    """The AES-256 key for ``secret``: HKDF, so a passphrase-like secret still gives a uniform key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(secret)


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        self._aead = AESGCM(derive_key(secret))

    def use_secret(self, secret: bytes) -> None:
        """Seal and open cursors with ``secret`` from now on (the one kept in the state store)."""
        self._aead = AESGCM(derive_key(secret))

    def encode(self, state: CursorState, fingerprint: str) -> str:
        positions = {k: (0 if v == EXHAUSTED else v) for k, v in state.positions.items() if v is not None}
        body = json.dumps(positions, separators=(",", ":"), sort_keys=True).encode()
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = deflater.compress(body) + deflater.flush()
        flag, body = (_DEFLATED, packed) if len(packed) < len(body) else (_RAW, body)
        plain = bytes([flag]) + _fingerprint_bytes(fingerprint) + body
        nonce = os.urandom(_NONCE)
        token = _VERSION + nonce + self._aead.encrypt(nonce, plain, _VERSION)
        return base64.urlsafe_b64encode(token).decode().rstrip("=")

    def decode(self, cursor: str, fingerprint: str) -> CursorState:
        if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_CHARS:
            raise InvalidCursor("malformed cursor")
        try:
            token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor("malformed cursor: not one this gateway issued") from None
        if len(token) < _OLDEST_SHAPE:
            raise InvalidCursor("malformed cursor: not one this gateway issued")
        version, nonce, sealed = token[:1], token[1 : 1 + _NONCE], token[1 + _NONCE :]
        # Another deployment's key, a rotated secret, a cursor from before this format, or one
        # altered in transit: all look alike once encrypted, and all mean "start over".
        if version != _VERSION or len(token) < 1 + _NONCE + _TAG + 1 + _FINGERPRINT:
            raise InvalidCursor(_FOREIGN)
        try:
            plain = self._aead.decrypt(nonce, sealed, version)
        except InvalidTag:
            raise InvalidCursor(_FOREIGN) from None
        flag, mark, body = plain[0], plain[1 : 1 + _FINGERPRINT], plain[1 + _FINGERPRINT :]
        if mark != _fingerprint_bytes(fingerprint):
            raise InvalidCursor("invalid cursor: issued for another connection or filter")
        return CursorState(_positions(flag, body))


def _positions(flag: int, body: bytes) -> dict[str, str | None]:
    # Only our own (authenticated) bytes get here: a failure is a bug in a past encoder, still not a 500.
    try:
        if flag == _DEFLATED:
            body = zlib.decompressobj(-15).decompress(body, MAX_CURSOR_CHARS * 4)
        elif flag != _RAW:
            raise ValueError(flag)
        positions = json.loads(body)
    except (ValueError, zlib.error):
        raise InvalidCursor("malformed cursor") from None
    if not isinstance(positions, dict) or not all(
        isinstance(k, str) and (isinstance(v, str) or (type(v) is int and v == 0)) for k, v in positions.items()
    ):
        raise InvalidCursor("malformed cursor")
    return {k: v if isinstance(v, str) else EXHAUSTED for k, v in positions.items()}


def _fingerprint_bytes(fingerprint: str) -> bytes:
    return hashlib.sha256(fingerprint.encode()).digest()[:_FINGERPRINT]


def fingerprint(*parts: object) -> str:
    """A stable digest of what defines a connection (its name and filter)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
