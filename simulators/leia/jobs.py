"""Makes simulated Leia jobs: ids, planned phase durations, outcome and result.

Ids look like MongoDB ObjectIds (24 hex digits, the first 8 the creation
second), as Leia's do. Everything random is drawn from the simulator's
``Seeded`` generator, so the same seed and the same calls give the same jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.leia.syntax import job_type_for_transform
from simulators.kit import Seeded
from simulators.leia.model import SimDocument, SimJob, SimModel

_FAILURES = (
    (400, "Document {doc} could not be processed: unsupported content"),
    (400, "Document {doc} is empty or unreadable"),
    (500, "Worker lost while processing the job"),
    (500, "Internal error in LEIA while loading the model"),
)
_KV_FIELDS = ("invoice_number", "total_amount", "issue_date", "supplier_name")


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a job is asked to do; links (execute_after, parent, callback) are set by the caller."""

    application_id: str
    documents: Sequence[SimDocument]
    kind: str
    """``predict``, ``transform`` or ``conditional``."""
    model: SimModel | None = None
    output_type: str | None = None
    format_type: str | None = None


def new_id(rng: Seeded, at: datetime) -> str:
    return f"{int(at.timestamp()) & 0xFFFFFFFF:08x}{rng.hex(16)}"


def make_job(
    rng: Seeded, spec: JobSpec, created: datetime, *, failure_rate: float = 0.1, slowness: float = 1.0
) -> SimJob:
    """A job created at ``created``; ``slowness`` stretches its phases (seeded history varies it)."""
    job_type = _job_type(spec)
    durations = _durations(rng, spec.kind, slowness)
    failed = spec.kind != "conditional" and rng.rng.random() < failure_rate
    failure = None
    if failed:
        code, text = rng.rng.choice(_FAILURES)
        failure = (code, text.format(doc=spec.documents[0].id if spec.documents else "?"))
    result, result_type = (None, None) if failed else _result(rng, spec)
    return SimJob(
        id=new_id(rng, created),
        application_id=spec.application_id,
        job_type=job_type,
        document_ids=[d.id for d in spec.documents],
        creation_time=created,
        durations=durations,
        outcome="FAILED" if failed else "PROCESSED",
        failure=failure,
        result=result,
        result_type=result_type,
        model_id=spec.model.id if spec.model else None,
    )


def _job_type(spec: JobSpec) -> str:
    if spec.kind == "predict":
        return "predict"
    if spec.kind == "transform":
        return job_type_for_transform(spec.output_type or "")
    return "conditional"


def _durations(rng: Seeded, kind: str, slowness: float) -> tuple[tuple[str, float], ...]:
    r = rng.rng
    if kind == "conditional":
        return (("READY", 1.0), ("STARTING", 0.5), ("PROCESSING", 1.0))
    phases = [("READY", r.uniform(1, 6)), ("STARTING", r.uniform(1, 3))]
    if kind == "predict":
        phases.append(("LOADING_MODEL", r.uniform(2, 8)))
    phases.append(("PROCESSING", r.uniform(3, 20)))
    return tuple((word, round(seconds * slowness, 3)) for word, seconds in phases)


def _result(rng: Seeded, spec: JobSpec) -> tuple[Any, str | None]:
    if spec.kind == "predict" and spec.model is not None:
        return _prediction(rng, spec)
    if spec.kind == "transform":
        return _documents(rng, spec)
    return None, None


def _prediction(rng: Seeded, spec: JobSpec) -> tuple[Any, str]:
    assert spec.model is not None
    r = rng.rng
    classify = spec.model.model_type == "classification"
    categories = spec.model.categories or ("other",)

    def one() -> dict[str, Any]:
        if classify:
            return {
                "category": r.choice(categories),
                "score": round(r.uniform(0.55, 0.999), 3),
                "accuracy": round(r.uniform(0.8, 0.99), 3),
            }
        return {name: f"{name}-{rng.digits(4)}" for name in _KV_FIELDS}

    kind = "classification" if classify and spec.format_type == "classification" else "object"
    if len(spec.documents) == 1:
        return one(), kind
    return {doc.id: one() for doc in spec.documents}, f"dict[{kind}]"


def _documents(rng: Seeded, spec: JobSpec) -> tuple[Any, str]:
    output_type = spec.output_type or "transcode"
    outputs: list[dict[str, Any]] = []
    for doc in spec.documents:
        pages = range(doc.pages) if output_type == "image" else [None]
        for page in pages:
            outputs.append(_output_document(rng, spec.application_id, doc, output_type, page))
    if output_type == "merge":
        outputs = outputs[:1]
    if len(outputs) == 1 and output_type != "image":
        return outputs[0], "document"
    return outputs, "list[document]"


def _output_document(
    rng: Seeded, application_id: str, source: SimDocument, output_type: str, page: int | None
) -> dict[str, Any]:
    extension, mime = {
        "image": ("jpg", "image/jpeg"),
        "text": ("txt", "text/plain"),
        "text_tree": ("json", "application/json"),
        "merge": ("txt", "text/plain"),
        "split": ("txt", "text/plain"),
    }.get(output_type, (source.extension, source.mime_type))
    doc: dict[str, Any] = {
        "id": rng.mongo_id(),
        "application_id": application_id,
        "filename": source.filename,
        "extension": extension,
        "mime_type": mime,
        "original_id": source.id,
        "rotation_angle": 0,
        "size": rng.rng.randint(2_000, 900_000),
        "tags": [],
    }
    if page is not None:
        doc["page"] = page
    return doc
