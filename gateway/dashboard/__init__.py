"""The jobs dashboard: the gateway's reference web frontend, served at ``/ui/``.

The pages are plain ES modules and one stylesheet in ``static/`` (no build step, no CDN);
``page.html`` is the one shell every page route answers with, and ``static/main.js`` picks
the page from the path.  WebSocket subscriptions use the ``graphql-ws`` browser build
GraphiQL already ships (``/graphiql/static/graphql-ws-6.4.2/``), so one pinned copy serves
both.

* :data:`router` serves ``GET /ui/`` (jobs), ``/ui/activity``, ``/ui/jobs/{id}`` and the
  files of ``static/`` under ``/ui/static/``, all with :data:`CONTENT_SECURITY_POLICY`;
  ``GET /`` and ``GET /ui`` redirect to ``/ui/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from gateway.static_files import ShippedFiles

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_URL_PREFIX", "UI_PATH", "router"]

UI_PATH: Final = "/ui/"
STATIC_URL_PREFIX: Final = "/ui/static"

# Scoped to /ui/: GraphiQL's page keeps its own (inline bootstrap script) headers.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'"
)
_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

_PACKAGE_DIR: Final = Path(__file__).resolve().parent
# Our own files change with the code and carry no version in their names: revalidate each load.
_STATIC: Final = ShippedFiles(_PACKAGE_DIR / "static", cache_control="no-cache", headers=_SECURITY_HEADERS)


@cache
def _page() -> bytes:
    return (_PACKAGE_DIR / "page.html").read_bytes()


def _page_response() -> Response:
    headers = {**_SECURITY_HEADERS, "Cache-Control": "no-cache"}
    return Response(_page(), media_type="text/html; charset=utf-8", headers=headers)


router: Final[APIRouter] = APIRouter(tags=["dashboard"])


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
@router.api_route("/ui", methods=["GET", "HEAD"], include_in_schema=False)
def to_dashboard() -> RedirectResponse:
    """The gateway's front door is the dashboard (GraphiQL is linked from it)."""
    return RedirectResponse(UI_PATH, status_code=307)


@router.api_route(UI_PATH, methods=["GET", "HEAD"], include_in_schema=False)
@router.api_route(UI_PATH + "activity", methods=["GET", "HEAD"], include_in_schema=False)
def dashboard_page() -> Response:
    """The shell page; ``static/main.js`` renders the page its path names."""
    return _page_response()


@router.api_route(UI_PATH + "jobs/{job_id}", methods=["GET", "HEAD"], include_in_schema=False)
def job_page(job_id: str) -> Response:
    """The shell page for one job; the page asks the graph for ``job_id`` and says so if it is unknown."""
    return _page_response()


@router.api_route(STATIC_URL_PREFIX + "/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
def dashboard_static(path: str, request: Request) -> Response:
    """Serve one of the files shipped in ``static/``; 404 for anything else."""
    return _STATIC.response(path, request)
