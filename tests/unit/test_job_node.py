"""``Job.from_record`` builds a job without the dataclass's __init__: it must set exactly what that would."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

from adapters.model import JobRecord, JobStatus, Source
from gateway.schema.nodes import Job


def test_from_record_sets_what_the_dataclass_init_sets() -> None:
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    record = JobRecord(
        Source.SCALE,
        "j1",
        "team",
        JobStatus.RUNNING,
        "running",
        job_type_id="t1",
        job_type_name="extract",
        created_at=at,
        started_at=at,
        updated_at=at,
        progress=0.5,
        attempts=2,
        can_cancel=True,
    )
    fast = Job.from_record(record)
    # Every parameter of __init__ from what from_record set (a new field it misses fails here) ...
    parameters = [name for name in inspect.signature(Job.__init__).parameters if name != "self"]
    built = Job(**{name: fast.__dict__[name] for name in parameters})
    # ... and nothing more nor less than __init__ sets.
    assert fast.__dict__ == built.__dict__
    assert fast.status is JobStatus.RUNNING and fast.record is record
