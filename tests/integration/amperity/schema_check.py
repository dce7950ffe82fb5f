"""A small JSON-schema checker for the OpenAPI subset in ``spec/`` (no jsonschema package in the venv).

Understands what the Amperity schemas use: ``$ref``, ``allOf``, ``type``,
``required``, ``properties``, ``additionalProperties: false``, ``items``,
``enum`` and ``format: date-time``.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

SPEC: dict[str, Any] = json.loads((Path(__file__).parent / "spec" / "amperity-2024-04-01-subset.json").read_text())

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def schema(name: str) -> dict[str, Any]:
    return SPEC["components"]["schemas"][name]  # type: ignore[no-any-return]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = SPEC["components"][kind][name]
    return node


def problems(instance: Any, node: dict[str, Any], path: str = "$", extra_ok: Collection[str] = ()) -> list[str]:
    """Everything wrong with ``instance`` against ``node``; ``extra_ok`` names extra top-level keys to allow."""
    node = _resolve(node)
    found: list[str] = []
    for part in node.get("allOf", ()):
        found += problems(instance, part, path)
    kind = node.get("type") or ("object" if "properties" in node else None)
    if kind is not None:
        expected = _TYPES[kind]
        if not isinstance(instance, expected) or (kind in ("integer", "number") and isinstance(instance, bool)):
            return [*found, f"{path}: expected {kind}, got {type(instance).__name__}"]
    if "enum" in node and instance not in node["enum"]:
        found.append(f"{path}: {instance!r} not in {node['enum']}")
    if node.get("format") == "date-time" and isinstance(instance, str):
        try:
            datetime.fromisoformat(instance.replace("Z", "+00:00"))
        except ValueError:
            found.append(f"{path}: {instance!r} is not a date-time")
    if isinstance(instance, dict):
        props: dict[str, Any] = node.get("properties", {})
        found += [f"{path}: missing {key}" for key in node.get("required", ()) if key not in instance]
        if node.get("additionalProperties") is False:
            found += [f"{path}: unexpected {key}" for key in instance if key not in props and key not in extra_ok]
        for key, value in instance.items():
            if key in props:
                found += problems(value, props[key], f"{path}.{key}")
    if isinstance(instance, list) and "items" in node:
        for n, item in enumerate(instance):
            found += problems(item, node["items"], f"{path}[{n}]")
    return found


def shape(value: Any) -> Any:
    """Field names and JSON types, recursively (lists by their first item), for comparing with an example."""
    if isinstance(value, dict):
        return {key: shape(v) for key, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return type(value).__name__
