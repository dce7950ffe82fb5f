"""Renders the simulator's model as Scale v6 JSON (the ``*SerializerV6`` shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.timeparse import format_ms
from simulators.scale.store import (
    COMPLETED,
    Execution,
    IngestView,
    JobView,
    SimError,
    SimIngest,
    SimJob,
    SimJobType,
    SimRevision,
    Store,
    exe_status,
    ingest_view,
    view,
)

SECRET_MASK = "*****"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return format_ms(moment)


# --- job types -------------------------------------------------------------------------------


def job_type_base(jt: SimJobType) -> dict[str, Any]:
    return {
        "id": jt.id,
        "name": jt.name,
        "version": jt.version,
        "title": jt.title,
        "description": jt.description,
        "is_active": jt.is_active,
        "is_paused": jt.is_paused,
        "is_system": jt.is_system,
        "is_published": jt.is_published,
        "icon_code": jt.icon_code,
        "unmet_resources": jt.unmet_resources,
    }


def job_type_item(jt: SimJobType, *, with_unmet: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": jt.id,
        "name": jt.name,
        "version": jt.version,
        "title": jt.title,
        "description": jt.description,
        "icon_code": jt.icon_code,
        "is_published": jt.is_published,
        "is_active": jt.is_active,
        "is_paused": jt.is_paused,
        "is_system": jt.is_system,
        "max_scheduled": jt.max_scheduled,
        "revision_num": jt.revision_num,
        "docker_image": jt.docker_image,
        "created": iso(jt.created),
        "deprecated": iso(jt.deprecated),
        "paused": iso(jt.paused),
        "last_modified": iso(jt.last_modified),
    }
    if with_unmet:
        item["unmet_resources"] = jt.unmet_resources
    return item


def masked_configuration(jt: SimJobType, configuration: dict[str, Any]) -> dict[str, Any]:
    """Scale never echoes secret settings back."""
    interface = jt.manifest.get("job", {}).get("interface", {})
    secret = {s.get("name") for s in interface.get("settings", []) if isinstance(s, dict) and s.get("secret")}
    settings = configuration.get("settings")
    if not isinstance(settings, dict):
        return dict(configuration)
    masked = {k: (SECRET_MASK if k in secret else v) for k, v in settings.items()}
    return {**configuration, "settings": masked}


def job_type_details(jt: SimJobType) -> dict[str, Any]:
    item = job_type_item(jt, with_unmet=True)
    item.update(
        {
            "max_tries": jt.max_tries,
            "manifest": jt.manifest,
            "configuration": masked_configuration(jt, jt.configuration),
            "recipe_types": [],
        }
    )
    return item


def revision_item(jt: SimJobType, rev: SimRevision, *, details: bool = False) -> dict[str, Any]:
    base = job_type_base(jt)
    base.pop("is_system")
    item: dict[str, Any] = {
        "id": rev.id,
        "job_type": base,
        "revision_num": rev.revision_num,
        "docker_image": rev.docker_image,
        "created": iso(rev.created),
    }
    if details:
        item["manifest"] = rev.manifest
    return item


# --- errors, executions, jobs -----------------------------------------------------------------


def error_json(error: SimError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "id": error.id,
        "name": error.name,
        "title": error.title,
        "description": error.description,
        "job_type_name": error.job_type_name,
        "category": error.category,
        "is_builtin": error.is_builtin,
        "should_be_retried": error.should_be_retried,
        "created": iso(error.created),
        "last_modified": iso(error.created),
    }


def execution_item(job: SimJob, exe: Execution, now: datetime) -> dict[str, Any]:
    status = exe_status(exe, now)
    ended = exe.canceled_at if status == "CANCELED" else (exe.end if status != "RUNNING" else None)
    return {
        "id": exe.id,
        "status": status,
        "exe_num": exe.exe_num,
        "cluster_id": exe.cluster_id,
        "created": iso(exe.start),
        "queued": iso(exe.queued),
        "started": iso(exe.start),
        "ended": iso(ended),
        "job": {"id": job.id},
        "node": exe.node,
        "error": error_json(exe.error) if status == "FAILED" else None,
        "job_type": job_type_base(job.job_type),
        "timeout": job.job_type.manifest.get("job", {}).get("timeout", 3600),
        "input_file_size": job.input_file_size,
    }


def execution_details(job: SimJob, exe: Execution, now: datetime) -> dict[str, Any]:
    item = execution_item(job, exe, now)
    status = item["status"]
    tasks = []
    for kind in ("pull", "pre", "main", "post"):
        tasks.append(
            {
                "task_id": f"{exe.cluster_id}_{kind}",
                "type": kind,
                "was_launched": True,
                "launched": iso(exe.start),
                "was_started": True,
                "started": iso(exe.start),
                "was_timed_out": False,
                "ended": item["ended"],
                "status": status if status != "RUNNING" else None,
                "exit_code": None if status == "RUNNING" else (0 if status == "COMPLETED" else 1),
            }
        )
    item.update(
        {
            "task_results": {"version": "1.0", "tasks": tasks},
            "resources": {"resources": _resources(job)},
            "configuration": {
                "input_files": [{"id": fid, "type": "SOURCE"} for fid in job.input_file_ids],
                "output_workspaces": _exe_output_workspaces(job),
                "tasks": [],
            },
            "output": {"output_data": _output_files(job) if status == COMPLETED else []},
        }
    )
    return item


def _exe_output_workspaces(job: SimJob) -> dict[str, str]:
    """An execution's configuration names each file output's workspace (the job type's
    ``{default, outputs}`` resolved), as Scale's ``ExecutionConfiguration`` does."""
    chosen = job.configuration.get("output_workspaces", {})
    default, named = chosen.get("default"), chosen.get("outputs", {})
    outputs = job.job_type.manifest.get("job", {}).get("interface", {}).get("outputs", {}).get("files", [])
    resolved = {str(o["name"]): named.get(o["name"], default) for o in outputs if isinstance(o, dict) and "name" in o}
    return {name: str(workspace) for name, workspace in resolved.items() if workspace is not None}


def _resources(job: SimJob) -> dict[str, float]:
    scalar = job.job_type.manifest.get("job", {}).get("resources", {}).get("scalar", [])
    resources = {str(r["name"]): float(r["value"]) for r in scalar if isinstance(r, dict) and "name" in r}
    resources.setdefault("disk", round((job.input_file_size or 0.0) + 64.0, 2))
    return resources


def _output_files(job: SimJob) -> list[dict[str, Any]]:
    outputs = job.job_type.manifest.get("job", {}).get("interface", {}).get("outputs", {}).get("files", [])
    return [{"name": o["name"], "file_id": 200_000 + job.id * 4 + i} for i, o in enumerate(outputs)]


def job_item(job: SimJob, v: JobView) -> dict[str, Any]:
    event = job.event
    source = job.source
    return {
        "id": job.id,
        "job_type": job_type_base(job.job_type),
        "job_type_rev": {
            "id": _revision(job).id,
            "job_type": {"id": job.job_type.id},
            "revision_num": job.revision_num,
        },
        "status": v.status,
        "event": None if event is None else {**event, "occurred": iso(event["occurred"])},
        "ingest_event": None,
        "recipe": job.recipe,
        "batch": job.batch,
        "is_superseded": job.superseded is not None,
        "superseded_job": None if job.superseded_job_id is None else {"id": job.superseded_job_id},
        "node": v.node,
        "error": error_json(v.error),
        "max_tries": job.max_tries,
        "num_exes": v.num_exes,
        "input_file_size": job.input_file_size,
        "input_files": job.input_file_names,
        "source_started": iso(source.get("source_started")),
        "source_ended": iso(source.get("source_ended")),
        "source_sensor_class": source.get("source_sensor_class"),
        "source_sensor": source.get("source_sensor"),
        "source_collection": source.get("source_collection"),
        "source_task": source.get("source_task"),
        "created": iso(job.created),
        "queued": iso(v.queued),
        "started": iso(v.started),
        "ended": iso(v.ended),
        "last_status_change": iso(v.last_status_change),
        "superseded": iso(job.superseded),
        "last_modified": iso(v.last_modified),
    }


def _revision(job: SimJob) -> SimRevision:
    revs = job.job_type.revisions
    return next((r for r in revs if r.revision_num == job.revision_num), revs[-1])


def _job_ref(store: Store, job_id: int | None, now: datetime) -> dict[str, Any] | None:
    other = store.jobs.get(job_id) if job_id is not None else None
    if other is None:
        return None
    return {"id": other.id, "job_type": job_type_base(other.job_type), "status": view(other, now).status}


def job_details(store: Store, job: SimJob, now: datetime) -> dict[str, Any]:
    v = view(job, now)
    item = job_item(job, v)
    rev = _revision(job)
    latest = v.visible_exes[-1] if v.visible_exes else None
    item.update(
        {
            "job_type_rev": {
                "id": rev.id,
                "job_type": job_type_base(job.job_type),
                "revision_num": rev.revision_num,
                "docker_image": rev.docker_image,
                "created": iso(rev.created),
                "manifest": rev.manifest,
            },
            "superseded_job": _job_ref(store, job.superseded_job_id, now),
            "superseded_by_job": _job_ref(store, job.superseded_by_id, now),
            "resources": {"resources": _resources(job)},
            "execution": execution_details(job, latest, now) if latest is not None else None,
            "input": job.input,
            "output": _output(job) if v.status == COMPLETED else None,
            "configuration": masked_configuration(job.job_type, job.configuration),
        }
    )
    return item


def _output(job: SimJob) -> dict[str, Any]:
    return {"version": "7", "files": {f["name"]: [f["file_id"]] for f in _output_files(job)}, "json": {}}


# --- ingests ----------------------------------------------------------------------------------


def ingest_item(
    ingest: SimIngest, now: datetime, *, details: bool = False, v: IngestView | None = None
) -> dict[str, Any]:
    v = v or ingest_view(ingest, now)
    source_file: dict[str, Any] | None = None
    if v.status in ("INGESTED", "DUPLICATE"):
        source_file = {"id": ingest.source_file_id, "file_name": ingest.file_name}
        if details:
            source_file.update(
                {
                    "workspace": ingest.new_workspace or ingest.workspace,
                    "media_type": ingest.media_type,
                    "file_size": ingest.file_size,
                    "data_type_tags": ingest.data_type_tags,
                    "is_deleted": False,
                    "created": iso(v.ingest_ended),
                    "data_started": iso(ingest.data_started),
                    "data_ended": iso(ingest.data_ended),
                    "last_modified": iso(v.ingest_ended),
                }
            )
    strike = ingest.strike
    return {
        "id": ingest.id,
        "file_name": ingest.file_name,
        "scan": ingest.scan,
        "strike": strike,
        "status": v.status,
        "bytes_transferred": v.bytes_transferred,
        "transfer_started": iso(ingest.transfer_started),
        "transfer_ended": iso(v.transfer_ended),
        "media_type": ingest.media_type,
        "file_size": ingest.file_size,
        "data_type_tags": ingest.data_type_tags,
        "file_path": ingest.file_path,
        "workspace": ingest.workspace,
        "new_file_path": ingest.new_file_path,
        "new_workspace": ingest.new_workspace,
        "job": {"id": ingest.job.id},
        "ingest_started": iso(v.ingest_started),
        "ingest_ended": iso(v.ingest_ended),
        "source_file": source_file,
        "data_started": iso(ingest.data_started),
        "data_ended": iso(ingest.data_ended),
        "created": iso(ingest.created),
        "last_modified": iso(v.last_modified),
    }
