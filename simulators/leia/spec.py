"""Leia's OpenAPI document as the simulator serves it: the official 1.0.0 document, its job operations.

The copy in ``openapi/`` is Leia's own (``leia-api-java-sdk`` ``api/openapi.yaml``);
the simulator serves the operations it simulates (sessions, health, jobs, and the
two calls that create jobs) and leaves out the rest (admin, documents, models,
annotations, workers), so every operation in the served document is one it answers.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from simulators.kit.openapi import load, only

SERVED = (
    ("POST", "/login"),
    ("GET", "/login/{api_key}"),
    ("GET", "/logout"),
    ("GET", "/whoami"),
    ("GET", "/health"),
    ("GET", "/job"),
    ("POST", "/job/conditional/{execute_after_id}"),
    ("GET", "/job/{job_ids}/status"),
    ("POST", "/job/{job_id}/start"),
    ("GET", "/job/{job_id}"),
    ("DELETE", "/job/{job_id}"),
    ("POST", "/model/{model_id}/apply/{document_ids}"),
    ("POST", "/document/{document_ids}/transform/{output_type}"),
)


@cache
def document() -> dict[str, Any]:
    return only(load("simulators.leia", "leia-1.0.0.openapi.yaml"), SERVED)
