"""``Job.from_record`` builds a job without the dataclass's __init__: it must set exactly what that would.

``Job.page_of`` gives a record served again the node built for it before, unless what is known of
its type changed."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import cast

from adapters.model import JobRecord, JobStatus, JobTypeRecord, NativeKey, Source
from gateway.context import Context
from gateway.schema.executor import NOT_PREFETCHED
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


class _TypeCache:
    def __init__(self) -> None:
        self.held: dict[NativeKey, JobTypeRecord] = {}

    def cached_job_type(self, source: Source, key: NativeKey) -> JobTypeRecord | None:
        return self.held.get(key)


class _Context:
    """What ``page_of`` reads of a request's context: the configured sources and the type cache."""

    def __init__(self) -> None:
        self.upstreams = {Source.SCALE}
        self.loaders = _TypeCache()


def test_a_record_served_again_keeps_its_node_until_its_type_becomes_known() -> None:
    record = JobRecord(Source.SCALE, "j2", "team", JobStatus.QUEUED, "pending", job_type_id="t1")
    context = _Context()
    first = Job.page_of(cast(Context, context))(record)
    assert first.known_job_type is NOT_PREFETCHED
    assert Job.page_of(cast(Context, context))(record) is first, "the same record: the same node"
    twin = JobRecord(Source.SCALE, "j2", "team", JobStatus.QUEUED, "pending", job_type_id="t1")
    assert Job.page_of(cast(Context, context))(twin) is not first, "an equal record read anew: a node of its own"

    context.loaders.held[NativeKey("team", "t1")] = JobTypeRecord(Source.SCALE, "t1", "team", "extract")
    typed = Job.page_of(cast(Context, context))(record)
    assert typed is not first and typed.known_job_type is not NOT_PREFETCHED
    assert typed.known_job_type.name == "extract"  # type: ignore[attr-defined]
    assert Job.page_of(cast(Context, context))(record) is typed
