"""Turns a ``JobQuery`` into the ``GET /job`` calls that answer it with the least local filtering.

Pushed down: the application (``application_id``), ``parent_id``
(``parent_job_id``), one job type (``job_type``, when it is one of the four
``JobTypes``), creation times (``created_after``/``created_before``, whole
seconds: a finer bound is widened and re-checked locally), and statuses.
A status set that maps to at most ``MAX_STATUS_STREAMS`` native words is read
as one stream per word (merged by ``paging``); a wider set (or one containing
UNKNOWN) is filtered locally over the unfiltered stream instead, which costs
fewer calls than four or more streams. Everything is re-checked locally with
``JobQuery.matches``; ``exact`` says whether the server alone applied every
filter, so that its ``Content-Range`` total is the answer's total.

Children of many parents at once (``children_groups``): ``parent_job_id`` takes
one id, so the application's jobs are read sorted by ``-parent_job_id`` then
``-creation_time`` instead. Jobs with a parent then come first, grouped by
parent, each group in the order its own ``parent_job_id`` list has (ties of both
fall back to the id). The read tells every parent's children for sure only when
it covers the whole list, or when a job without parent follows the children
(so parentless jobs sort last, as MongoDB puts nulls in a descending sort);
an order other than the one asked for makes it tell nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from adapters.base import JobQuery
from adapters.leia.translate import JOB_TYPES, NATIVE_STATUSES, query_time
from adapters.model import JobRecord, JobStatus

MAX_STATUS_STREAMS = 3
SORT = "-creation_time"
CHILDREN_SORT = "-parent_job_id,-creation_time"


@dataclass(frozen=True, slots=True)
class ListPlan:
    streams: tuple[dict[str, str], ...]
    exact: bool


_LOCAL_TIMES = frozenset({"updated_after", "updated_before", "finished_after", "finished_before"})
"""Time filters Leia cannot apply: checked here, so its ``Content-Range`` total is not the list's."""


def plan(query: JobQuery, application_id: str) -> ListPlan | None:
    """The streams to read; ``None`` when nothing can match."""
    if query.scopes is not None and application_id not in query.scopes:
        return None
    base = {"application_id": application_id, "sort": SORT}
    exact = not query.set_filters(_LOCAL_TIMES) and query.job_type_names is None and query.search is None
    if query.parent_id is not None:
        base["parent_job_id"] = query.parent_id
    if query.job_type_ids is not None:
        if not query.job_type_ids:
            return None
        (only, *rest) = sorted(query.job_type_ids)
        if not rest and only in JOB_TYPES:
            base["job_type"] = only
        elif not any(t in JOB_TYPES for t in query.job_type_ids):
            return None  # every Leia job type id is one of JOB_TYPES; other words match nothing
        else:
            exact = False
    if query.created_after is not None:
        base["created_after"], whole = query_time(query.created_after)
        exact = exact and whole
    if query.created_before is not None:
        base["created_before"], whole = query_time(query.created_before, round_up=True)
        exact = exact and whole
    if query.statuses is None:
        return ListPlan((base,), exact)
    words = sorted({w for s in query.statuses for w in NATIVE_STATUSES[s]})
    if JobStatus.UNKNOWN in query.statuses or len(words) > MAX_STATUS_STREAMS:
        return ListPlan((base,), False)
    if not words:
        return None
    return ListPlan(tuple({**base, "status": w} for w in words), exact)


def children_only(query: JobQuery, application_id: str) -> bool:
    """A query for one parent's children and nothing else: its list is one ``parent_job_id`` stream."""
    in_scope = query.scopes is None or application_id in query.scopes
    return query.parent_id is not None and in_scope and replace(query, parent_id=None, scopes=None) == JobQuery()


def children_groups(records: Sequence[JobRecord], whole: bool) -> dict[str, list[JobRecord]] | None:
    """Children by parent id from one ``CHILDREN_SORT`` read; ``None`` unless it tells every parent's.

    ``whole``: the read covered the application's entire list.
    """
    groups: dict[str, list[JobRecord]] = {}
    previous: str | None = None
    parentless_after_children = False
    for record in records:
        parent = record.parent_id
        if parent is None:
            parentless_after_children = parentless_after_children or bool(groups)
            previous = None
            continue
        if parentless_after_children or (parent != previous and parent in groups):
            return None  # not grouped the way it was asked: trust nothing
        group = groups.setdefault(parent, [])
        if group and _created(group[-1]) < _created(record):
            return None
        group.append(record)
        previous = parent
    return groups if whole or parentless_after_children else None


def _created(record: JobRecord) -> float:
    return record.created_at.timestamp() if record.created_at is not None else 0.0
