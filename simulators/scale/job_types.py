"""The Scale simulator's job type views (``/v6/job-type-names/``, ``/v6/job-types/...``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from simulators.scale.http import Ctx, Endpoint, reply
from simulators.scale.query import Params, bad, check_time_range, not_found, order_by, paginate, to_bool
from simulators.scale.render import (
    error_json,
    iso,
    job_type_base,
    job_type_details,
    job_type_item,
    revision_item,
)
from simulators.scale.seed import default_configuration
from simulators.scale.store import FAILED, PENDING, RUNNING, SimJobType, SimRevision, Store, view
from simulators.scale.validate import coerce_manifest, configuration_issues, manifest_errors, validate

TYPE_ORDER: dict[str, Callable[[SimJobType], Any]] = {
    "id": lambda jt: jt.id,
    "name": lambda jt: jt.name,
    "version": lambda jt: jt.version,
    "title": lambda jt: jt.title,
    "created": lambda jt: jt.created,
    "last_modified": lambda jt: jt.last_modified,
    "is_active": lambda jt: jt.is_active,
    "is_paused": lambda jt: jt.is_paused,
    "is_system": lambda jt: jt.is_system,
    "revision_num": lambda jt: jt.revision_num,
    "max_scheduled": lambda jt: jt.max_scheduled,
}
_EDITABLE = frozenset(
    {
        "icon_code",
        "is_published",
        "is_active",
        "is_paused",
        "max_scheduled",
        "docker_image",
        "manifest",
        "configuration",
    }
)


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("-")[0].split("."))
    except ValueError:
        return (0,)


def _type_filter(p: Params) -> Callable[[SimJobType], bool]:
    keywords = [k.lower() for k in p.strings("keyword")]
    ids = p.ints("id")
    is_active, is_system = p.boolean("is_active"), p.boolean("is_system")

    def match(jt: SimJobType) -> bool:
        text = " ".join([jt.name, jt.title, jt.description, *jt.tags]).lower()
        return (
            (not keywords or any(k in text for k in keywords))
            and (not ids or jt.id in ids)
            and (is_active is None or jt.is_active == is_active)
            and (is_system is None or jt.is_system == is_system)
        )

    return match


async def list_names(ctx: Ctx) -> Response:
    match = _type_filter(ctx.params)
    by_name: dict[str, list[SimJobType]] = {}
    for jt in ctx.store.job_types:
        if match(jt):
            by_name.setdefault(jt.name, []).append(jt)
    items = []
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda jt: _version_key(jt.version))
        latest = versions[-1]
        items.append(
            {
                "name": name,
                "title": latest.title,
                "description": latest.description,
                "icon_code": latest.icon_code,
                "is_published": latest.is_published,
                "versions": [jt.version for jt in versions],
                "latest_version": latest.version,
            }
        )
    return reply(paginate(ctx.url, ctx.request.query_params, items, lambda i: i))


async def list_types(ctx: Ctx) -> Response:
    match = _type_filter(ctx.params)
    types = [jt for jt in ctx.store.job_types if match(jt)]
    types = order_by(types, ctx.params.strings("order") or ["name", "version"], TYPE_ORDER, "id")
    return reply(paginate(ctx.url, ctx.request.query_params, types, job_type_item))


async def list_versions(ctx: Ctx) -> Response:
    is_active = ctx.params.boolean("is_active")
    types = [
        jt
        for jt in ctx.store.job_types
        if jt.name == ctx.path("name") and (is_active is None or jt.is_active == is_active)
    ]
    types.sort(key=lambda jt: _version_key(jt.version))
    return reply(paginate(ctx.url, ctx.request.query_params, types, lambda jt: job_type_item(jt, with_unmet=True)))


def _type(ctx: Ctx) -> SimJobType:
    jt = ctx.store.job_type_by_key(ctx.path("name"), ctx.path("version"))
    if jt is None:
        raise not_found()
    return jt


async def get_type(ctx: Ctx) -> Response:
    return reply(job_type_details(_type(ctx)))


async def list_revisions(ctx: Ctx) -> Response:
    jt = _type(ctx)
    revisions = sorted(jt.revisions, key=lambda r: -r.revision_num)
    return reply(paginate(ctx.url, ctx.request.query_params, revisions, lambda r: revision_item(jt, r)))


async def get_revision(ctx: Ctx) -> Response:
    jt = _type(ctx)
    rev = next((r for r in jt.revisions if r.revision_num == ctx.path("revision_num")), None)
    if rev is None:
        raise not_found()
    return reply(revision_item(jt, rev, details=True))


# --- create, validate, edit -----------------------------------------------------------------------------


async def validate_type(ctx: Ctx) -> Response:
    body = await _object_body(ctx)
    if body.get("manifest") is None:
        raise bad('Missing required parameter: "manifest"')
    return reply(validate(body["manifest"], body.get("configuration")))


async def _object_body(ctx: Ctx) -> dict[str, Any]:
    body = await ctx.json()
    if not isinstance(body, dict):
        raise bad("Request body must be a JSON object")
    return body


def _check_fields(body: dict[str, Any]) -> None:
    for name in ("is_published", "is_active", "is_paused"):
        if name in body:
            body[name] = to_bool(name, body[name])
    if body.get("max_scheduled") is not None and (
        isinstance(body["max_scheduled"], bool) or not isinstance(body["max_scheduled"], int)
    ):
        raise bad('Parameter must be a valid integer: "max_scheduled"')
    for name in ("icon_code", "docker_image"):
        if name in body and not isinstance(body[name], str):
            raise bad(f'Parameter must be a string: "{name}"')
    if "configuration" in body and not isinstance(body["configuration"], dict):
        raise bad('Parameter must be a valid JSON object: "configuration"')


async def create_type(ctx: Ctx) -> Response:
    body = await _object_body(ctx)
    for name in ("docker_image", "manifest"):
        if body.get(name) is None:
            raise bad(f'Missing required parameter: "{name}"')
    _check_fields(body)
    manifest = coerce_manifest(body["manifest"])
    errors = manifest_errors(manifest)
    config = body.get("configuration")
    if not errors and config is not None:
        errors = configuration_issues(config, manifest)[0]
    if errors:
        raise bad(f"Invalid job type: {errors[0]['description']}")
    job = manifest["job"]
    jt = ctx.store.job_type_by_key(job["name"], job["jobVersion"])
    if jt is None:
        jt = _new_type(ctx.store, manifest, body["docker_image"], ctx.now)
    _apply(ctx.store, jt, {**body, "manifest": manifest}, ctx.now)
    location = ctx.absolute(f"/v6/job-types/{jt.name}/{jt.version}/")
    return reply(job_type_details(jt), 201, {"Location": location})


def _new_type(store: Store, manifest: dict[str, Any], docker_image: str, now: datetime) -> SimJobType:
    job = manifest["job"]
    jt = SimJobType(
        id=store.next_job_type_id,
        name=job["name"],
        version=job["jobVersion"],
        title=str(job.get("title", job["name"])),
        description=str(job.get("description", "")),
        icon_code="f013",
        is_published=False,
        is_active=True,
        is_paused=False,
        is_system=False,
        max_scheduled=None,
        max_tries=int(job.get("maxTries", 3)),
        docker_image=docker_image,
        manifest=manifest,
        configuration=default_configuration(manifest),
        created=now,
        last_modified=now,
    )
    store.next_job_type_id += 1
    jt.revisions.append(SimRevision(store.next_revision_id, 1, docker_image, manifest, now))
    store.next_revision_id += 1
    store.job_types.append(jt)
    return jt


def _apply(store: Store, jt: SimJobType, body: dict[str, Any], now: datetime) -> None:
    """Save an edit; a new manifest or image makes a new revision, as in Scale."""
    manifest = body.get("manifest", jt.manifest)
    docker_image = body.get("docker_image", jt.docker_image)
    if manifest != jt.manifest or docker_image != jt.docker_image:
        jt.manifest, jt.docker_image = manifest, docker_image
        job = manifest.get("job", {})
        jt.title = str(job.get("title", jt.title))
        jt.description = str(job.get("description", jt.description))
        jt.revisions.append(SimRevision(store.next_revision_id, jt.revision_num + 1, docker_image, manifest, now))
        store.next_revision_id += 1
    if "configuration" in body:
        jt.configuration = body["configuration"]
    for name in ("icon_code", "is_published", "max_scheduled"):
        if name in body:
            setattr(jt, name, body[name])
    if "is_active" in body and body["is_active"] != jt.is_active:
        jt.is_active = body["is_active"]
        jt.deprecated = None if jt.is_active else now
    if "is_paused" in body:
        store.set_paused(jt, body["is_paused"], now)
    jt.last_modified = now


async def edit_type(ctx: Ctx) -> Response:
    jt = _type(ctx)
    body = await _object_body(ctx)
    extra = sorted(set(body) - _EDITABLE - {"auto_update"})
    if extra:
        raise bad(f"Fields do not allow updates: {', '.join(extra)}")
    _check_fields(body)
    manifest = coerce_manifest(body.get("manifest", jt.manifest))
    result = validate(manifest, body.get("configuration", jt.configuration))
    if result["is_valid"]:
        _apply(ctx.store, jt, {**body, "manifest": manifest} if "manifest" in body else body, ctx.now)
    return reply(result)


# --- statistics -------------------------------------------------------------------------------------------


async def type_status(ctx: Ctx) -> Response:
    p = ctx.params
    started = p.moment("started", ctx.now - timedelta(hours=3))
    ended = p.moment("ended", ctx.now)
    check_time_range(started, ended)
    is_active = p.boolean("is_active")
    types = [jt for jt in ctx.store.job_types if is_active is None or jt.is_active == is_active]
    types.sort(key=lambda jt: (jt.name, _version_key(jt.version)))
    groups: dict[int, dict[tuple[str, str | None], list[datetime]]] = {jt.id: {} for jt in types}
    for job in ctx.store.jobs.values():
        if job.job_type.id not in groups:
            continue
        v = view(job, ctx.now)
        changed = v.last_status_change
        in_window = changed is not None and started <= changed <= ended  # type: ignore[operator]
        if in_window or v.status == RUNNING:
            category = v.error.category if v.status == FAILED and v.error else None
            groups[job.job_type.id].setdefault((v.status, category), []).append(changed or job.created)

    def render(jt: SimJobType) -> dict[str, Any]:
        counts = [
            {"status": status, "count": len(times), "most_recent": iso(max(times)), "category": category}
            for (status, category), times in sorted(groups[jt.id].items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        ]
        return {"job_type": job_type_base(jt), "job_counts": counts}

    return reply(paginate(ctx.url, ctx.request.query_params, types, render))


def _by_type(store: Store, now: datetime, status: str) -> dict[int, tuple[SimJobType, list[Any]]]:
    found: dict[int, tuple[SimJobType, list[Any]]] = {}
    for job in store.jobs.values():
        v = view(job, now)
        if v.status == status:
            found.setdefault(job.job_type.id, (job.job_type, []))[1].append((job, v))
    return found


async def type_pending(ctx: Ctx) -> Response:
    rows = []
    for jt, jobs in _by_type(ctx.store, ctx.now, PENDING).values():
        oldest = min(job.created for job, _ in jobs)
        rows.append((oldest, {"job_type": job_type_base(jt), "count": len(jobs), "longest_pending": iso(oldest)}))
    rows.sort(key=lambda r: r[0])
    return reply(paginate(ctx.url, ctx.request.query_params, [r[1] for r in rows], lambda i: i))


async def type_running(ctx: Ctx) -> Response:
    rows = []
    for jt, jobs in _by_type(ctx.store, ctx.now, RUNNING).values():
        oldest = min(v.started or job.created for job, v in jobs)
        rows.append((oldest, {"job_type": job_type_base(jt), "count": len(jobs), "longest_running": iso(oldest)}))
    rows.sort(key=lambda r: r[0])
    return reply(paginate(ctx.url, ctx.request.query_params, [r[1] for r in rows], lambda i: i))


async def type_failures(ctx: Ctx) -> Response:
    groups: dict[tuple[int, int], list[Any]] = {}
    for jt, jobs in _by_type(ctx.store, ctx.now, FAILED).values():
        for job, v in jobs:
            if v.error is not None and v.error.category == "SYSTEM":
                groups.setdefault((jt.id, v.error.id), []).append((job, v))
    rows = []
    for rows_jobs in groups.values():
        job, v = rows_jobs[0]
        times = [row_v.ended or row_job.created for row_job, row_v in rows_jobs]
        item = {
            "job_type": job_type_base(job.job_type),
            "error": error_json(v.error),
            "count": len(rows_jobs),
            "first_error": iso(min(times)),
            "last_error": iso(max(times)),
        }
        rows.append((max(times), item))
    rows.sort(key=lambda r: r[0], reverse=True)
    return reply(paginate(ctx.url, ctx.request.query_params, [r[1] for r in rows], lambda i: i))


ENDPOINTS: list[Endpoint] = [
    Endpoint("/v6/job-type-names/", {"GET": list_names}),
    Endpoint("/v6/job-types/", {"GET": list_types, "POST": create_type}),
    Endpoint("/v6/job-types/validation/", {"POST": validate_type}, open_posts=True),
    Endpoint("/v6/job-types/status/", {"GET": type_status}),
    Endpoint("/v6/job-types/pending/", {"GET": type_pending}),
    Endpoint("/v6/job-types/running/", {"GET": type_running}),
    Endpoint("/v6/job-types/system-failures/", {"GET": type_failures}),
    Endpoint("/v6/job-types/{name}/", {"GET": list_versions}),
    Endpoint("/v6/job-types/{name}/{version}/", {"GET": get_type, "PATCH": edit_type}),
    Endpoint("/v6/job-types/{name}/{version}/revisions/", {"GET": list_revisions}),
    Endpoint("/v6/job-types/{name}/{version}/revisions/{revision_num:int}/", {"GET": get_revision}),
]
