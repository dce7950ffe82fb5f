"""A small checker for the JSON-Schema subset the WordLift KPI spec uses, and its examples.

The spec file beside this module is a verbatim copy of the service's own OpenAPI
document (``wordlift/python-client`` ``api/graph-kpi.yaml`` @ ``5b260c3c``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

SPEC_PATH = Path(__file__).with_name("spec") / "wordlift-graph-kpi.openapi.yaml"


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return loaded


def schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = spec()["components"]["schemas"][name]
    return found


def operation(path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = spec()["paths"][path][method]
    return found


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    return schema(ref.rsplit("/", 1)[-1])


_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def problems(value: Any, node: dict[str, Any], where: str = "$") -> list[str]:
    """Every way ``value`` breaks ``node`` (empty when it conforms)."""
    node = _resolve(node)
    if "anyOf" in node:
        if any(not problems(value, option, where) for option in node["anyOf"]):
            return []
        return [f"{where}: matches no anyOf option: {value!r}"]
    kind = node.get("type")
    if kind is None:
        return []
    if not _TYPES[kind](value):
        return [f"{where}: expected {kind}, got {value!r}"]
    found: list[str] = []
    if kind == "array":
        for index, item in enumerate(value):
            found += problems(item, node.get("items", {}), f"{where}[{index}]")
    if kind == "object":
        found += [f"{where}: missing {name}" for name in node.get("required", ()) if name not in value]
        properties = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                found += problems(item, properties[name], f"{where}.{name}")
            elif extra is False:
                found.append(f"{where}: unexpected {name}")
            elif isinstance(extra, dict):
                found += problems(item, extra, f"{where}.{name}")
    return found


def response_schema(path: str, method: str, status: int) -> tuple[str, dict[str, Any], Any]:
    """``(media type, schema, example or None)`` of one documented response."""
    content = operation(path, method)["responses"][str(status)]["content"]
    media, body = next(iter(content.items()))
    return media, body["schema"], body.get("example")
