"""The seam between the GraphQL layer and the upstreams: the ``Adapter`` protocol.

Resolvers, paging and merging only ever talk to this protocol; they never see
httpx or upstream JSON. Every list operation returns a ``Page`` whose entries
each carry an opaque *position*: passing an entry's position back as ``after``
resumes right after that entry, whatever the native paging is (cursor,
offset/limit, 0- or 1-based pages, time windows). That is what lets the gateway
stop mid-page, merge several sources and still return every item exactly once.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from adapters.errors import ErrorKind, UpstreamError, not_supported
from adapters.http import UpstreamClient
from adapters.model import (
    CatalogRecord,
    IngestRunRecord,
    JobRecord,
    JobStatus,
    JobTypeRecord,
    LogRecord,
    NativeKey,
    ScopeRecord,
    Source,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageEntry(Generic[T]):
    record: T
    position: str
    """Opaque; ``list_*(after=position)`` continues right after this record."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    entries: Sequence[PageEntry[T]]
    has_more: bool
    """Whether anything may follow the last entry."""
    total: int | None = None
    """Exact number of matching records in the whole list, when the upstream tells it."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a source can do; the gateway plans with it and shows it in ``Query.upstreams``."""

    list_jobs: bool = True
    get_job: bool = True
    batch_get_jobs: bool = False
    filter_status: bool = False
    """Status filters are applied by the upstream, not after the fact."""
    filter_job_type: bool = False
    filter_time: bool = False
    job_types: bool = False
    ingest_runs: bool = False
    submit: bool = False
    cancel: bool = False
    rerun: bool = False
    callbacks: bool = False
    children: bool = False
    """Jobs link the jobs they spawned (listable with ``JobQuery.parent_id``)."""
    list_order: str = "updated"
    """The time the source's lists are sorted by, newest first: ``updated`` (last update,
    else the latest known time), ``created``, ``started``, or ``none`` (no time order)."""
    total_count: bool = False
    web_path: str | None = None
    """A job's page in the upstream's own web UI, below the source's ``ui_base_url``: ``{scope}`` and
    ``{native_id}`` are replaced. ``None``: no page is known (a ``ui_base_url`` template still works)."""
    no_data_for: frozenset[str] = frozenset()
    """``JobQuery`` filters this source has no data to apply (WordLift jobs have no creation time):
    a query setting one leaves the source out of the list, with an error naming the filter,
    instead of an empty list that would look like "no such job"."""


def list_time(record: JobRecord | IngestRunRecord, order: str) -> datetime | None:
    """The time a record is listed by, for a source whose ``Capabilities.list_order`` is ``order``."""
    if order == "none":
        return None
    if order == "created":
        return (record.created_at if isinstance(record, JobRecord) else None) or record.started_at
    if order == "started":
        return record.started_at or (record.created_at if isinstance(record, JobRecord) else None)
    return record.sort_time


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Filters for a job list. ``None`` means "no constraint"."""

    statuses: frozenset[JobStatus] | None = None
    job_type_ids: frozenset[str] | None = None
    scopes: frozenset[str] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    finished_after: datetime | None = None
    finished_before: datetime | None = None
    parent_id: str | None = None
    job_type_names: frozenset[str] | None = None
    """Jobs whose ``job_type_name`` is one of these (every source; Scale filters upstream)."""
    search: str | None = None
    """Case-insensitive substring of the native id or the job type name (checked on what is read)."""

    @property
    def filters_nothing(self) -> bool:
        """No constraint at all: every job matches (and nothing needs checking)."""
        return self == _NO_FILTER

    def matches(self, job: JobRecord) -> bool:
        """Whether ``job`` passes every filter; the gateway re-checks what upstreams cannot."""
        if self.statuses is not None and job.status not in self.statuses:
            return False
        if self.job_type_ids is not None and job.job_type_id not in self.job_type_ids:
            return False
        if self.scopes is not None and job.scope not in self.scopes:
            return False
        if self.parent_id is not None and job.parent_id != self.parent_id:
            return False
        if self.job_type_names is not None and job.job_type_name not in self.job_type_names:
            return False
        if self.search is not None and not _found(self.search, job):
            return False
        return (
            _in_range(job.created_at, self.created_after, self.created_before)
            and _in_range(job.sort_time, self.updated_after, self.updated_before)
            and _in_range(job.finished_at, self.finished_after, self.finished_before)
        )

    def set_filters(self, names: frozenset[str]) -> list[str]:
        """Which of the filters ``names`` (field names) this query sets, sorted."""
        return sorted(name for name in names if getattr(self, name) is not None)


_NO_FILTER = JobQuery()


@dataclass(frozen=True, slots=True)
class JobTypeQuery:
    scopes: frozenset[str] | None = None
    name: str | None = None

    def matches(self, job_type: JobTypeRecord) -> bool:
        if self.scopes is not None and job_type.scope not in self.scopes:
            return False
        return self.name is None or job_type.name == self.name


@dataclass(frozen=True, slots=True)
class IngestRunQuery:
    scopes: frozenset[str] | None = None
    states: frozenset[JobStatus] | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None

    def matches(self, run: IngestRunRecord) -> bool:
        if self.scopes is not None and run.scope not in self.scopes:
            return False
        if self.states is not None and run.state not in self.states:
            return False
        return _in_range(run.started_at, self.started_after, self.started_before)


def _found(text: str, job: JobRecord) -> bool:
    wanted = text.casefold()
    return wanted in job.native_id.casefold() or wanted in (job.job_type_name or "").casefold()


def _in_range(value: datetime | None, after: datetime | None, before: datetime | None) -> bool:
    if after is None and before is None:
        return True
    if value is None:
        return False
    if after is not None and value < after:
        return False
    return before is None or value < before


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """A validated submit: the scope to submit in and the source's own parameters."""

    scope: str
    params: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Adapter(Protocol):
    """One upstream, translated into the common model."""

    source: Source
    capabilities: Capabilities
    scopes: tuple[str, ...]
    """The scopes this gateway is configured to see (graphs, projects, tenant, ...)."""

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]: ...

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        """One answer per key, in order: the record, or the error for that key alone."""
        ...

    async def list_job_types(self, query: JobTypeQuery, after: str | None, limit: int) -> Page[JobTypeRecord]: ...

    async def get_job_types(self, keys: Sequence[NativeKey]) -> list[JobTypeRecord | UpstreamError]: ...

    async def list_ingest_runs(self, query: IngestRunQuery, after: str | None, limit: int) -> Page[IngestRunRecord]: ...

    async def get_ingest_runs(self, keys: Sequence[NativeKey]) -> list[IngestRunRecord | UpstreamError]: ...

    async def ingest_run_ids(self, jobs: Sequence[JobRecord]) -> list[str | None]:
        """The ingest run each job performed, where a listed record could not say (one per job)."""
        ...

    async def submit_job(self, request: SubmitRequest) -> JobRecord: ...

    async def cancel_job(self, key: NativeKey) -> JobRecord: ...

    async def rerun_job(self, key: NativeKey) -> JobRecord: ...

    async def check(self) -> None:
        """Readiness probe: one cheap authenticated call; raises ``UpstreamError`` if unreachable."""
        ...

    async def aclose(self) -> None: ...


# --- optional capabilities ---------------------------------------------------------------
# What only some sources can do. The gateway checks an adapter against these with
# ``isinstance`` (each is ``runtime_checkable``) and never reaches past them.


@runtime_checkable
class StatusReader(Protocol):
    """A status-only batch read cheaper than ``get_jobs`` (Leia's bulk ``GET /job/{ids}/status``)."""

    async def get_statuses(self, keys: Sequence[NativeKey]) -> Mapping[NativeKey, JobStatus | UpstreamError]:
        """One answer per key: the job's normalized status, or the error for that key alone."""
        ...


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class JobTypeValidation:
    """The upstream's verdict on a job type definition, sent nowhere else."""

    is_valid: bool
    errors: tuple[ValidationIssue, ...] = ()
    warnings: tuple[ValidationIssue, ...] = ()


@runtime_checkable
class JobTypeAdmin(Protocol):
    """Job types managed through the gateway (Scale): validate, create, edit.

    Definitions and patches use the upstream's own field names. The edited or created
    record carries the upstream's validation of the change as ``validation``.
    """

    async def validate_job_type(self, definition: Mapping[str, object]) -> JobTypeValidation: ...

    async def create_job_type(self, definition: Mapping[str, object]) -> JobTypeEdit: ...

    async def edit_job_type(self, job_type: JobTypeRecord, patch: Mapping[str, object]) -> JobTypeEdit: ...


@dataclass(frozen=True, slots=True)
class JobTypeEdit:
    """A job type after a create or edit, with what the upstream said about the change."""

    job_type: JobTypeRecord
    validation: JobTypeValidation


@runtime_checkable
class CallbackSource(Protocol):
    """Pushes job changes to a URL given at submit time (Leia's ``callback_url``).

    The gateway hands out one URL per submitted job (``/webhooks/<source>/<token>``).
    A POST to it is a hint, never the truth: the gateway only learns which job it
    names and reads that job from the upstream (``get_jobs``) before publishing.
    """

    def with_callback(self, request: SubmitRequest, url: str) -> SubmitRequest | None:
        """``request`` asking the upstream to call ``url``; ``None`` when the client chose a callback of its own."""
        ...

    def job_of_callback(self, payload: object) -> NativeKey:
        """The job a callback body is about; raises ``ValueError`` for a body that names none.

        Only the job's identity is read: whatever else the body claims (its status)
        is not trusted, since anyone holding the URL can POST to it.
        """
        ...


@runtime_checkable
class HeldJobStarter(Protocol):
    """Jobs can be created held and released later (Leia ``block_processing`` and ``POST /job/{id}/start``)."""

    async def start_job(self, key: NativeKey) -> JobRecord:
        """Release a held job (``JobRecord.can_start``); the record after the release."""
        ...


@runtime_checkable
class LogReader(Protocol):
    """Jobs have logs the upstream serves (Scale: each execution's combined stdout and stderr)."""

    async def job_logs(self, key: NativeKey, after: str | None, limit: int) -> Page[LogRecord]:
        """The job's log lines, oldest first (every attempt in turn), positions as for ``list_jobs``."""
        ...


@runtime_checkable
class Catalog(Protocol):
    """Lists what a submission names (Leia: the models and documents ``submitJob`` takes ids of)."""

    catalog_kinds: tuple[str, ...]
    """The lists it has, e.g. ``("models", "documents")``."""

    async def list_catalog(self, kind: str, after: str | None, limit: int) -> Page[CatalogRecord]:
        """One page of the ``kind`` list (one of ``catalog_kinds``), positions as for ``list_jobs``."""
        ...


@runtime_checkable
class ScopeNamer(Protocol):
    """Can tell a human name for each configured scope (Leia application name, phyloDB project name, ...)."""

    async def scope_names(self) -> list[ScopeRecord]:
        """One record per configured scope, in ``scopes`` order; ``name`` ``None`` where none is known."""
        ...


@runtime_checkable
class SpreadingCancel(Protocol):
    """Cancelling one job stops others with it (Amperity: stopping an ingest job stops its whole workflow)."""

    async def cancel_affects(self, key: NativeKey) -> list[JobRecord]:
        """Every job a cancel of ``key`` would stop, ``key``'s own included, as they are now."""
        ...


class SourceMemory(Protocol):
    """A durable key space for what an upstream never tells again (inputs of jobs we submitted, ...).

    The gateway hands each adapter that wants one (``RemembersSubmissions``) a space of
    its state store, private to that source and credential scope, so it survives
    restarts and is shared by replicas; ``adapters.memory.LocalMemory`` is the
    in-process stand-in. Values are bytes; an expired key reads as absent.
    """

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None: ...


@runtime_checkable
class RemembersSubmissions(Protocol):
    """An adapter that keeps what it submitted (for reruns, or outcomes the upstream cannot tell)."""

    def use_memory(self, memory: SourceMemory) -> None:
        """Keep it in ``memory`` from now on (called once, before the first request)."""
        ...


@runtime_checkable
class GroupedJobLister(Protocol):
    """Several job lists of one source in fewer upstream calls than one per list.

    The gateway reads a nested connection (``Job.children``, ``JobType.jobs``) for every
    parent on a page; a source whose list filter can cover many parents at once answers
    them together (Scale: repeated ``job_type_id``; Leia: one read sorted by parent).
    """

    async def list_job_groups(self, queries: Sequence[JobQuery], limit: int) -> list[Page[JobRecord] | None]:
        """For each query, exactly what ``list_jobs(query, None, limit)`` would answer, positions
        and total included, or ``None`` where a shared read cannot tell it for sure (the caller
        then asks ``list_jobs`` for that one)."""
        ...


@runtime_checkable
class HttpBacked(Protocol):
    """An adapter that talks to its upstream through the shared client: its health and call counts show."""

    client: UpstreamClient


_JUDGED_CALLS = (
    "list_jobs",
    "get_jobs",
    "list_job_types",
    "get_job_types",
    "list_ingest_runs",
    "get_ingest_runs",
    "ingest_run_ids",
    "submit_job",
    "cancel_job",
    "rerun_job",
    "check",
    "get_statuses",
    "start_job",
    "cancel_affects",
    "scope_names",
    "list_catalog",
    "job_logs",
    "validate_job_type",
    "create_job_type",
    "edit_job_type",
)
"""The protocol methods (``Adapter`` and its capabilities) whose outcome tells the breaker whether answers were usable."""

_IN_CALL: ContextVar[bool] = ContextVar("job_gateway_adapter_call", default=False)


def _unusable(result: object, source: Source) -> UpstreamError | None:
    """A BAD_RESPONSE of ``source`` among the per-key answers of a batch call, if any."""
    items = result.values() if isinstance(result, Mapping) else result if isinstance(result, list) else ()
    for item in items:
        if isinstance(item, UpstreamError) and item.kind is ErrorKind.BAD_RESPONSE and item.source is source:
            return item
    return None


def _judged(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def call(self: BaseAdapter, *args: Any, **kwargs: Any) -> Any:
        if _IN_CALL.get() or not isinstance(self, HttpBacked):
            return await method(self, *args, **kwargs)  # an inner call: the outer one judges
        token = _IN_CALL.set(True)
        try:
            result = await method(self, *args, **kwargs)
        except UpstreamError as err:
            if err.kind is ErrorKind.BAD_RESPONSE and err.source is self.source:
                self.client.note_unusable(err)
            raise
        finally:
            _IN_CALL.reset(token)
        bad = _unusable(result, self.source)
        if bad is None:
            self.client.note_usable()
        else:
            self.client.note_unusable(bad)
        return result

    return call


class BaseAdapter:
    """Defaults for what a source cannot do: each answers with a typed NOT_SUPPORTED error.

    Concrete adapters subclass this and override what their upstream offers.

    The protocol methods a subclass defines are wrapped (``__init_subclass__``) so
    that, for a source behind an ``UpstreamClient``, a call ending in BAD_RESPONSE
    (a 2xx body that is not JSON or not the documented shape, found by ``decode``
    or ``translate``) counts as a failure for the client's circuit breaker, and a
    call that read its answers fine resets that count. The client alone cannot
    tell: the body is judged after it returned the 2xx.
    """

    source: Source
    capabilities: Capabilities = Capabilities()
    scopes: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _JUDGED_CALLS:
            method = cls.__dict__.get(name)
            if method is not None and inspect.iscoroutinefunction(method):
                setattr(cls, name, _judged(method))

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        raise not_supported(self.source, "listing jobs")

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        raise not_supported(self.source, "getting jobs")

    async def list_job_types(self, query: JobTypeQuery, after: str | None, limit: int) -> Page[JobTypeRecord]:
        return Page(entries=(), has_more=False, total=0)

    async def get_job_types(self, keys: Sequence[NativeKey]) -> list[JobTypeRecord | UpstreamError]:
        return [not_supported(self.source, "job types") for _ in keys]

    async def list_ingest_runs(self, query: IngestRunQuery, after: str | None, limit: int) -> Page[IngestRunRecord]:
        return Page(entries=(), has_more=False, total=0)

    async def get_ingest_runs(self, keys: Sequence[NativeKey]) -> list[IngestRunRecord | UpstreamError]:
        return [not_supported(self.source, "ingest runs") for _ in keys]

    async def ingest_run_ids(self, jobs: Sequence[JobRecord]) -> list[str | None]:
        return [job.ingest_run_id for job in jobs]

    async def submit_job(self, request: SubmitRequest) -> JobRecord:
        raise not_supported(self.source, "submitting jobs")

    async def cancel_job(self, key: NativeKey) -> JobRecord:
        raise not_supported(self.source, "cancelling jobs")

    async def rerun_job(self, key: NativeKey) -> JobRecord:
        raise not_supported(self.source, "rerunning jobs")

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


# --- paging over several scopes -------------------------------------------------------

ScopePageFn = Callable[[str, str | None, int], Awaitable[Page[T]]]
"""Lists one scope: ``(scope, after_within_scope, limit) -> Page``."""

_SCOPE_SEP = "\x1f"


def scoped_position(scope_index: int, inner: str) -> str:
    return f"{scope_index}{_SCOPE_SEP}{inner}"


def parse_scoped_position(
    position: str | None, *, source: Source | None = None, scope_count: int | None = None
) -> tuple[int, str | None]:
    """Split a position made by ``page_across_scopes``; ``None`` starts at the first scope.

    A malformed position, or one whose scope index lies past ``scope_count``,
    raises ``UpstreamError(INVALID)`` naming ``source`` (a bare ``ValueError``
    when no source is given).
    """
    if position is None:
        return 0, None
    index, sep, inner = position.partition(_SCOPE_SEP)
    if not sep or not (index.isascii() and index.isdigit()):
        raise _invalid_position(source, "malformed list position")
    if scope_count is not None and int(index) > scope_count:
        raise _invalid_position(source, "list position is out of range")
    return int(index), inner or None


def _invalid_position(source: Source | None, message: str) -> Exception:
    if source is None:
        return ValueError(message)
    return UpstreamError(ErrorKind.INVALID, source, f"{source.value} {message}")


async def page_across_scopes(
    scopes: Sequence[str],
    list_scope: ScopePageFn[T],
    after: str | None,
    limit: int,
    *,
    source: Source | None = None,
) -> Page[T]:
    """Walk several scopes (graphs, projects) one after another as one list.

    Positions carry the scope index, so a page may stop inside one scope and the
    next continues there. Asks each scope only for what is still missing. The
    total is the sum of the scopes' totals when every scope visited tells one
    and the walk reached the end; otherwise ``None``. A malformed ``after`` is
    ``UpstreamError(INVALID)`` naming ``source`` (see ``parse_scoped_position``).
    """
    index, inner = parse_scoped_position(after, source=source, scope_count=len(scopes))
    entries: list[PageEntry[T]] = []
    totals_known = after is None
    total = 0
    while index < len(scopes) and len(entries) < limit:
        page = await list_scope(scopes[index], inner, limit - len(entries))
        entries.extend(PageEntry(e.record, scoped_position(index, e.position)) for e in page.entries)
        if page.total is None:
            totals_known = False
        else:
            total += page.total
        if page.has_more:
            return Page(entries, has_more=True, total=None)
        index, inner = index + 1, None
        if entries and index < len(scopes):
            # The next scope starts at its beginning: make the last entry's position
            # point there, so resuming does not ask the finished scope again.
            last = entries[-1]
            entries[-1] = PageEntry(last.record, scoped_position(index, ""))
    has_more = index < len(scopes)
    return Page(entries, has_more=has_more, total=total if totals_known and not has_more else None)
