"""RFC 7807 problem answers for simulators whose upstream speaks ``application/problem+json``.

Leia (Connexion) and WordLift (FastAPI) both answer errors as
``{type, title, status, detail}``; this module owns that body, the exception a
route raises to send one, the response, and the same body for injected faults.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raised by a simulator route: answer ``status`` with a problem body carrying ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def problem_body(status: int, detail: str) -> dict[str, Any]:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}


def problem_response(status: int, detail: str) -> JSONResponse:
    return JSONResponse(problem_body(status, detail), status_code=status, media_type=PROBLEM_JSON)


def problem_error_body(status: int, message: str) -> tuple[bytes, bytes]:
    """An injected fault as a problem body: an ``ErrorBody`` for ``FaultInjector``."""
    return json.dumps(problem_body(status, message)).encode(), PROBLEM_JSON.encode()
