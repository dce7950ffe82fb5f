"""Scale's OpenAPI document as the simulator serves it: the three v6 documents of the resources it simulates, merged.

Scale publishes one document per resource (``scale/docs/rest/v6/*.yml``, copied
into ``openapi/`` with their defects fixed: a broken YAML line in ``job_type``,
schemas misindented under ``allOf``, ``ref`` for ``$ref``, ``type: int``,
``additionalPropterties``, path parameters not marked required, paths missing
Django's trailing slash, and references to files it does not publish, replaced
by local stand-ins). Their paths are relative to ``/v6``; the queue document is
not served (the simulator has no queue endpoints).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from simulators.kit.openapi import load, merge

PARTS = ("scale-v6-job.openapi.yaml", "scale-v6-job_type.openapi.yaml", "scale-v6-ingest.openapi.yaml")
INFO = {
    "title": "Scale v6: jobs, job types, ingests",
    "version": "v6",
    "description": "Scale's own v6 documents for jobs, job types and ingests, merged (paths under /v6).",
}


@cache
def document() -> dict[str, Any]:
    return merge(INFO, [load("simulators.scale", name) for name in PARTS], prefix="/v6")
