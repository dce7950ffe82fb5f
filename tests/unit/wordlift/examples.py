"""Bodies copied from the WordLift Graph KPI spec (v0.2.17) and its generated client docs."""

from __future__ import annotations

from typing import Any

GRAPH = "1506805"
JOB_ID = "job_20260313_5bdaac21"
CURSOR = "2026-03-14T06:43:42+00:00|job_20260314_ae0783b4"

JOB: dict[str, Any] = {
    "job_id": JOB_ID,
    "graph_id": GRAPH,
    "snapshot_date": "2026-03-13",
    "status": "completed",
    "stage": "validate",
    "started_at": "2026-03-13T17:40:22Z",
    "finished_at": "2026-03-13T17:50:02Z",
    "heartbeat_at": "2026-03-13T17:49:55Z",
    "documents_seen": 58730,
    "documents_transformed": 58730,
    "triple_rows_written": 49499,
    "issues_written": 11534,
    "retry_count": 0,
    "account_dataset_id": "677fe88046061868443428fa",
    "website_url": "https://www.busesforsale.com",
    "stage_timings_json": {"calculate": 55.11, "validate": 67.66},
}

JOB_LIST: dict[str, Any] = {"items": [JOB], "page": {}}

SUBMIT_BODY: dict[str, Any] = {
    "snapshot_date": "2026-03-13",
    "stage_retries": 1,
    "force_rerun": False,
    "skip_validation": False,
}

PROBLEM: dict[str, Any] = {
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
    "detail": "Administrator access is required for this endpoint.",
}

VALIDATION_ERROR: dict[str, Any] = {
    "detail": [
        {
            "type": "greater_than_equal",
            "loc": ["body", "stage_retries"],
            "msg": "Input should be greater than or equal to 0",
            "input": -1,
            "ctx": {"ge": 0},
        },
        {"type": "extra_forbidden", "loc": ["body", "colour"], "msg": "Extra inputs are not permitted", "input": "red"},
    ]
}


def job(**changes: Any) -> dict[str, Any]:
    """The spec's example job with some fields changed (``None`` removes a field)."""
    body = {**JOB, **changes}
    return {k: v for k, v in body.items() if v is not None}
