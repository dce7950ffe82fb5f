"""Records to JSON and back, by their type hints: what the state store keeps is plain JSON.

Handles frozen dataclasses (nested), ``X | None``, ``tuple[X, ...]``, ``list``,
``Mapping``/``dict`` (string keys), ``datetime`` (ISO-8601), enums (their value),
``Source`` and the JSON scalars. ``Any`` fields (an upstream's raw record) pass through.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar, get_args, get_origin

from adapters.model import Source

T = TypeVar("T")


def dumps(value: object) -> bytes:
    return json.dumps(_plain(value), separators=(",", ":"), default=str).encode()


def loads(cls: type[T], data: bytes) -> T:
    value: T = _build(cls, json.loads(data))
    return value


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # What __init__ takes: a field it does not (a cached hash, say) is derived again on loading.
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, Source):
        return value.value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_plain(v) for v in value]
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(hint: Any, value: Any) -> Any:
    if value is None or hint is Any or hint is object:
        return value
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in get_args(hint) if a is not type(None)]
        return _build(members[0], value) if len(members) == 1 else value
    if origin is tuple:
        args = get_args(hint)
        item = args[0] if args else Any
        return tuple(_build(item, v) for v in value)
    if origin in (list, frozenset, set):
        (item,) = get_args(hint) or (Any,)
        return origin(_build(item, v) for v in value)
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        args = get_args(hint)
        item = args[1] if len(args) == 2 else Any
        return {k: _build(item, v) for k, v in value.items()}
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            hints = _hints(hint)
            return hint(
                **{
                    f.name: _build(hints[f.name], value.get(f.name))
                    for f in dataclasses.fields(hint)
                    if f.init and f.name in value
                }
            )
        if issubclass(hint, Source):
            return Source(value)
        if issubclass(hint, enum.Enum):
            return hint(value)
        if hint is datetime:
            return datetime.fromisoformat(value)
    return value
