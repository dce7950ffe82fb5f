# mypy: disable-error-code="type-var"
"""The common graph's object types: Job, JobType, IngestRun, their connections and PageInfo.

Plain fields are copied from the record at construction, so they resolve as
attributes (no per-field coroutine); only links to other nodes are async, and
each goes through a per-request dataloader. Connections are Strawberry's generic
Relay ``Connection`` with a ``totalCount``, built from the services' record pages.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast

import strawberry
from graphql import ExecutionResult
from strawberry import relay
from strawberry.scalars import JSON

from adapters.model import (
    ErrorCategory,
    IngestRunRecord,
    IngestTableRecord,
    JobError,
    JobRecord,
    JobTypeRecord,
    LogRecord,
    NativeKey,
    Source,
)
from gateway.context import Context, Info
from gateway.events import JobRef, StatusEvent
from gateway.ids import encode_id
from gateway.reads import Connection, PageRequest
from gateway.schema.enums import JobStatus
from gateway.schema.executor import NOT_PREFETCHED, SharedResults, answered_by, immutable_node
from gateway.schema.memo import IdentityMemo
from gateway.schema.selection import selects_edge_cursors

NodeType = TypeVar("NodeType")
R = TypeVar("R")


@strawberry.interface(description="An object with a global id, fetchable with `node` / `nodes`.")
class Node:
    id: strawberry.ID


# Strawberry bounds relay.Connection's node type to its own relay.Node; ours is a plain
# interface (our ids and cursors, not Strawberry's), which works the same at run time.
# The mypy plugin reports that bound on generated code without a line, hence the
# file-wide ``disable-error-code`` at the top of this module.
@strawberry.type(name="Connection")
class CountedConnection(relay.Connection[NodeType]):
    """A Relay connection (named ``<Node>Connection`` in the schema) that can tell its total."""

    total_count: int | None = strawberry.field(
        default=None, description="Matching records in all involved sources, when every one of them can tell."
    )

    @classmethod
    def of(cls, page: Connection[R], node: Callable[[R], NodeType], selection: Info) -> CountedConnection[NodeType]:
        """The connection of ``page``; edge cursors are sealed only when ``selection`` (the field's info) asks."""
        info = page.page_info
        if selects_edge_cursors(selection):
            edges = [_edge(page.cursor(e), node(e.record)) for e in page.edges]
        else:
            edges = [_bare_edge(node(e.record)) for e in page.edges]
        return cls(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=info.has_next_page,
                has_previous_page=info.has_previous_page,
                start_cursor=info.start_cursor,
                end_cursor=info.end_cursor,
            ),
            total_count=page.total_count,
        )


def _edge(cursor: str, node: object) -> relay.Edge[Any]:
    # What relay.Edge's generated __init__ sets, set at once: one is built per item of a page.
    edge: relay.Edge[Any] = object.__new__(relay.Edge)
    edge.__dict__ = {"cursor": cursor, "node": node}
    return edge


_BARE_EDGES: IdentityMemo[object, relay.Edge[Any]] = IdentityMemo(1024)
"""Per node, its edge without a cursor (most pages select none): one object, whatever page lists the node."""


def _bare_edge(node: object) -> relay.Edge[Any]:
    edge = _BARE_EDGES.get(node)
    if edge is None:
        edge = _edge("", node)
        _BARE_EDGES.put(node, edge)
    return edge


async def job_node(context: Context, source: Source, key: NativeKey) -> Job | None:
    if source not in context.upstreams:
        return None
    record = await context.loaders.job(source, key)
    return None if record is None else Job.from_record(record)


def _known_job_type(context: Context, r: JobRecord) -> object:
    """``r``'s type when no call is needed (it has none, or the cache holds it); else ``NOT_PREFETCHED``."""
    if r.job_type_id is None or r.source not in context.upstreams:
        return None
    cached = context.loaders.cached_job_type(r.source, NativeKey(r.scope, r.job_type_id))
    return NOT_PREFETCHED if cached is None else JobType.of(cached)


async def job_type_node(context: Context, source: Source, key: NativeKey) -> JobType | None:
    if source not in context.upstreams:
        return None
    record = await context.loaders.job_type(source, key)
    return None if record is None else JobType.from_record(record)


async def ingest_run_node(context: Context, source: Source, key: NativeKey) -> IngestRun | None:
    if source not in context.upstreams:
        return None
    record = await context.loaders.ingest_run(source, key)
    return None if record is None else IngestRun.from_record(record)


@strawberry.type(description="A named number reported by the source (documents seen, executions, ...).")
class Counter:
    name: str
    value: int


@strawberry.type(name="JobError", description="Why a job failed, as its source tells it.")
class JobErrorInfo:
    code: str | None = strawberry.field(
        description="The source's own code: Scale's error name, WordLift's `error_code`, Leia's `http_code`."
    )
    category: ErrorCategory
    message: str
    retryable: bool | None = strawberry.field(
        description="Whether running the job again may succeed, where the source says (Scale); else null."
    )

    @classmethod
    def of(cls, error: JobError | None) -> JobErrorInfo | None:
        if error is None:
            return None
        return cls(code=error.code, category=error.category, message=error.message, retryable=error.retryable)


def _duration(r: JobRecord) -> float | None:
    if r.started_at is None:
        return None
    if r.finished_at is not None:
        return max(0.0, (r.finished_at - r.started_at).total_seconds())
    if r.status.is_final:
        return None  # ended, but the source does not say when
    return max(0.0, (datetime.now(UTC) - r.started_at).total_seconds())


def json_copy(value: Mapping[str, Any]) -> JSON:
    """A record's mapping as the JSON scalar: a plain dict of its own, so the answer never aliases the record."""
    return cast(JSON, dict(value))


def _counters(root: Job) -> list[Counter]:
    return [Counter(name=k, value=v) for k, v in root.record.counters.items()]


def _error(root: Job) -> JobErrorInfo | None:
    return JobErrorInfo.of(root.record.error)


def _duration_seconds(root: Job) -> float | None:
    return _duration(root.record)


def _inputs(root: Job) -> JSON | None:
    inputs = root.record.inputs
    return None if inputs is None else json_copy(inputs)


def _outputs(root: Job) -> JSON | None:
    outputs = root.record.outputs
    return None if outputs is None else json_copy(outputs)


def _raw(root: Job) -> JSON:
    return json_copy(root.record.raw)


_JOB_NODES: IdentityMemo[JobRecord, Job] = IdentityMemo(1024)
"""Per job record, its node: a page served again from the freshness window lists the same records."""
_JOB_TYPE_NODES: IdentityMemo[JobTypeRecord, JobType] = IdentityMemo(256)


@immutable_node
@strawberry.type(description="A job on any upstream, normalized.")
class Job(Node):
    source: Source
    native_id: str
    scope: str = strawberry.field(description="Graph, application, project or tenant the job lives in.")
    status: JobStatus
    native_status: str
    job_type_name: str | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime | None
    progress: float | None = strawberry.field(description="Fraction done (0..1) where the source tells.")
    # Fields a list rarely asks for are resolved from the record when asked rather than built for
    # every job; declared here, in the schema's field order.
    counters: list[Counter] = strawberry.field(resolver=_counters)
    error: JobErrorInfo | None = strawberry.field(
        resolver=_error, description="Why the job failed (or was stopped), where the source tells; null otherwise."
    )
    duration_seconds: float | None = strawberry.field(
        resolver=_duration_seconds,
        description="Seconds from start to finish; while it runs, from start to now. Null before it starts.",
    )
    submitted_by: str | None = strawberry.field(description="Who submitted it, where the source tells (Leia).")
    stage: str | None = strawberry.field(
        description="The current or last stage, where the source has stages (WordLift: calculate, validate, clone)."
    )
    attempts: int | None = strawberry.field(
        description="Times it was tried so far: Scale executions, WordLift stage retries + 1; null elsewhere."
    )
    inputs: JSON | None = strawberry.field(
        resolver=_inputs,
        description=(
            "What the job was given, where the source tells: Scale input data (job details), Leia documents "
            "and model, WordLift graph and day, phyloDB analysis parameters (jobs submitted through the gateway)."
        ),
    )
    outputs: JSON | None = strawberry.field(
        resolver=_outputs,
        description=(
            "What it produced, where the source tells: Leia `result` (a conditional job's: rule id -> results "
            "of the jobs it ran), Scale output data (job details), the WordLift snapshot it wrote, the phyloDB "
            "analysis id and path (jobs submitted through the gateway)."
        ),
    )
    can_cancel: bool
    can_rerun: bool
    can_start: bool = strawberry.field(description="Held until released: `startJob` accepts it.")
    raw: JSON = strawberry.field(resolver=_raw, description="The upstream's own record, unchanged.")
    record: strawberry.Private[JobRecord]
    known_job_type: strawberry.Private[object] = NOT_PREFETCHED
    """The job's type (or None) when known without a call; read by the executor for ``jobType``."""

    @classmethod
    def page_of(cls, context: Context) -> Callable[[JobRecord], Job]:
        """``from_record`` for the jobs of one page, each given its type when known without a call.

        A page shares a few types: each is looked up (and built) once, and ``jobType`` then costs
        the executor an attribute read instead of a resolver call per job.
        """
        types: dict[tuple[Source, str, str | None], object] = {}

        def node(r: JobRecord) -> Job:
            key = (r.source, r.scope, r.job_type_id)
            known = types.get(key, types)
            if known is types:
                known = types[key] = _known_job_type(context, r)
            job = _JOB_NODES.get(r)
            if job is None or job.known_job_type is not known:
                job = cls.from_record(r, known)
                _JOB_NODES.put(r, job)
            return job

        return node

    @classmethod
    def from_record(cls, r: JobRecord, known_job_type: object = NOT_PREFETCHED) -> Job:
        # What the dataclass's __init__ would set, set at once: one of these is built per job of
        # every page, and the generated __init__ with its twenty keywords costs three times as much
        # (a test holds the two to the same attributes).
        job = object.__new__(cls)
        job.__dict__ = {
            "id": strawberry.ID(encode_id("Job", r.source, r.scope, r.native_id)),
            "source": r.source,
            "native_id": r.native_id,
            "scope": r.scope,
            "status": r.status,
            "native_status": r.native_status,
            "job_type_name": r.job_type_name,
            "created_at": r.created_at,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "updated_at": r.updated_at,
            "progress": r.progress,
            "submitted_by": r.submitted_by,
            "stage": r.stage,
            "attempts": r.attempts,
            "can_cancel": r.can_cancel,
            "can_rerun": r.can_rerun,
            "can_start": r.can_start,
            "record": r,
            "known_job_type": known_job_type,
        }
        return job

    @strawberry.field(
        description=(
            "The job's page in the upstream's own web UI, for a person to open: built from the source's "
            "`ui_base_url` setting when one is configured; null otherwise."
        )
    )
    def web_url(self, info: Info) -> str | None:
        return info.context.services.web_links.url(self.record)

    @strawberry.field(description="The job's type, where the source has one.")
    @answered_by("known_job_type")
    def job_type(self, info: Info) -> JobType | None:
        known = self.known_job_type
        if known is NOT_PREFETCHED:
            known = _known_job_type(info.context, self.record)
        if known is not NOT_PREFETCHED:
            # A page of jobs mostly shares a few cached types: answering them synchronously saves
            # graphql-core a task per job.
            return cast(JobType | None, known)
        # Not cached: the batched load, which graphql-core awaits like an async resolver's result.
        r = self.record
        return cast(JobType | None, job_type_node(info.context, r.source, NativeKey(r.scope, str(r.job_type_id))))

    @strawberry.field(description="The ingest run this job performed (Amperity, Scale ingest jobs).")
    async def ingest_run(self, info: Info) -> IngestRun | None:
        r = self.record
        if r.ingest_run is not None:
            return IngestRun.from_record(r.ingest_run)
        run_id = await info.context.loaders.ingest_run_id(r)
        if run_id is None:
            return None
        return await ingest_run_node(info.context, r.source, NativeKey(r.scope, run_id))

    @strawberry.field(description="The job this one waits for (Leia `execute_after_id`).")
    async def depends_on(self, info: Info) -> Job | None:
        r = self.record
        if r.depends_on_id is None:
            return None
        return await job_node(info.context, r.source, NativeKey(r.scope, r.depends_on_id))

    @strawberry.field(description="The job that spawned this one (Leia conditional jobs).")
    async def parent(self, info: Info) -> Job | None:
        r = self.record
        if r.parent_id is None:
            return None
        return await job_node(info.context, r.source, NativeKey(r.scope, r.parent_id))

    @strawberry.field(
        description=(
            "The job's log, oldest line first: SCALE serves each execution's stdout and stderr (every attempt "
            "in turn); other sources serve no logs and answer an empty list "
            "(`upstreams { capabilities { logs } }` says which)."
        )
    )
    async def logs(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated[CountedConnection[JobLog], strawberry.lazy("gateway.schema.nodes")]:
        page = await info.context.reads.job_logs(self.record, PageRequest(first, after), info.path.as_list())
        return CountedConnection.of(page, JobLog.from_record, info)

    @strawberry.field(description="Status transitions the gateway observed for this job (bounded).")
    async def status_history(self, info: Info) -> list[JobStatusEvent]:
        events = await info.context.services.history.of(JobRef(self.record.source, self.record.key))
        return [JobStatusEvent.from_event(e) for e in events]

    @strawberry.field(description="Jobs spawned by this one, where the source links them.")
    async def children(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated[CountedConnection[Job], strawberry.lazy("gateway.schema.nodes")]:
        page = await info.context.reads.job_children(self.record, PageRequest(first, after), info.path.as_list())
        return CountedConnection.of(page, Job.page_of(info.context), info)


@strawberry.type(description="One line of a job's log.")
class JobLog:
    time: datetime | None
    level: str | None = strawberry.field(description="INFO, ERROR, ... where the line or its stream tells.")
    stream: str | None = strawberry.field(description="stdout or stderr.")
    message: str

    @classmethod
    def from_record(cls, r: LogRecord) -> JobLog:
        return cls(time=r.time, level=r.level, stream=r.stream, message=r.message)


@strawberry.type(description="A status transition of a job, as the gateway observed it.")
class JobStatusEvent(SharedResults):
    id: str = strawberry.field(description="Event id; pass it as `since` to resume after it.")
    job: Job
    previous_status: JobStatus | None
    status: JobStatus
    at: datetime
    shared_results: strawberry.Private[dict[Hashable, ExecutionResult]] = dataclasses.field(default_factory=dict)

    def results_by_operation(self) -> dict[Hashable, ExecutionResult]:
        return self.shared_results

    @strawberry.field(description="Why the job failed, on a FAILED event (the same as `job.error`).")
    def error(self) -> JobErrorInfo | None:
        return JobErrorInfo.of(self.job.record.error)

    @classmethod
    def from_event(cls, event: StatusEvent) -> JobStatusEvent:
        """The payload of ``event``: one object for all its subscribers, who then share its results.

        Kept for the most recent events only (``RECENT_PAYLOADS``): the bus keeps events far longer
        (replay window, per-job history) than their fan-out lasts.
        """
        recent = _RECENT_PAYLOADS.get(id(event))
        if recent is not None and recent[0] is event:
            _RECENT_PAYLOADS.move_to_end(id(event))
            return recent[1]
        payload = cls(
            id=str(event.id),
            job=Job.from_record(event.job),
            previous_status=event.previous_status,
            status=event.status,
            at=event.at,
        )
        # The event is kept with its payload: its id cannot be reused while the entry lives.
        _RECENT_PAYLOADS[id(event)] = (event, payload)
        if len(_RECENT_PAYLOADS) > RECENT_PAYLOADS:
            _RECENT_PAYLOADS.popitem(last=False)
        return payload


RECENT_PAYLOADS = 256
"""Events whose payload (and the results shared through it) is kept: those of the current fan-outs."""
_RECENT_PAYLOADS: OrderedDict[int, tuple[StatusEvent, JobStatusEvent]] = OrderedDict()


def _job_type_raw(root: JobType) -> JSON:
    return json_copy(root.record.raw)


@immutable_node
@strawberry.type(description="A kind of job: Scale job types, Leia job types, phyloDB analyses, ...")
class JobType(Node):
    source: Source
    native_id: str
    scope: str
    name: str
    version: str | None
    title: str | None
    description: str | None
    revision: int | None
    is_active: bool | None
    is_paused: bool | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: JSON = strawberry.field(resolver=_job_type_raw)
    record: strawberry.Private[JobTypeRecord]

    @classmethod
    def of(cls, r: JobTypeRecord) -> JobType:
        """``from_record``, or the node built for the same record before (a page's jobs share a few types)."""
        node = _JOB_TYPE_NODES.get(r)
        if node is None:
            node = cls.from_record(r)
            _JOB_TYPE_NODES.put(r, node)
        return node

    @classmethod
    def from_record(cls, r: JobTypeRecord) -> JobType:
        return cls(
            id=strawberry.ID(encode_id("JobType", r.source, r.scope, r.native_id)),
            source=r.source,
            native_id=r.native_id,
            scope=r.scope,
            name=r.name,
            version=r.version,
            title=r.title,
            description=r.description,
            revision=r.revision,
            is_active=r.is_active,
            is_paused=r.is_paused,
            created_at=r.created_at,
            updated_at=r.updated_at,
            record=r,
        )

    @strawberry.field(description="Jobs of this type, newest first.")
    async def jobs(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated[CountedConnection[Job], strawberry.lazy("gateway.schema.nodes")]:
        page = await info.context.reads.jobs_of_type(self.record, PageRequest(first, after), info.path.as_list())
        return CountedConnection.of(page, Job.page_of(info.context), info)


@strawberry.type
class IngestFile:
    file_id: str
    name: str | None
    read: int
    errors: int


@strawberry.type(description="One table (feed) of an ingest run.")
class IngestTable:
    name: str
    feed_id: str | None
    state: JobStatus
    native_state: str
    read: int
    inserted: int
    updated: int
    rejected: int
    errors: int
    started_at: datetime | None
    ended_at: datetime | None
    files: list[IngestFile]

    @classmethod
    def from_record(cls, t: IngestTableRecord) -> IngestTable:
        return cls(
            name=t.name,
            feed_id=t.feed_id,
            state=t.state,
            native_state=t.native_state,
            read=t.read,
            inserted=t.inserted,
            updated=t.updated,
            rejected=t.rejected,
            errors=t.errors,
            started_at=t.started_at,
            ended_at=t.ended_at,
            files=[IngestFile(file_id=f.file_id, name=f.name, read=f.read, errors=f.errors) for f in t.files],
        )


_ALIGNED = "Named as on Job; the old name goes in the next release."


@strawberry.type(
    description=(
        "A data ingest: Amperity ingest jobs (counted per table and file), Scale ingests. Its fields are "
        "named as on `Job` (`status`, `nativeStatus`, `finishedAt`); `job` is the job that ran it."
    )
)
class IngestRun(Node):
    source: Source
    native_id: str
    scope: str
    status: JobStatus = strawberry.field(description="Normalized status, as `Job.status`.")
    native_status: str = strawberry.field(description="The upstream's own word (Amperity: the worst table state).")
    state: JobStatus = strawberry.field(deprecation_reason=f"Use `status`. {_ALIGNED}")
    native_state: str = strawberry.field(deprecation_reason=f"Use `nativeStatus`. {_ALIGNED}")
    file_name: str | None
    workflow_id: str | None
    started_at: datetime | None
    finished_at: datetime | None = strawberry.field(description="When the ingest ended, as `Job.finishedAt`.")
    ended_at: datetime | None = strawberry.field(deprecation_reason=f"Use `finishedAt`. {_ALIGNED}")
    updated_at: datetime | None
    read: int | None
    inserted: int | None
    updated: int | None
    rejected: int | None
    error_count: int | None = strawberry.field(
        description="Rows with ingest errors (Amperity `errors`, summed over tables); null where not counted."
    )
    errors: int | None = strawberry.field(deprecation_reason=f"Use `errorCount`. {_ALIGNED}")
    tables: list[IngestTable]
    raw: JSON
    record: strawberry.Private[IngestRunRecord]

    @classmethod
    def from_record(cls, r: IngestRunRecord) -> IngestRun:
        return cls(
            id=strawberry.ID(encode_id("IngestRun", r.source, r.scope, r.native_id)),
            source=r.source,
            native_id=r.native_id,
            scope=r.scope,
            status=r.state,
            native_status=r.native_state,
            state=r.state,
            native_state=r.native_state,
            file_name=r.file_name,
            workflow_id=r.workflow_id,
            started_at=r.started_at,
            finished_at=r.ended_at,
            ended_at=r.ended_at,
            updated_at=r.updated_at,
            read=r.read,
            inserted=r.inserted,
            updated=r.updated,
            rejected=r.rejected,
            error_count=r.errors,
            errors=r.errors,
            tables=[IngestTable.from_record(t) for t in r.tables],
            raw=json_copy(r.raw),
            record=r,
        )

    @strawberry.field(description="The job that performed this ingest.")
    async def job(self, info: Info) -> Job | None:
        r = self.record
        if r.job is not None:
            return Job.from_record(r.job)
        if r.job_id is None:
            return None
        return await job_node(info.context, r.source, NativeKey(r.scope, r.job_id))
