"""Scale-only records the gateway shows on ``JobType``: status counts, queue counts, failures, revisions.

The common model has no place for these (no other source has them), so the
Scale adapter offers them through extra methods and these frozen records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.model import JobStatus, JobTypeRecord


@dataclass(frozen=True, slots=True)
class JobTypeStatusCount:
    """How many jobs of a type were in one status in the window asked (RUNNING: all of them)."""

    status: JobStatus
    native_status: str
    count: int
    most_recent: datetime | None
    category: str | None
    """The error category (SYSTEM, DATA, ALGORITHM) for a FAILED count, else ``None``."""


@dataclass(frozen=True, slots=True)
class JobTypeQueueCount:
    """Jobs of a type now PENDING (or RUNNING) and since when the oldest one has been."""

    job_type: JobTypeRecord
    count: int
    longest: datetime | None


@dataclass(frozen=True, slots=True)
class JobTypeFailure:
    """Jobs of a type that failed with one SYSTEM error."""

    job_type: JobTypeRecord
    error_name: str | None
    error_title: str | None
    category: str | None
    count: int
    first_error: datetime | None
    last_error: datetime | None


@dataclass(frozen=True, slots=True)
class JobTypeRevision:
    native_id: str
    revision_num: int
    docker_image: str | None
    created_at: datetime | None
    manifest: Mapping[str, Any] | str | None = None
    """Only revision details carry the manifest."""
    raw: Mapping[str, Any] = field(default_factory=dict)
