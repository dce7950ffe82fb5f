"""The Leia simulator's endpoints (paths relative to ``https://api.leia.io/leia/1.0.0``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.leia.syntax import FORMAT_TYPES, TRANSFORM_TYPES, page_range_ok, rules_problems
from adapters.timeparse import format_ms
from simulators.kit.problems import Problem
from simulators.leia.catalog import list_documents, list_models
from simulators.leia.http import enum_value, json_body, merged_params
from simulators.leia.jobs import JobSpec, make_job
from simulators.leia.listing import list_jobs
from simulators.leia.model import SimApplication, SimDocument, SimJob
from simulators.leia.state import LeiaState

NOT_LOGGED_IN = "Not logged in"
JOB_NOT_FOUND = "Job not found"
NOT_JOB_OWNER = "Not the owner of the job"

_COMMON = {
    "execute_after_id": "string",
    "page_range": "string",
    "callback_url": "string",
    "block_processing": "boolean",
}
APPLY_PARAMS = {**_COMMON, "tag": "string", "format_type": "string", "model_params": "object"}
TRANSFORM_PARAMS = {**_COMMON, "input_tag": "string", "output_tag": "string", "transform_params": "object"}
CONDITIONAL_PARAMS = {"callback_url": "string", "block_processing": "boolean"}
BODY_ONLY = {"callback_headers": "object"}

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def application_json(app: SimApplication) -> dict[str, Any]:
    # The api_key is deliberately left out, though the Application schema has the field.
    return {
        "id": app.id,
        "application_name": app.application_name,
        "application_type": "developer",
        "creation_time": format_ms(app.creation_time),
        "email": app.email,
        "first_name": app.first_name,
        "last_name": app.last_name,
        "dedicated_workers": False,
    }


def routes(state: LeiaState) -> list[Route]:
    """Every route, closed over ``state``."""

    def now_ms() -> datetime:
        now = state.clock.now()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def caller(request: Request) -> tuple[SimApplication, datetime]:
        app = state.session(request.headers.get("token"))
        if app is None:
            raise Problem(401, NOT_LOGGED_IN)
        now = now_ms()
        state.materialize(now)
        return app, now

    def owned_job(app: SimApplication, job_id: str) -> SimJob:
        job = state.jobs.get(job_id)
        if job is None:
            raise Problem(404, JOB_NOT_FOUND)
        if job.application_id != app.id:
            raise Problem(403, NOT_JOB_OWNER)
        return job

    def login_answer(api_key: Any) -> JSONResponse:
        app = state.application_by_key(api_key) if isinstance(api_key, str) else None
        if app is None:
            raise Problem(403, "Bad API key")
        return JSONResponse({"token": state.login(app), "application": application_json(app)})

    async def login_post(request: Request) -> Response:
        body = await json_body(request)
        if "api_key" not in body:
            raise Problem(400, "'api_key' is a required property")
        return login_answer(body["api_key"])

    async def login_get(request: Request) -> Response:
        return login_answer(request.path_params["api_key"])

    async def logout(request: Request) -> Response:
        caller(request)
        state.logout(request.headers["token"])
        return Response(status_code=204)

    async def whoami(request: Request) -> Response:
        app, _ = caller(request)
        return JSONResponse(application_json(app))

    async def health(request: Request) -> Response:
        return Response(status_code=200)

    async def get_models(request: Request) -> Response:
        app, _ = caller(request)
        page, headers = list_models(state, request, app)
        return JSONResponse(page, headers=headers)

    async def get_documents(request: Request) -> Response:
        app, _ = caller(request)
        page, headers = list_documents(state, request, app)
        return JSONResponse(page, headers=headers)

    async def get_jobs(request: Request) -> Response:
        app, now = caller(request)
        page, headers = list_jobs(state, request, app.id, now)
        return JSONResponse(page, headers=headers)

    async def get_job(request: Request) -> Response:
        app, now = caller(request)
        return JSONResponse(state.job_json(owned_job(app, request.path_params["job_id"]), now))

    async def get_statuses(request: Request) -> Response:
        app, now = caller(request)
        ids = [i for i in request.path_params["job_ids"].split(",") if i]
        found: dict[str, str] = {}
        for job_id in ids:
            job = state.jobs.get(job_id)
            if job is None:
                continue
            if job.application_id != app.id:
                raise Problem(403, NOT_JOB_OWNER)
            found[job_id] = state.status(job, now)
        if not found:
            raise Problem(404, JOB_NOT_FOUND)
        return JSONResponse(found)

    async def cancel_job(request: Request) -> Response:
        app, now = caller(request)
        job = owned_job(app, request.path_params["job_id"])
        if not state.cancel(job, now):
            raise Problem(404, "Job not found (or already canceled)")
        return Response(status_code=204)

    async def start_job(request: Request) -> Response:
        app, now = caller(request)
        job = owned_job(app, request.path_params["job_id"])
        state.release(job, now)
        return JSONResponse(state.job_json(job, now))

    def documents(app: SimApplication, raw_ids: str, *, foreign: int) -> list[SimDocument]:
        docs = []
        for doc_id in [d for d in raw_ids.split(",") if d]:
            doc = state.documents.get(doc_id)
            if doc is None:
                raise Problem(404, "Document not found")
            if doc.application_id != app.id:
                raise Problem(foreign, "Not the owner of the document" if foreign == 403 else "Document not found")
            docs.append(doc)
        if not docs:
            raise Problem(400, "At least one document id is required")
        return docs

    def chain(app: SimApplication, params: dict[str, Any], docs: list[SimDocument], tag: str | None) -> None:
        if params.get(tag or "") is not None and len(docs) > 1:
            raise Problem(400, "A tag can only be used with a single document id")
        page_range = params.get("page_range")
        if page_range is not None:
            if params.get("execute_after_id") is None:
                raise Problem(400, "page_range can only be used with execute_after_id")
            if not page_range_ok(page_range):
                raise Problem(400, f"{page_range!r} is not a valid page range")
        if params.get("execute_after_id") is not None:
            owned_job(app, params["execute_after_id"])

    def finish(job: SimJob, params: dict[str, Any], now: datetime) -> Response:
        job.execute_after_id = params.get("execute_after_id")
        job.page_range = params.get("page_range")
        job.callback_url = params.get("callback_url")
        headers = params.get("callback_headers") or {}
        if not all(isinstance(v, str) for v in headers.values()):
            raise Problem(400, "callback_headers values must be strings - 'callback_headers'")
        job.callback_headers = dict(headers)
        job.blocked = bool(params.get("block_processing", False))
        job.inputs = dict(params)
        state.add_job(job)
        return JSONResponse(state.job_json(job, now))

    async def apply_model(request: Request) -> Response:
        app, now = caller(request)
        params = await merged_params(request, APPLY_PARAMS, BODY_ONLY)
        model = state.model_for(app.id, request.path_params["model_id"])
        if model is None:
            raise Problem(404, "Model not found")
        docs = documents(app, request.path_params["document_ids"], foreign=404)
        format_type = params.get("format_type")
        if format_type is not None:
            enum_value(format_type, FORMAT_TYPES)
            if model.model_type != "classification":
                raise Problem(403, "Not a classification model")
        chain(app, params, docs, "tag")
        spec = JobSpec(app.id, docs, "predict", model=model, format_type=format_type)
        return finish(make_job(state.rng, spec, now), params, now)

    async def transform(request: Request) -> Response:
        app, now = caller(request)
        output_type = enum_value(request.path_params["output_type"], TRANSFORM_TYPES)
        params = await merged_params(request, TRANSFORM_PARAMS, BODY_ONLY)
        docs = documents(app, request.path_params["document_ids"], foreign=403)
        chain(app, params, docs, "input_tag")
        spec = JobSpec(app.id, docs, "transform", output_type=output_type)
        return finish(make_job(state.rng, spec, now), {**params, "output_type": output_type}, now)

    async def conditional(request: Request) -> Response:
        app, now = caller(request)
        before = owned_job(app, request.path_params["execute_after_id"])
        params = await merged_params(request, CONDITIONAL_PARAMS, {**BODY_ONLY, "rules": "object"})
        problems = rules_problems(params.get("rules"))
        if problems:
            path, message = problems[0]
            raise Problem(400, f"{message} - '{'.'.join(path)}'")
        for rule in params["rules"].values():
            for spec in rule["jobs"]:
                if spec["job_type"] == "apply_model" and state.model_for(app.id, spec["model_id"]) is None:
                    raise Problem(404, "Model not found")
                if spec.get("document_ids"):
                    documents(app, ",".join(spec["document_ids"]), foreign=404)
        docs = [state.documents[d] for d in before.document_ids if d in state.documents]
        job = make_job(state.rng, JobSpec(app.id, docs, "conditional"), now)
        job.document_ids = list(before.document_ids)
        job.rules = params["rules"]
        return finish(job, {**params, "execute_after_id": before.id}, now)

    return [
        Route("/login", login_post, methods=["POST"]),
        Route("/login/{api_key}", login_get, methods=["GET"]),
        Route("/logout", logout, methods=["GET"]),
        Route("/whoami", whoami, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/job", get_jobs, methods=["GET"]),
        Route("/model", get_models, methods=["GET"]),
        Route("/document", get_documents, methods=["GET"]),
        Route("/job/conditional/{execute_after_id}", conditional, methods=["POST"]),
        Route("/job/{job_ids}/status", get_statuses, methods=["GET"]),
        Route("/job/{job_id}/start", start_job, methods=["POST"]),
        Route("/job/{job_id}", get_job, methods=["GET"]),
        Route("/job/{job_id}", cancel_job, methods=["DELETE"]),
        Route("/model/{model_id}/apply/{document_ids}", apply_model, methods=["POST"]),
        Route("/document/{document_ids}/transform/{output_type}", transform, methods=["POST"]),
    ]
