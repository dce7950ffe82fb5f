"""The common model every adapter translates into.

Records are frozen and slotted: they are built once by an adapter's ``translate``
module and then only read by the GraphQL layer. Native ids and scopes are strings
whatever the upstream uses (Scale's integer ids become ``"42"``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


class Source(str):
    """The upstream a record comes from: ``Source.SCALE``, or any name a registered source has.

    An open set, not an enum: a new upstream registers its own name (``adapters.registry``)
    without touching this module. Instances are interned, so ``is`` compares them as it
    would enum members, and ``.value`` reads as on an enum. Names are upper-case ASCII.
    """

    __slots__ = ()
    _interned: ClassVar[dict[str, Source]] = {}

    WORDLIFT: ClassVar[Source]
    LEIA: ClassVar[Source]
    PHYLODB: ClassVar[Source]
    SCALE: ClassVar[Source]
    AMPERITY: ClassVar[Source]

    def __new__(cls, value: str) -> Source:
        found = cls._interned.get(value)
        if found is None:
            if not _SOURCE_NAME.fullmatch(value):
                raise ValueError(f"{value!r} is not a source name (upper-case letters, digits and _)")
            found = super().__new__(cls, value)
            cls._interned[str(value)] = found
        return found

    @classmethod
    def known(cls, name: str) -> Source | None:
        """The source of that name if one was ever made, else ``None``: never makes one from untrusted text."""
        return cls._interned.get(name)

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Source.{self.value}"

    def __reduce__(self) -> tuple[type[Source], tuple[str]]:
        return Source, (self.value,)


_SOURCE_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,31}")

Source.WORDLIFT = Source("WORDLIFT")
Source.LEIA = Source("LEIA")
Source.PHYLODB = Source("PHYLODB")
Source.SCALE = Source("SCALE")
Source.AMPERITY = Source("AMPERITY")


class JobStatus(enum.Enum):
    """Normalized status shared by all sources; ``native_status`` keeps the upstream word."""

    PENDING = "PENDING"
    BLOCKED = "BLOCKED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    UNKNOWN = "UNKNOWN"

    @property
    def is_final(self) -> bool:
        # By identity: ``in FINAL_STATUSES`` would hash the member through Enum's Python-level
        # __hash__, and this is asked for every event and subscriber.
        return self is JobStatus.SUCCEEDED or self is JobStatus.FAILED or self is JobStatus.CANCELED


FINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED})


class ErrorCategory(enum.Enum):
    """Why a job failed, in one vocabulary for every source (Scale's own categories are the first three)."""

    SYSTEM = "SYSTEM"
    """The platform failed (node lost, service error): not the job's fault."""
    DATA = "DATA"
    """The job's input was unusable."""
    ALGORITHM = "ALGORITHM"
    """The job's own code failed on valid input."""
    USER = "USER"
    """The request was refused as made (parameters, permissions)."""
    TIMEOUT = "TIMEOUT"
    """Something took too long."""
    CANCELED = "CANCELED"
    """The job, or one it depended on, was cancelled."""
    UNKNOWN = "UNKNOWN"
    """The source does not say."""


@dataclass(frozen=True, slots=True)
class JobError:
    """Why a job failed, as its source tells it."""

    message: str
    code: str | None = None
    """The source's machine-readable code (Scale error name, WordLift ``error_code``, Leia ``http_code``)."""
    category: ErrorCategory = ErrorCategory.UNKNOWN
    retryable: bool | None = None
    """Whether running it again may succeed, where the source says (Scale ``should_be_retried``)."""


@dataclass(frozen=True, slots=True)
class NativeKey:
    """Identifies a record inside one source: the scope it lives in and its native id.

    ``scope`` is the WordLift graph, Leia application, phyloDB project, Amperity
    tenant, or ``""`` where the source has a single namespace (Scale).
    """

    scope: str
    native_id: str


@dataclass(frozen=True, slots=True)
class JobRecord:
    source: Source
    native_id: str
    scope: str
    status: JobStatus
    native_status: str
    job_type_id: str | None = None
    """Native id of the job's JobType in the same source and scope, if it has one."""
    job_type_name: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime | None = None
    progress: float | None = None
    """Fraction done, 0..1, where the source reports enough to know it."""
    counters: Mapping[str, int] = field(default_factory=dict)
    error: JobError | None = None
    submitted_by: str | None = None
    """Who submitted it, where the source tells (Leia ``submitter_id``)."""
    stage: str | None = None
    """The current or last stage, where the source has stages (WordLift ``stage``)."""
    attempts: int | None = None
    """Times it was tried so far (Scale executions, WordLift stage retries + 1)."""
    inputs: Mapping[str, Any] | None = None
    """What the job was given, where the source tells (Scale input data, Leia documents and model, ...)."""
    outputs: Mapping[str, Any] | None = None
    """What it produced, where the source tells (Leia ``result``, Scale output data, phyloDB analysis id, ...)."""
    depends_on_id: str | None = None
    parent_id: str | None = None
    ingest_run_id: str | None = None
    can_cancel: bool = False
    can_rerun: bool = False
    can_start: bool = False
    """Held until released (Leia jobs created with ``block_processing``): ``startJob`` releases it."""
    pending_status: JobStatus | None = None
    """Set on the answer to a mutation the upstream accepted but applies later (Scale's cancel and
    requeue are queued messages): the status it will bring. The rest of the record is the job as
    the upstream still shows it."""
    raw: Mapping[str, Any] = field(default_factory=dict)
    ingest_run: IngestRunRecord | None = None
    """The ingest run itself, when the upstream sends job and run as one record (Amperity)."""

    @property
    def key(self) -> NativeKey:
        return NativeKey(self.scope, self.native_id)

    @property
    def sort_time(self) -> datetime | None:
        """The recency used to merge sources: last update, else the latest known time."""
        return self.updated_at or self.finished_at or self.started_at or self.created_at


@dataclass(frozen=True, slots=True)
class ScopeRecord:
    """A scope jobs live in (WordLift graph, Leia application, phyloDB project, ...) and its name."""

    source: Source
    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One line of a job's log (Scale execution logs)."""

    message: str
    time: datetime | None = None
    level: str | None = None
    """``INFO``, ``ERROR``, ... where the line or its stream tells."""
    stream: str | None = None
    """``stdout`` or ``stderr``."""


@dataclass(frozen=True, slots=True)
class CatalogRecord:
    """Something a submission names, listed so a client can pick it (Leia models and documents)."""

    source: Source
    kind: str
    """The source's catalog it is in (``Catalog.catalog_kinds``): ``models``, ``documents``, ..."""
    scope: str
    native_id: str
    name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobTypeRecord:
    source: Source
    native_id: str
    scope: str
    name: str
    version: str | None = None
    title: str | None = None
    description: str | None = None
    revision: int | None = None
    is_active: bool | None = None
    is_paused: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> NativeKey:
        return NativeKey(self.scope, self.native_id)

    @property
    def sort_time(self) -> datetime | None:
        return self.updated_at or self.created_at


@dataclass(frozen=True, slots=True)
class IngestFileRecord:
    file_id: str
    name: str | None
    read: int
    errors: int


@dataclass(frozen=True, slots=True)
class IngestTableRecord:
    name: str
    state: JobStatus
    native_state: str
    feed_id: str | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    errors: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    files: tuple[IngestFileRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class IngestRunRecord:
    source: Source
    native_id: str
    scope: str
    state: JobStatus
    native_state: str
    job_id: str | None = None
    """Native id of the Job (same source and scope) that performed this ingest."""
    file_name: str | None = None
    workflow_id: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    updated_at: datetime | None = None
    read: int | None = None
    inserted: int | None = None
    updated: int | None = None
    rejected: int | None = None
    errors: int | None = None
    tables: tuple[IngestTableRecord, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)
    job: JobRecord | None = None
    """The job record itself, when the upstream sends run and job as one record (Amperity)."""

    @property
    def key(self) -> NativeKey:
        return NativeKey(self.scope, self.native_id)

    @property
    def sort_time(self) -> datetime | None:
        return self.updated_at or self.ended_at or self.started_at
