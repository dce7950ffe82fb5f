"""Amperity's OpenAPI document as the simulator serves it: the official control-plane document, its job operations.

The copy in ``openapi/`` is Amperity's own (``amperity-docs`` ``downloads/openapi/``,
version 2024-04-01); the simulator serves the ingest-job and workflow operations
and leaves out audit events, campaigns and segments, which it does not simulate.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from simulators.kit.openapi import load, only

SERVED = (
    ("GET", "/ingest/jobs"),
    ("GET", "/ingest/jobs/{job-id}"),
    ("GET", "/workflow/runs"),
    ("POST", "/workflow/runs"),
    ("GET", "/workflow/runs/{workflow-id}"),
    ("POST", "/workflow/runs/{workflow-id}/stop"),
)


@cache
def document() -> dict[str, Any]:
    return only(load("simulators.amperity", "amperity-control-plane-2024-04-01.openapi.json"), SERVED)
