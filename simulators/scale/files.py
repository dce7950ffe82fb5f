"""The Scale simulator's job input files and execution logs.

``GET /v6/jobs/{id}/input_files/`` lists the files a job's input names (Scale's
``ScaleFile`` shape, trimmed to its commonly used fields) and
``GET /v6/job-executions/{id}/logs/{stdout|stderr|combined}/`` returns a started
execution's log as JSON (or ``text/plain`` when asked), 204 when that stream is
empty and 406 for any other ``Accept``. Log lines are synthesised from the
execution's own times; stderr is empty unless the execution failed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.responses import PlainTextResponse, Response

from adapters.timeparse import parse_instant
from simulators.scale.http import Ctx, Endpoint, reply
from simulators.scale.jobs import job_or_404
from simulators.scale.query import ApiError, bad, not_found, paginate
from simulators.scale.render import iso
from simulators.scale.store import Execution, SimJob, exe_status, view

_TIME_FIELDS = ("last_modified", "data", "source")


def _files(ctx: Ctx, job: SimJob) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    data_files = job.input.get("files", {}) if isinstance(job.input, dict) else {}
    for input_name, ids in data_files.items():
        names = job.input_file_names.get(input_name, [])
        for index, file_id in enumerate(ids):
            name = names[index] if index < len(names) else f"file_{file_id}"
            files.append(
                {
                    "id": file_id,
                    "file_name": name,
                    "file_type": "SOURCE",
                    "media_type": "image/tiff",
                    "file_size": int((job.input_file_size or 1.0) * 1048576),
                    "data_type_tags": [],
                    "is_deleted": False,
                    "uuid": f"{file_id:032x}",
                    "url": ctx.absolute(f"/files/{file_id}/{name}"),
                    "workspace": {"id": 2, "name": "products"},
                    "job_input": input_name,
                    "created": iso(job.created),
                    "deleted": None,
                    "data_started": iso(job.source.get("source_started")),
                    "data_ended": iso(job.source.get("source_ended")),
                    "source_started": iso(job.source.get("source_started")),
                    "source_ended": iso(job.source.get("source_ended")),
                    "countries": [],
                    "last_modified": iso(job.created),
                }
            )
    return files


async def input_files(ctx: Ctx) -> Response:
    job = job_or_404(ctx)
    p = ctx.params
    started, ended = p.time_range()
    time_field = p.string("time_field") or "last_modified"
    if time_field not in _TIME_FIELDS:
        raise bad(f'Parameter "time_field" values must be one of: {list(_TIME_FIELDS)}')
    key = {"last_modified": "last_modified", "data": "data_started", "source": "source_started"}[time_field]
    file_name, job_input = p.string("file_name"), p.string("job_input")
    files = [
        f
        for f in _files(ctx, job)
        if (file_name is None or f["file_name"] == file_name)
        and (job_input is None or f["job_input"] == job_input)
        and _in_window(f[key], started, ended)
    ]
    return reply(paginate(ctx.url, ctx.request.query_params, files, lambda f: f))


def _in_window(value: str | None, started: datetime | None, ended: datetime | None) -> bool:
    if started is None and ended is None:
        return True
    if value is None:
        return False
    moment = parse_instant(value)
    return (started is None or moment >= started) and (ended is None or moment <= ended)


def _execution(ctx: Ctx, exe_id: int) -> tuple[SimJob, Execution]:
    for job in ctx.store.jobs.values():
        for exe in view(job, ctx.now).visible_exes:
            if exe.id == exe_id:
                return job, exe
    raise not_found()


def _log_lines(job: SimJob, exe: Execution, now: datetime, stream: str) -> list[dict[str, Any]]:
    status = exe_status(exe, now)
    stop = min(now, exe.canceled_at or exe.end)
    lines: list[tuple[str, str]] = []
    if stream in ("stdout", "combined"):
        lines.append(("stdout", f"INFO - Starting {job.job_type.name} {job.job_type.version}"))
        lines.append(("stdout", f"INFO - Reading {len(job.input_file_ids)} input file(s)"))
        if status == "COMPLETED":
            lines.append(("stdout", "INFO - Finished, exit code 0"))
    if stream in ("stderr", "combined") and status == "FAILED" and exe.error is not None:
        lines.append(("stderr", f"ERROR - {exe.error.title}: {exe.error.description}"))
    span = max((stop - exe.start).total_seconds(), 0.0)
    return [
        {
            "message": message,
            "timestamp": iso(exe.start + timedelta(seconds=span * i / max(len(lines), 1))),
            "scale_order_num": i,
            "scale_task": exe.id * 4 + 2,  # the "main" task of the execution
            "scale_job_exe": exe.cluster_id,
            "scale_node": exe.node["hostname"],
            "stream": out,
        }
        for i, (out, message) in enumerate(lines)
    ]


async def execution_log(ctx: Ctx) -> Response:
    stream = ctx.path("log_name")
    if stream not in ("stdout", "stderr", "combined"):
        raise not_found()
    job, exe = _execution(ctx, ctx.path("exe_id"))
    accept = ctx.request.headers.get("accept", "*/*")
    wants_text = "text/plain" in accept and "application/json" not in accept
    if not wants_text and not any(t in accept for t in ("application/json", "*/*")):
        raise ApiError(406, {"detail": "Could not satisfy the request Accept header."})
    lines = _log_lines(job, exe, ctx.now, stream)
    if not lines:
        return Response(status_code=204)
    if wants_text:
        return PlainTextResponse("\n".join(line["message"] for line in lines))
    return reply(lines)


ENDPOINTS: list[Endpoint] = [
    Endpoint("/v6/jobs/{job_id:int}/input_files/", {"GET": input_files}),
    Endpoint("/v6/job-executions/{exe_id:int}/logs/{log_name}/", {"GET": execution_log}),
]
