"""JSON in and out on the hot paths: orjson where it can, the standard library where only it can.

Upstream bodies are decoded, and GraphQL answers encoded, once per request or more:
orjson does both several times faster than ``json``. It is narrower in two ways,
and each falls back to ``json`` so nothing that worked before fails now: integers
beyond 64 bits (an upstream may send one), and values orjson does not know
(encoding). Invalid JSON is still invalid: ``loads`` raises ``json.JSONDecodeError``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        # Also what orjson says of a 65-bit integer: let json decide (it reads those, and
        # raises its own JSONDecodeError on what really is not JSON).
        return json.loads(data)


def dumps(value: object) -> bytes:
    """Compact JSON as UTF-8 bytes."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
