"""Examples from the Amperity seed page and spec, and builders for variations of them."""

from __future__ import annotations

import copy
from typing import Any

# GET /ingest/jobs/{id} 200 example, verbatim from the seed page (amperity-ingest-jobs.txt).
SEED_JOB: dict[str, Any] = {
    "id": "isj-1f73r9u2",
    "tables": [
        {
            "errors": 200,
            "feed_id": "df-5L6d1veh",
            "read": 1000,
            "rejected": 200,
            "updated": 200,
            "started_at": "2024-06-01T04:02:54.433Z",
            "state": "succeeded",
            "ended_at": "2024-06-01T04:02:57.433Z",
            "files": [
                {
                    "file_id": "cb-20240618-71992-SF3Uz/part0.avro",
                    "name": "part0.avro",
                    "read": 1000,
                    "errors": 200,
                }
            ],
            "inserted": 400,
            "table_name": "My table",
            "job_id": "isj-1f73r9u2",
        }
    ],
    "workflow_id": "wf-20240618-3423-b45",
}

# The spec's ErrorResponse and the docs' longer form.
ERROR_SPEC = {"status": 404, "message": "Not Found"}
ERROR_DOCS = {
    "status": 400,
    "message": "Error updating database: Can't find campaign named 'CampaignName'",
    "request_id": "1ab23456-c78d-9012-3456-78efg9hi01j2",
    "trace_id": "1a2b3456789cd0ef1g234hijklm5nopq",
}

# POST /workflow/runs/{id}/stop 200 example from the docs (their JSON misses a comma; fixed here).
STOP_EXAMPLE = {
    "id": "wf-20240801-65278-x9E9U",
    "type": "campaign.send",
    "name": "testing",
    "tenant": "socktown",
    "created_at": "2026-08-01T18:07:58.099Z",
    "ended_at": "2026-08-01T18:10:47.712Z",
    "state": "canceled",
    "task_instances": [],
}


def table(
    state: str, started: str = "2026-11-02T11:00:00.000Z", ended: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A table entry like the seed's, in ``state``."""
    entry: dict[str, Any] = copy.deepcopy(SEED_JOB["tables"][0])
    entry.update(state=state, started_at=started, ended_at=ended or started, **extra)
    return entry


def job(job_id: str, *tables: dict[str, Any], workflow_id: str = "wf-20261102-12345-AbCdEf") -> dict[str, Any]:
    out_tables = []
    for t in tables:
        t = dict(t)
        t["job_id"] = job_id
        out_tables.append(t)
    return {"id": job_id, "workflow_id": workflow_id, "tables": out_tables}
