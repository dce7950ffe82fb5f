"""GraphiQL served entirely by the gateway, so it works with no internet access.

Strawberry's own GraphiQL page loads React, GraphiQL and the explorer plugin
from a CDN and stays on "Loading..." offline.  This package ships the same
release files (see ``static/SOURCES.txt``) and a page template of ours:

* :data:`router` serves ``GET /graphiql/static/{path}``: only the files shipped
  in ``static/``, with long-lived cache headers (file names carry versions);
* :func:`render_page` returns the page, for ``GET /graphql`` from a browser.

Wiring, e.g. with Strawberry's FastAPI router::

    class Router(GraphQLRouter):
        async def render_graphql_ide(self, request: Request) -> HTMLResponse:
            return HTMLResponse(render_page(DEFAULT_QUERY))

    app.include_router(graphiql.router)
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request, Response

from gateway.static_files import ShippedFiles

__all__ = ["STATIC_URL_PREFIX", "render_page", "router"]

STATIC_URL_PREFIX: Final = "/graphiql/static"
"""Where :data:`router` serves the files of ``static/``."""

_PACKAGE_DIR: Final = Path(__file__).resolve().parent
_STATIC_DIR: Final = _PACKAGE_DIR / "static"
_PAGE_TEMPLATE: Final = _PACKAGE_DIR / "page.html"
_PLACEHOLDER: Final = "__GATEWAY_DEFAULT_QUERY__"

_STATIC: Final = ShippedFiles(_STATIC_DIR, cache_control="public, max-age=31536000, immutable")

# Characters that must not appear verbatim in a JSON literal inside <script>:
# "<" could close the element ("</script>") or open "<!--", ">" and "&" are
# escaped for good measure, and U+2028/U+2029 end lines in older JavaScript.
_JS_UNSAFE: Final = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def _js_string_literal(value: str) -> str:
    """Return ``value`` as a JavaScript string literal safe inside ``<script>``."""
    return json.dumps(value, ensure_ascii=False).translate(_JS_UNSAFE)


def render_page(default_query: str) -> str:
    """Return the GraphiQL page, with ``default_query`` in its query editor.

    ``default_query`` is shown in the editor of a new tab (GraphiQL keeps a
    returning user's own tabs in local storage).  Any text is safe here: it is
    embedded as an escaped JavaScript string literal.
    """
    template = _page_template()
    return template.replace(_PLACEHOLDER, _js_string_literal(default_query), 1)


@cache
def _page_template() -> str:
    template = _PAGE_TEMPLATE.read_text(encoding="utf-8")
    if template.count(_PLACEHOLDER) != 1:
        raise RuntimeError(f"{_PAGE_TEMPLATE} must hold {_PLACEHOLDER} exactly once")
    return template


router: Final[APIRouter] = APIRouter(tags=["graphiql"])


@router.api_route(
    STATIC_URL_PREFIX + "/{path:path}",
    methods=["GET", "HEAD"],
    include_in_schema=False,
    name="graphiql_static",
)
def graphiql_static(path: str, request: Request) -> Response:
    """Serve one of the files shipped in ``static/``; 404 for anything else."""
    return _STATIC.response(path, request)
