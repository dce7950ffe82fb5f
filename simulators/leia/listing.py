"""``GET /job`` of the Leia simulator: filters, sort, offset/limit and the range headers.

Choices where the documentation is silent:

- Default order is ``creation_time`` ascending; ties (and every sort) fall back
  to the id, so pages are stable.
- Missing values (``starting_time`` of a job not started, ``model_id`` of a
  transform) sort first ascending, as MongoDB sorts nulls.
- ``created_after`` keeps jobs created at or after the time, ``created_before``
  those strictly before; a time without offset is UTC.
- Default ``limit`` 50, ``max_limit`` 100 (``Accept-Range: job 100``); a larger
  limit is cut to 100; ``limit < 1`` or ``offset < 0`` is a 400.
- An empty page is a 404 "No jobs found", whether nothing matches or the
  offset is past the end.
- A developer application only ever sees its own jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request

from adapters.timeparse import parse_instant
from simulators.kit.problems import Problem
from simulators.leia.http import enum_value, query_int
from simulators.leia.model import JOB_TYPES, STATUSES, SimJob
from simulators.leia.state import LeiaState

SORT_FIELDS = (
    "submitter_id",
    "application_id",
    "creation_time",
    "starting_time",
    "finished_time",
    "job_type",
    "model_id",
    "document_ids",
    "status",
    "parent_job_id",
)
_EQUALITY_FILTERS = ("job_id", "application_id", "model_id", "execute_after_id", "parent_job_id")


def list_jobs(
    state: LeiaState, request: Request, application_id: str, now: datetime
) -> tuple[list[Any], dict[str, str]]:
    """The page and its headers; raises ``Problem`` for bad parameters and for an empty page."""
    query = request.query_params
    predicates = _predicates(state, request, now)
    sort = _sort_keys(state, query.get("sort"), now)
    offset = query_int(request, "offset")
    limit = query_int(request, "limit")
    offset = 0 if offset is None else offset
    limit = state.default_limit if limit is None else min(limit, state.max_limit)
    if offset < 0 or limit < 1:
        raise Problem(400, "offset must be >= 0 and limit >= 1")
    jobs = [
        job
        for job in state.jobs.values()
        if job.application_id == application_id and all(predicate(job) for predicate in predicates)
    ]
    jobs.sort(key=lambda job: job.id)
    for key, descending in reversed(sort):
        jobs.sort(key=key, reverse=descending)
    page = jobs[offset : offset + limit]
    if not page:
        raise Problem(404, "No jobs found")
    headers = {
        "Content-Range": f"{offset}-{offset + len(page) - 1}/{len(jobs)}",
        "Accept-Range": f"job {state.max_limit}",
    }
    return [state.job_json(job, now) for job in page], headers


def _predicates(state: LeiaState, request: Request, now: datetime) -> list[Callable[[SimJob], bool]]:
    query = request.query_params
    out: list[Callable[[SimJob], bool]] = []
    for name in _EQUALITY_FILTERS:
        wanted = query.get(name)
        if wanted is not None:
            out.append(_equals("id" if name == "job_id" else name, wanted))
    if (job_type := query.get("job_type")) is not None:
        enum_value(job_type, JOB_TYPES)
        out.append(lambda job: job.job_type == job_type)
    if (document := query.get("document_id")) is not None:
        out.append(lambda job: document in job.document_ids)
    if (status := query.get("status")) is not None:
        enum_value(status, STATUSES)
        out.append(lambda job: state.status(job, now) == status)
    if (after := _time(query.get("created_after"))) is not None:
        out.append(lambda job: job.creation_time >= after)
    if (before := _time(query.get("created_before"))) is not None:
        out.append(lambda job: job.creation_time < before)
    return out


def _equals(attr: str, wanted: str) -> Callable[[SimJob], bool]:
    return lambda job: bool(getattr(job, attr) == wanted)


def _time(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return parse_instant(raw)
    except ValueError:
        raise Problem(400, f"{raw!r} is not a 'date-time'") from None


def _sort_keys(state: LeiaState, raw: str | None, now: datetime) -> list[tuple[Callable[[SimJob], Any], bool]]:
    if raw is None or not raw.strip():
        return [(_key(state, "creation_time", now), False)]
    keys = []
    for item in raw.split(","):
        item = item.strip()
        descending = item.startswith("-")
        name = item.lstrip("-+")
        if name not in SORT_FIELDS:
            raise Problem(400, f"Cannot sort by {name!r}: use one of {list(SORT_FIELDS)}")
        keys.append((_key(state, name, now), descending))
    return keys


def _key(state: LeiaState, name: str, now: datetime) -> Callable[[SimJob], Any]:
    def key(job: SimJob) -> Any:
        value: Any
        if name == "submitter_id":
            value = job.application_id
        elif name == "status":
            value = state.status(job, now)
        elif name == "document_ids":
            value = tuple(job.document_ids)
        elif name in ("starting_time", "finished_time"):
            timeline = state.timeline(job)
            moment = timeline.since("STARTING") if name == "starting_time" else (timeline.final_at(now) or (0, None))[1]
            value = moment if moment is not None and moment <= now else None
        else:
            value = getattr(job, name)
        return (0, "") if value is None else (1, value)

    return key
