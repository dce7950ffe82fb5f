"""Evaluates a conditional rule's ``conditions`` against the prerequisite job's result.

Syntax (from the spec): ``"field": value`` means equality; ``"field": {"$op": v}``
applies a Mongo-like comparison; ``"field": [{"$op": v}, v2, ...]`` needs every
item to hold (a bare item means ``$eq``). Dotted field names reach into nested
objects. A missing field, or a comparison between incomparable types, is false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

_MISSING = object()

_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "$eq": operator.eq,
    "$ne": operator.ne,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
    "$in": lambda value, options: isinstance(options, list) and value in options,
    "$nin": lambda value, options: isinstance(options, list) and value not in options,
}


def matches(conditions: Mapping[str, Any], result: Any) -> bool:
    """Whether every condition holds for ``result`` (an empty condition set always holds)."""
    return all(_holds(_field(result, name), expected) for name, expected in conditions.items())


def _field(result: Any, name: str) -> Any:
    value = result
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _holds(value: Any, expected: Any) -> bool:
    if value is _MISSING:
        return False
    if isinstance(expected, list):
        return all(_holds(value, item) for item in expected)
    if isinstance(expected, Mapping) and expected and all(k in _OPERATORS for k in expected):
        return all(_compare(op, value, operand) for op, operand in expected.items())
    return bool(value == expected)


def _compare(op: str, value: Any, operand: Any) -> bool:
    try:
        return bool(_OPERATORS[op](value, operand))
    except TypeError:
        return False
