"""What the gateway learned when it submitted a phyloDB job, since phyloDB never tells it again.

A listed job is only ``{id, completed, cancelled}``: its analysis, algorithm,
parameters, result id and submit time exist only in the POST body and its 202
reply. They are kept here, in the adapter's ``SourceMemory`` (the gateway's state
store: across restarts and replicas), so records can carry a job type, a creation
time and a success/failure verdict, and so the job can be rerun. Jobs submitted
by another client are not known here; their records stay minimal.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.base import SourceMemory
from adapters.memory import LocalMemory
from adapters.model import JobStatus
from adapters.phylodb.params import JobInput

DEFAULT_TTL_S = 30 * 86_400.0


@dataclass(frozen=True, slots=True)
class Submission:
    project_id: str
    job_id: str
    analysis_id: str
    job_input: JobInput
    submitted_at: datetime
    outcome: JobStatus | None = None
    """SUCCEEDED or FAILED once the job completed and its result was looked up; final, so kept."""

    @property
    def job_type_id(self) -> str:
        return f"{self.job_input.analysis}/{self.job_input.algorithm}"

    @property
    def result_path(self) -> str:
        """Where phyloDB puts the inference or visualization this job creates."""
        base = f"/projects/{self.project_id}/datasets/{self.job_input.dataset_id}/inferences"
        if self.job_input.analysis == "inference":
            return f"{base}/{self.analysis_id}"
        return f"{base}/{self.job_input.second}/visualizations/{self.analysis_id}"

    def as_raw(self) -> dict[str, Any]:
        """The POST body and its reply, for ``JobRecord.raw``."""
        return {
            "request": self.job_input.body(),
            "response": {"job_id": self.job_id, "analysis_id": self.analysis_id},
            "submitted_at": self.submitted_at.isoformat(),
        }


class SubmissionStore:
    """Submissions by ``(project, job id)`` in a ``SourceMemory``; each kept ``ttl_s`` after it was written."""

    def __init__(self, memory: SourceMemory | None = None, ttl_s: float = DEFAULT_TTL_S) -> None:
        self._memory: SourceMemory = memory if memory is not None else LocalMemory()
        self._ttl_s = ttl_s

    async def get_many(self, project_id: str, job_ids: Sequence[str]) -> list[Submission | None]:
        found = await self._memory.get_many([_key(project_id, job_id) for job_id in job_ids])
        return [None if value is None else _decode(value) for value in found]

    async def get(self, project_id: str, job_id: str) -> Submission | None:
        (found,) = await self.get_many(project_id, [job_id])
        return found

    async def put(self, submission: Submission) -> None:
        await self._memory.set(_key(submission.project_id, submission.job_id), _encode(submission), ttl_s=self._ttl_s)

    async def settle(self, submission: Submission, outcome: JobStatus) -> Submission:
        """Record a final verdict so the result resource is looked up only once (and a FAILED stays FAILED)."""
        settled = dataclasses.replace(submission, outcome=outcome)
        await self.put(settled)
        return settled


def _key(project_id: str, job_id: str) -> str:
    return f"submission:{project_id}:{job_id}"


def _encode(sub: Submission) -> bytes:
    job = sub.job_input
    return json.dumps(
        {
            "project_id": sub.project_id,
            "job_id": sub.job_id,
            "analysis_id": sub.analysis_id,
            "input": [job.analysis, job.algorithm, job.dataset_id, job.second],
            "submitted_at": sub.submitted_at.isoformat(),
            "outcome": None if sub.outcome is None else sub.outcome.value,
        }
    ).encode()


def _decode(value: bytes) -> Submission:
    data: dict[str, Any] = json.loads(value)
    analysis, algorithm, dataset_id, second = data["input"]
    return Submission(
        project_id=data["project_id"],
        job_id=data["job_id"],
        analysis_id=data["analysis_id"],
        job_input=JobInput(analysis, algorithm, dataset_id, second),
        submitted_at=datetime.fromisoformat(data["submitted_at"]),
        outcome=None if data["outcome"] is None else JobStatus(data["outcome"]),
    )
