"""What the gateway learned when it submitted a phyloDB job, since phyloDB never tells it again.

A listed job is only ``{id, completed, cancelled}``: its analysis, algorithm,
parameters, result id and submit time exist only in the POST body and its 202
reply. They are kept here, in a bounded in-process TTL cache, so records can
carry a job type, a creation time and a success/failure verdict, and so the
job can be rerun. Jobs submitted by another client (or by another gateway
replica, or before a restart) are not known here; their records stay minimal.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import TTLCache

from adapters.model import JobStatus
from adapters.phylodb.params import JobInput

DEFAULT_MAX_JOBS = 10_000
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
    """Submissions by ``(project, job id)``; the oldest are dropped past ``max_jobs`` or ``ttl_s``."""

    def __init__(self, max_jobs: int = DEFAULT_MAX_JOBS, ttl_s: float = DEFAULT_TTL_S) -> None:
        self._cache: TTLCache[tuple[str, str], Submission] = TTLCache(maxsize=max_jobs, ttl=ttl_s)

    def __len__(self) -> int:
        return len(self._cache)

    def get(self, project_id: str, job_id: str) -> Submission | None:
        return self._cache.get((project_id, job_id))

    def put(self, submission: Submission) -> None:
        self._cache[(submission.project_id, submission.job_id)] = submission

    def settle(self, submission: Submission, outcome: JobStatus) -> Submission:
        """Record a final verdict so the result resource is looked up only once."""
        settled = dataclasses.replace(submission, outcome=outcome)
        if (submission.project_id, submission.job_id) in self._cache:
            self._cache[(submission.project_id, submission.job_id)] = settled
        return settled
