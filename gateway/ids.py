"""Opaque global ids: ``base64("<Type>:<SOURCE>:<scope>:<native id>")``.

Scope and native id are percent-quoted so either may hold colons. A tampered,
truncated or foreign id raises ``InvalidId`` with a message safe to show.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from urllib.parse import quote, unquote

from adapters.model import NativeKey, Source

NODE_TYPES = ("Job", "JobType", "IngestRun")


class InvalidId(ValueError):
    """The id is not one this gateway issued."""


@dataclass(frozen=True, slots=True)
class GlobalId:
    type_name: str
    source: Source
    key: NativeKey

    def encode(self) -> str:
        raw = ":".join(
            (self.type_name, self.source.value, quote(self.key.scope, safe=""), quote(self.key.native_id, safe=""))
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@functools.lru_cache(maxsize=65536)
def encode_id(type_name: str, source: Source, scope: str, native_id: str) -> str:
    # Every listed job is given its id whether or not the query asks for it; pages repeat the same jobs.
    return GlobalId(type_name, source, NativeKey(scope, native_id)).encode()


def decode_id(value: str, expected_type: str | None = None) -> GlobalId:
    if not isinstance(value, str) or not value or len(value) > 1024:
        raise InvalidId("not a valid id")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidId(f"not a valid id: {value[:64]!r}") from None
    parts = raw.split(":")
    if len(parts) != 4 or parts[0] not in NODE_TYPES or not parts[3]:
        raise InvalidId(f"not a valid id: {value[:64]!r}")
    source = Source.known(parts[1])
    if source is None:
        raise InvalidId(f"not a valid id: {value[:64]!r}")
    gid = GlobalId(parts[0], source, NativeKey(unquote(parts[2]), unquote(parts[3])))
    # Base64 decoding skips stray characters: only the exact encoding we issue is accepted,
    # so an edited id can never turn into another well-formed one.
    if gid.encode() != value:
        raise InvalidId(f"not a valid id: {value[:64]!r}")
    if expected_type is not None and parts[0] != expected_type:
        raise InvalidId(f"id {value[:64]!r} is a {parts[0]}, not a {expected_type}")
    return gid
