"""Serving an upstream's own OpenAPI document at ``{base_url}/openapi.json``.

Each simulator ships its upstream's document as package data
(``simulators/<source>/openapi/``, copied from the upstream with its defects
fixed; the commits that fixed them say which). ``OpenApiDocument`` answers
``GET {base}/openapi.json`` with it, its ``servers`` set to the URL the request
reached the simulator at, so any OpenAPI tool (code generators, gateways,
schema-driven test tools) can be pointed at a running simulator. The route is
outside fault injection and needs no credentials, like a real API's published
document; every other request goes on to the simulator.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from importlib.resources import files
from typing import Any

import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

PATH = "/openapi.json"


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """YAML as written: timestamps in examples stay strings, as they are in JSON."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(package: str, name: str) -> dict[str, Any]:
    """The document ``openapi/<name>`` of ``package`` (YAML or JSON)."""
    text = files(package).joinpath("openapi", name).read_text(encoding="utf-8")
    loaded = json.loads(text) if name.endswith(".json") else yaml.load(text, Loader=_Loader)
    if not isinstance(loaded, dict):
        raise ValueError(f"{package} openapi/{name} is not an OpenAPI document")
    return loaded


def merge(info: Mapping[str, Any], parts: Iterable[Mapping[str, Any]], prefix: str = "") -> dict[str, Any]:
    """One document from several of one API (Scale publishes one per resource); paths get ``prefix``.

    Two parts defining one component differently is an error: each part's
    ``$ref``s must still mean what they meant.
    """
    merged: dict[str, Any] = {"openapi": "", "info": dict(info), "paths": {}, "components": {}}
    for part in parts:
        merged["openapi"] = merged["openapi"] or part["openapi"]
        merged["paths"].update({prefix + path: item for path, item in part["paths"].items()})
        for kind, items in part.get("components", {}).items():
            into = merged["components"].setdefault(kind, {})
            for name, value in items.items():
                if name in into and into[name] != value:
                    raise ValueError(f"components/{kind}/{name} differs between the parts")
                into[name] = value
    return merged


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operations(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every operation in ``document``."""
    return [(m.upper(), path) for path, item in document["paths"].items() for m in _METHODS if m in item]


def only(document: Mapping[str, Any], served: Collection[tuple[str, str]]) -> dict[str, Any]:
    """``document`` with just the ``(METHOD, path)`` operations a simulator serves (it names the rest as not served).

    Components stay whole: unused schemas harm no tool, and each operation's ``$ref``s still resolve.
    """
    missing = set(served) - set(operations(document))
    if missing:
        raise ValueError(f"not in the document: {sorted(missing)}")
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        kept = {key: value for key, value in item.items() if key not in _METHODS or (key.upper(), path) in served}
        if any(key in _METHODS for key in kept):
            paths[path] = kept
    return {**document, "paths": paths}


class OpenApiDocument:
    """Answers ``GET {base}/openapi.json`` with ``document()`` (servers set to ``{base}``); passes the rest on.

    ``document`` is called at the first request for it, so a simulator nobody asks
    for its document never parses it.
    """

    def __init__(self, app: ASGIApp, document: Callable[[], Mapping[str, Any]]) -> None:
        self.app = app
        self.document = document

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root: str = scope.get("root_path", "")
        path: str = scope.get("path", "")
        local = path[len(root) :] if root and path.startswith(root) else path
        if scope["type"] != "http" or local != PATH or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        body = json.dumps(self.served(_base_url(scope))).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    def served(self, base_url: str) -> dict[str, Any]:
        document = copy.deepcopy(dict(self.document()))
        document["servers"] = [{"url": base_url, "description": "this simulator"}]
        return document


def _base_url(scope: Scope) -> str:
    headers = dict(scope.get("headers", []))
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"
