"""The records the event core passes around: which job (``JobRef``) and what changed (``StatusEvent``).

Both are frozen and slotted. A ``StatusEvent`` is built once by the bus and then
shared, unchanged, by every subscriber, the replay buffer and the per-job
history: the same id always means the same content, which is what makes
resuming by id safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from adapters.model import JobRecord, JobStatus, NativeKey, Source


@dataclass(frozen=True, slots=True)
class JobRef:
    """Identifies one job across all sources: the source plus the job's key inside it."""

    source: Source
    key: NativeKey
    _hash: int = field(init=False, repr=False, compare=False)
    """The hash, computed once: a ref is looked up in the bus's sets and dicts for every event
    and subscriber, and the generated __hash__ hashes the key's fields anew each time."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.source, self.key)))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def of(cls, job: JobRecord) -> JobRef:
        """The ref of a record, so callers never rebuild keys by hand."""
        return cls(job.source, job.key)

    @property
    def path(self) -> str:
        """``source:scope:native_id``: the job's name in store keys, the same in every replica."""
        return f"{self.source.value}:{self.key.scope}:{self.key.native_id}"


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One status transition of one job, as published on the bus.

    ``id`` increases with every event a bus publishes; a subscriber resumes after
    the last id it saw. ``previous_status`` is the last status the gateway knew,
    or ``None`` when it knew none (a newly submitted job). ``at`` is when the
    gateway learnt of the change, not when the upstream made it (see
    ``job.updated_at`` for that).
    """

    id: int
    ref: JobRef
    job: JobRecord
    previous_status: JobStatus | None
    status: JobStatus
    at: datetime

    @property
    def is_final(self) -> bool:
        """Whether the job reached a terminal status; no later event is expected for it."""
        return self.status.is_final
