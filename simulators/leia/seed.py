"""Seeded history for the Leia simulator: 4 applications, their models, documents and 600 jobs.

The first application (``Docapost Invoices``) is the one the simulator's
config logs in as and owns half the jobs (300); the others own 150, 90 and 60.
Jobs span the last 7 days, with about one in twelve created in the last two
minutes and slowed down (phases 3-8x longer) so that, on a real-time clock, a
dozen or more visibly move through READY -> STARTING -> (LOADING_MODEL) ->
PROCESSING -> PROCESSED/FAILED within the first minute.
About 18% are chained (``execute_after_id``), 3% were created with
``block_processing`` (most old ones since released), 4% were canceled, 10%
fail; one in 25 old slots holds a conditional job whose matching rule has
spawned two children (``parent_job_id``), so the total is exactly 600.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from simulators.kit import Seeded
from simulators.leia.jobs import JobSpec, make_job, new_id
from simulators.leia.model import SimApplication, SimDocument, SimJob, SimModel
from simulators.leia.state import LeiaState

APPLICATIONS = (
    ("Docapost Invoices", "Claire", "Martin", 300),
    ("Claims Intake", "Hugo", "Bernard", 150),
    ("HR Onboarding", "Lea", "Dubois", 90),
    ("Archive Digitization", "Nina", "Laurent", 60),
)
SHARED_MODELS = (
    ("doctype", "document_type_classifier", "classification", ("invoice", "receipt", "id_card", "contract")),
    ("quality", "scan_quality_classifier", "classification", ("good", "blurry", "rotated")),
    ("invoice-kv", "invoice_field_extractor", "key_value_extraction", ()),
)
_DOC_KINDS = (("pdf", "application/pdf"), ("jpg", "image/jpeg"), ("png", "image/png"), ("txt", "text/plain"))
_HISTORY = timedelta(days=7)
_RECENT = timedelta(seconds=120)


def seed(state: LeiaState, rng: Seeded, now: datetime) -> None:
    for short, name, kind, categories in SHARED_MODELS:
        created = now - timedelta(days=rng.rng.randint(200, 900))
        model = SimModel(new_id(rng, created), short, name, kind, None, created, categories)
        state.models[model.id] = model
    for app_name, first, last, count in APPLICATIONS:
        app = _application(rng, now, app_name, first, last)
        state.add_application(app)
        _models_and_documents(state, rng, app, now)
        _jobs(state, rng, app, now, count)


def _application(rng: Seeded, now: datetime, name: str, first: str, last: str) -> SimApplication:
    created = now - timedelta(days=rng.rng.randint(400, 1500))
    key = "".join(rng.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(33))
    email = f"{first.lower()}.{last.lower()}@example.com"
    return SimApplication(new_id(rng, created), key, name, first, last, email, created)


def _models_and_documents(state: LeiaState, rng: Seeded, app: SimApplication, now: datetime) -> None:
    slug = app.application_name.split()[0].lower()
    for short, kind, categories in (
        (f"{slug}-router", "classification", ("urgent", "standard", "archive")),
        (f"{slug}-fields", "key_value_extraction", ()),
    ):
        created = now - timedelta(days=rng.rng.randint(30, 300))
        model = SimModel(
            new_id(rng, created), short, f"{short.replace('-', '_')}_v1", kind, app.id, created, categories
        )
        state.models[model.id] = model
    for index in range(30):
        extension, mime = _DOC_KINDS[index % len(_DOC_KINDS)]
        created = now - _HISTORY - timedelta(hours=rng.rng.randint(1, 2000))
        pages = rng.rng.randint(1, 12) if extension == "pdf" else 1
        doc = SimDocument(new_id(rng, created), app.id, f"{slug}_{index:03d}", extension, mime, pages, created)
        state.documents[doc.id] = doc


def _jobs(state: LeiaState, rng: Seeded, app: SimApplication, now: datetime, count: int) -> None:
    r = rng.rng
    recent = max(3, count // 12)
    times = sorted(now - timedelta(seconds=r.uniform(0, _HISTORY.total_seconds())) for _ in range(count - recent))
    times += sorted(now - timedelta(seconds=r.uniform(1, _RECENT.total_seconds())) for _ in range(recent))
    times = [t.replace(microsecond=t.microsecond // 1000 * 1000) for t in times]
    docs = [d for d in state.documents.values() if d.application_id == app.id]
    models = [m for m in state.models.values() if m.application_id in (None, app.id)]
    made: list[SimJob] = []
    index = 0
    while index < len(times):
        created = times[index]
        old = now - created > timedelta(days=1)
        if old and index + 2 < len(times) - recent and r.random() < 0.04:
            conditional = _conditional(state, rng, app, made, created, models)
            if conditional is not None:
                made.append(conditional)
                index += 3  # the conditional and the two children its matching rule spawns
                continue
        made.append(plain_job(state, rng, app, made, created, now, docs, models, old))
        index += 1
    state.materialize(now)


def plain_job(
    state: LeiaState,
    rng: Seeded,
    app: SimApplication,
    made: list[SimJob],
    created: datetime,
    now: datetime,
    docs: list[SimDocument],
    models: list[SimModel],
    old: bool,
    *,
    slowness: float | None = None,
) -> SimJob:
    """A predict or transform job, sometimes chained after one of ``made``; also what arrives later."""
    r = rng.rng
    if r.random() < 0.45:
        chosen = r.sample(docs, 1 if r.random() < 0.8 else 2)
        model = r.choice(models)
        fmt = "classification" if model.model_type == "classification" and r.random() < 0.7 else None
        spec = JobSpec(app.id, chosen, "predict", model=model, format_type=fmt)
    else:
        output_type = r.choice(("image", "image", "text", "text", "text_tree", "autorotate", "trim", "split"))
        wanted = "pdf" if output_type == "image" else "jpg"
        pool = [d for d in docs if d.extension == wanted] or docs
        spec = JobSpec(app.id, r.sample(pool, 1 if r.random() < 0.75 else 2), "transform", output_type=output_type)
    if slowness is None:
        slowness = r.uniform(1, 6) if old else r.uniform(3, 8)
    job = make_job(rng, spec, created, slowness=slowness)
    if made and r.random() < 0.18:
        job.execute_after_id = r.choice(made[-8:]).id
        if r.random() < 0.3:
            job.page_range = r.choice(("0", "1:", "0,2:5,-1", "::2"))
    if r.random() < 0.03:
        job.blocked = True
        if old and r.random() < 0.7:
            job.released_at = created + timedelta(seconds=r.uniform(60, 3600))
    state.add_job(job)
    if r.random() < 0.04:
        cancel_somewhere(state, rng, job, now)
    return job


def cancel_somewhere(state: LeiaState, rng: Seeded, job: SimJob, now: datetime) -> None:
    final = state.timeline(job).final
    end = min(final[1], now) if final is not None else now
    if end <= job.creation_time:
        return
    moment = job.creation_time + (end - job.creation_time) * rng.rng.uniform(0.1, 0.9)
    state.cancel(job, moment.replace(microsecond=moment.microsecond // 1000 * 1000))


def _conditional(
    state: LeiaState,
    rng: Seeded,
    app: SimApplication,
    made: list[SimJob],
    created: datetime,
    models: list[SimModel],
) -> SimJob | None:
    """A conditional job after an earlier single-document classification that has PROCESSED."""
    candidates = [
        j
        for j in made[-30:]
        if j.job_type == "predict"
        and isinstance(j.result, dict)
        and "category" in j.result
        and (state.timeline(j).final_at(created) or ("", created))[0] == "PROCESSED"
    ]
    kv_models = [m for m in models if m.model_type == "key_value_extraction"]
    if not candidates or not kv_models:
        return None
    before = rng.rng.choice(candidates)
    category = before.result["category"]
    documents = [state.documents[d] for d in before.document_ids]
    job = make_job(rng, JobSpec(app.id, documents, "conditional"), created)
    job.execute_after_id = before.id
    job.rules = {
        f"route_{category}": {
            "conditions": {"category": category, "score": {"$gte": 0.5}},
            "jobs": [
                {"job_type": "transform", "output_type": "text"},
                {"job_type": "apply_model", "model_id": rng.rng.choice(kv_models).id},
            ],
        },
        "route_other": {
            "conditions": {"category": {"$ne": category}},
            "jobs": [{"job_type": "transform", "output_type": "trim"}],
        },
    }
    return state.add_job(job)
