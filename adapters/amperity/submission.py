"""What ``submitJob`` takes for Amperity: nothing it can act on (ingest jobs are started by its workflows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.base import SubmitRequest
from adapters.submission import Submission, input_model


@input_model("Amperity ingest jobs are read-only upstream; submitting is refused.")
@dataclass(frozen=True, slots=True)
class AmperityIngestInput:
    tenant: str | None = None


def to_request(job: AmperityIngestInput) -> SubmitRequest:
    return SubmitRequest(job.tenant or "", {})


def field_path(params: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    return ()


SUBMISSION = Submission(AmperityIngestInput, to_request, field_path)
