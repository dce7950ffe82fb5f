"""The Scale simulator's job and ingest views (``/v6/jobs/...``, ``/v6/ingests/...``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from simulators.scale.http import Ctx, Endpoint, accepted, reply
from simulators.scale.query import (
    ApiError,
    Params,
    bad,
    check_time_range,
    not_found,
    order_by,
    paginate,
    parse_moment,
    to_bool,
)
from simulators.scale.render import execution_details, execution_item, ingest_item, iso, job_details, job_item
from simulators.scale.store import MESSAGE_DELAY, JobView, Message, SimIngest, SimJob, Store, ingest_view, view
from simulators.scale.validate import configuration_issues, job_data_problem

Row = tuple[SimJob, JobView]

JOB_ORDER: dict[str, Callable[[Row], Any]] = {
    "id": lambda r: r[0].id,
    "created": lambda r: r[0].created,
    "queued": lambda r: r[1].queued,
    "started": lambda r: r[1].started,
    "ended": lambda r: r[1].ended,
    "last_modified": lambda r: r[1].last_modified,
    "last_status_change": lambda r: r[1].last_status_change,
    "status": lambda r: r[1].status,
    "num_exes": lambda r: r[1].num_exes,
    "max_tries": lambda r: r[0].max_tries,
    "input_file_size": lambda r: r[0].input_file_size,
    "superseded": lambda r: r[0].superseded,
    "is_superseded": lambda r: r[0].superseded is not None,
    "source_started": lambda r: r[0].source.get("source_started"),
    "source_ended": lambda r: r[0].source.get("source_ended"),
    "job_type": lambda r: r[0].job_type.id,
    "job_type__id": lambda r: r[0].job_type.id,
    "job_type__name": lambda r: r[0].job_type.name,
    "job_type__version": lambda r: r[0].job_type.version,
}


# --- filters ------------------------------------------------------------------------------------


def _in(values: list[Any], value: Any) -> bool:
    return not values or value in values


def _job_filter(p: Params) -> Callable[[SimJob, JobView], bool]:
    started, ended = p.time_range()
    source_started, source_ended = p.time_range("source_started", "source_ended")
    source = {k: p.strings(k) for k in ("source_sensor_class", "source_sensor", "source_collection", "source_task")}
    statuses, job_ids = p.strings("status"), p.ints("job_id")
    type_ids, type_names = p.ints("job_type_id"), p.strings("job_type_name")
    batch_ids, recipe_ids = p.ints("batch_id"), p.ints("recipe_id")
    categories, error_ids = p.strings("error_category"), p.ints("error_id")
    superseded = p.boolean("is_superseded")

    def match(job: SimJob, v: JobView) -> bool:
        error = v.error
        return (
            (started is None or v.last_modified >= started)
            and (ended is None or v.last_modified <= ended)
            and _source_in(job, "source_started", source_started, source_ended)
            and all(_in(values, job.source.get(k)) for k, values in source.items())
            and _in(statuses, v.status)
            and _in(job_ids, job.id)
            and _in(type_ids, job.job_type.id)
            and _in(type_names, job.job_type.name)
            and _in(batch_ids, (job.batch or {}).get("id"))
            and _in(recipe_ids, (job.recipe or {}).get("id"))
            and _in(categories, error.category if error else None)
            and _in(error_ids, error.id if error else None)
            and (superseded is None or (job.superseded is not None) == superseded)
        )

    return match


def _source_in(job: SimJob, key: str, after: datetime | None, before: datetime | None) -> bool:
    if after is None and before is None:
        return True
    value = job.source.get(key)
    return value is not None and (after is None or value >= after) and (before is None or value <= before)


def _rows(store: Store, now: datetime) -> list[Row]:
    return [(job, view(job, now)) for job in store.jobs.values()]


# --- jobs ---------------------------------------------------------------------------------------


async def list_jobs(ctx: Ctx) -> Response:
    match = _job_filter(ctx.params)
    rows = [row for row in _rows(ctx.store, ctx.now) if match(*row)]
    rows = order_by(rows, ctx.params.strings("order") or ["last_modified"], JOB_ORDER, "id")
    return reply(paginate(ctx.url, ctx.request.query_params, rows, lambda r: job_item(*r)))


def _to_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise bad(f'Parameter must be a valid integer: "{name}"')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f'Parameter must be a valid integer: "{name}"') from None


async def create_job(ctx: Ctx) -> Response:
    body = await ctx.json()
    if not isinstance(body, dict):
        raise bad("Request body must be a JSON object")
    if body.get("job_type_id") is None:
        raise bad('Missing required parameter: "job_type_id"')
    job_type = ctx.store.job_type(_to_int("job_type_id", body["job_type_id"]))
    if job_type is None:
        raise not_found()
    if "input" not in body:
        raise bad('Missing required parameter: "input"')
    if not isinstance(body["input"], dict):
        raise bad('Parameter must be a valid JSON object: "input"')
    configuration = body.get("configuration")
    if configuration is not None:
        if not isinstance(configuration, dict):
            raise bad('Parameter must be a valid JSON object: "configuration"')
        errors, _ = configuration_issues(configuration, job_type.manifest)
        if errors:
            raise bad(f"Invalid configuration: {errors[0]['description']}")
    problem = job_data_problem(body["input"], job_type.manifest)
    if problem is None and not job_type.is_active:
        problem = f"Job type {job_type.name} {job_type.version} is deprecated"
    if problem is not None:
        raise ApiError(400, f"Invalid job data: {problem}")
    job = _new_job(ctx, job_type, body["input"], configuration or {})
    location = ctx.absolute(f"/v6/jobs/{job.id}/")
    return reply(job_details(ctx.store, job, ctx.now), 201, {"Location": location})


def _new_job(ctx: Ctx, job_type: Any, data: dict[str, Any], configuration: dict[str, Any]) -> SimJob:
    store, now = ctx.store, ctx.now
    files = data.get("files", {})
    file_ids = [i for ids in files.values() for i in ids]
    job = SimJob(
        id=store.next_job_id,
        job_type=job_type,
        revision_num=job_type.revision_num,
        created=now,
        input=data,
        configuration={**job_type.configuration, **configuration},
        max_tries=job_type.max_tries,
        event={"id": 20_000 + store.next_job_id, "type": "USER", "occurred": now},
        input_file_ids=file_ids,
        input_file_names={name: [f"file_{i}" for i in ids] for name, ids in files.items()},
    )
    store.next_job_id += 1
    store.jobs[job.id] = job
    job.executions = store.plan_executions(job, now, first_num=1)
    return job


def job_or_404(ctx: Ctx) -> SimJob:
    job = ctx.store.jobs.get(ctx.path("job_id"))
    if job is None:
        raise not_found()
    return job


async def get_job(ctx: Ctx) -> Response:
    return reply(job_details(ctx.store, job_or_404(ctx), ctx.now))


async def list_executions(ctx: Ctx) -> Response:
    job = job_or_404(ctx)
    p = ctx.params
    statuses, nodes = p.strings("status"), p.ints("node_id")
    error_ids, categories = p.ints("error_id"), p.strings("error_category")
    items = [execution_item(job, exe, ctx.now) for exe in reversed(view(job, ctx.now).visible_exes)]
    items = [
        i
        for i in items
        if _in(statuses, i["status"])
        and _in(nodes, i["node"]["id"])
        and _in(error_ids, (i["error"] or {}).get("id"))
        and _in(categories, (i["error"] or {}).get("category"))
    ]
    return reply(paginate(ctx.url, ctx.request.query_params, items, lambda i: i))


async def get_execution(ctx: Ctx) -> Response:
    job = job_or_404(ctx)
    number = ctx.path("exe_num")
    exe = next((e for e in view(job, ctx.now).visible_exes if e.exe_num == number), None)
    if exe is None:
        raise not_found()
    return reply(execution_details(job, exe, ctx.now))


# --- bulk cancel / requeue -------------------------------------------------------------------------


def _body_list(body: dict[str, Any], name: str, kind: type) -> list[Any]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f'Parameter must be a list: "{name}"')
    if kind is int:
        return [_to_int(name, v) for v in value]
    if not all(isinstance(v, kind) for v in value):
        raise bad(f'Parameter must be a list of {kind.__name__}: "{name}"')
    return list(value)


def _body_moment(body: dict[str, Any], name: str, now: datetime) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    moment = parse_moment(str(value), now)
    if moment is None:
        raise bad(f"Datetime values must follow ISO-8601 and include a timezone: {name}")
    return moment


def _bulk_filter(ctx: Ctx, body: dict[str, Any]) -> Callable[[SimJob, JobView], bool]:
    started, ended = _body_moment(body, "started", ctx.now), _body_moment(body, "ended", ctx.now)
    check_time_range(started, ended)
    status = body.get("status")
    if status is not None and not isinstance(status, str):
        raise bad('Parameter must be a string: "status"')
    job_ids, type_ids = _body_list(body, "job_ids", int), _body_list(body, "job_type_ids", int)
    type_names = _body_list(body, "job_type_names", str)
    batch_ids, recipe_ids = _body_list(body, "batch_ids", int), _body_list(body, "recipe_ids", int)
    categories, error_ids = _body_list(body, "error_categories", str), _body_list(body, "error_ids", int)
    for key in _body_list(body, "job_types", dict):
        job_type = ctx.store.job_type_by_key(str(key.get("name")), str(key.get("version")))
        if job_type is None:
            raise bad(f"Job Type with name: {key.get('name')} and version: {key.get('version')} does not exist")
        type_ids.append(job_type.id)
    superseded = None if body.get("is_superseded") is None else to_bool("is_superseded", body["is_superseded"])

    def match(job: SimJob, v: JobView) -> bool:
        return (
            (started is None or v.last_modified >= started)
            and (ended is None or v.last_modified <= ended)
            and (status is None or v.status == status)
            and _in(job_ids, job.id)
            and _in(type_ids, job.job_type.id)
            and _in(type_names, job.job_type.name)
            and _in(batch_ids, (job.batch or {}).get("id"))
            and _in(recipe_ids, (job.recipe or {}).get("id"))
            and _in(categories, v.error.category if v.error else None)
            and _in(error_ids, v.error.id if v.error else None)
            and (superseded is None or (job.superseded is not None) == superseded)
        )

    return match


async def _bulk_body(ctx: Ctx) -> dict[str, Any]:
    body = await ctx.json()
    if not isinstance(body, dict):
        raise bad("Request body must be a JSON object")
    return body


def _matching_ids(ctx: Ctx, match: Callable[[SimJob, JobView], bool]) -> tuple[int, ...]:
    # Scale's bulk handler walks the matches by descending id.
    return tuple(job.id for job, v in sorted(_rows(ctx.store, ctx.now), key=lambda r: -r[0].id) if match(job, v))


async def cancel_jobs(ctx: Ctx) -> Response:
    match = _bulk_filter(ctx, await _bulk_body(ctx))
    ctx.store.send(Message(ctx.now + MESSAGE_DELAY, "cancel", _matching_ids(ctx, match)))
    return accepted()


async def requeue_jobs(ctx: Ctx) -> Response:
    body = await _bulk_body(ctx)
    match = _bulk_filter(ctx, body)
    priority = None if body.get("priority") is None else _to_int("priority", body["priority"])
    ctx.store.send(Message(ctx.now + MESSAGE_DELAY, "requeue", _matching_ids(ctx, match), priority))
    return accepted()


# --- ingests ---------------------------------------------------------------------------------------

INGEST_ORDER: dict[str, Callable[[tuple[SimIngest, Any]], Any]] = {
    "id": lambda r: r[0].id,
    "file_name": lambda r: r[0].file_name,
    "status": lambda r: r[1].status,
    "created": lambda r: r[0].created,
    "last_modified": lambda r: r[1].last_modified,
    "transfer_started": lambda r: r[0].transfer_started,
    "transfer_ended": lambda r: r[1].transfer_ended,
    "ingest_started": lambda r: r[1].ingest_started,
    "ingest_ended": lambda r: r[1].ingest_ended,
    "file_size": lambda r: r[0].file_size,
    "data_started": lambda r: r[0].data_started,
    "data_ended": lambda r: r[0].data_ended,
}


async def list_ingests(ctx: Ctx) -> Response:
    p = ctx.params
    started, ended = p.time_range()
    statuses, scan_ids, strike_ids = p.strings("status"), p.ints("scan_id"), p.ints("strike_id")
    file_name = (p.string("file_name") or "").lower()
    rows = [(ingest, ingest_view(ingest, ctx.now)) for ingest in ctx.store.ingests.values()]
    rows = [
        (i, v)
        for i, v in rows
        if (started is None or v.last_modified >= started)
        and (ended is None or v.last_modified <= ended)
        and _in(statuses, v.status)
        and _in(scan_ids, (i.scan or {}).get("id"))
        and _in(strike_ids, (i.strike or {}).get("id"))
        and file_name in i.file_name.lower()
    ]
    rows = order_by(rows, p.strings("order") or ["last_modified"], INGEST_ORDER, "id")
    return reply(paginate(ctx.url, ctx.request.query_params, rows, lambda r: ingest_item(r[0], ctx.now, v=r[1])))


def _ingest(ctx: Ctx) -> SimIngest:
    ingest = ctx.store.ingests.get(ctx.path("ingest_id"))
    if ingest is None:
        raise not_found()
    return ingest


async def get_ingest(ctx: Ctx) -> Response:
    return reply(ingest_item(_ingest(ctx), ctx.now, details=True))


async def ingest_jobs(ctx: Ctx) -> Response:
    ingest = _ingest(ctx)
    rows = [r for r in _rows(ctx.store, ctx.now) if ingest.source_file_id in r[0].input_file_ids]
    rows = order_by(rows, ["last_modified"], JOB_ORDER, "id")
    return reply(paginate(ctx.url, ctx.request.query_params, rows, lambda r: job_item(*r)))


async def ingest_status(ctx: Ctx) -> Response:
    p = ctx.params
    started = p.moment("started", ctx.now - timedelta(days=1))
    ended = p.moment("ended", ctx.now)
    check_time_range(started, ended, max_days=31)
    use_ingest_time = bool(p.boolean("use_ingest_time"))
    items = [_strike_status(ctx, strike, started, ended, use_ingest_time) for strike in ctx.store.strikes]
    return reply(paginate(ctx.url, ctx.request.query_params, items, lambda i: i))


def _strike_status(
    ctx: Ctx, strike: dict[str, Any], started: datetime | None, ended: datetime | None, use_ingest_time: bool
) -> dict[str, Any]:
    """Hourly counts and sizes of one Strike's completed ingests, by ingest time or data time."""
    buckets: dict[datetime, list[int]] = {}
    latest: datetime | None = None
    for ingest in ctx.store.ingests.values():
        if ingest.strike is not strike:
            continue
        v = ingest_view(ingest, ctx.now)
        when = v.ingest_ended if use_ingest_time else ingest.data_started
        if v.status != "INGESTED" or when is None or v.ingest_ended is None:
            continue
        if (started is not None and when < started) or (ended is not None and when > ended):
            continue
        buckets.setdefault(when.replace(minute=0, second=0, microsecond=0), []).append(ingest.file_size)
        latest = v.ingest_ended if latest is None else max(latest, v.ingest_ended)
    values = [{"time": iso(hour), "files": len(sizes), "size": sum(sizes)} for hour, sizes in sorted(buckets.items())]
    return {
        "strike": strike,
        "most_recent": iso(latest),
        "files": sum(len(sizes) for sizes in buckets.values()),
        "size": sum(sum(sizes) for sizes in buckets.values()),
        "values": values,
    }


ENDPOINTS: list[Endpoint] = [
    Endpoint("/v6/jobs/", {"GET": list_jobs, "POST": create_job}),
    Endpoint("/v6/jobs/cancel/", {"POST": cancel_jobs}),
    Endpoint("/v6/jobs/requeue/", {"POST": requeue_jobs}),
    Endpoint("/v6/jobs/{job_id:int}/", {"GET": get_job}),
    Endpoint("/v6/jobs/{job_id:int}/executions/", {"GET": list_executions}),
    Endpoint("/v6/jobs/{job_id:int}/executions/{exe_num:int}/", {"GET": get_execution}),
    Endpoint("/v6/ingests/", {"GET": list_ingests}),
    Endpoint("/v6/ingests/status/", {"GET": ingest_status}),
    Endpoint("/v6/ingests/{ingest_id:int}/", {"GET": get_ingest}),
    Endpoint("/v6/ingests/{ingest_id:int}/jobs/", {"GET": ingest_jobs}),
]
