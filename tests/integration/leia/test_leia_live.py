"""The Leia adapter against its simulator over real HTTP, with a frozen clock moved explicitly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.base import JobQuery, Page, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.leia import LeiaAdapter
from adapters.leia.translate import map_status
from adapters.model import JobRecord, JobStatus, NativeKey
from simulators.kit import SimClock
from simulators.leia.state import LeiaState

pytestmark = pytest.mark.integration


async def walk(adapter: LeiaAdapter, query: JobQuery, limit: int) -> tuple[list[JobRecord], list[Page[JobRecord]]]:
    records: list[JobRecord] = []
    pages: list[Page[JobRecord]] = []
    after = None
    while True:
        page = await adapter.list_jobs(query, after, limit)
        pages.append(page)
        records += [e.record for e in page.entries]
        if not page.has_more:
            return records, pages
        after = page.entries[-1].position


def expected(state: LeiaState, app_id: str, query: JobQuery) -> list[str]:
    now = state.clock.now()
    jobs = [j for j in state.jobs.values() if j.application_id == app_id]
    jobs = [j for j in jobs if query.statuses is None or map_status(state.status(j, now)) in query.statuses]
    jobs = [j for j in jobs if query.job_type_ids is None or j.job_type in query.job_type_ids]
    jobs = [j for j in jobs if query.created_after is None or j.creation_time >= query.created_after]
    jobs = [j for j in jobs if query.created_before is None or j.creation_time < query.created_before]
    return sorted(j.id for j in jobs)


@pytest.mark.parametrize("limit", [7, 100])
async def test_paging_to_the_end(adapter: LeiaAdapter, state: LeiaState, app_id: str, limit: int) -> None:
    records, pages = await walk(adapter, JobQuery(), limit)
    ids = [r.native_id for r in records]
    assert len(ids) == len(set(ids)) == 300
    assert sorted(ids) == expected(state, app_id, JobQuery())
    times = [r.created_at for r in records]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert pages[0].total == 300
    assert all(r.scope == app_id for r in records)


@pytest.mark.parametrize(
    "query",
    [
        JobQuery(statuses=frozenset({JobStatus.RUNNING})),
        JobQuery(statuses=frozenset({JobStatus.FAILED}), job_type_ids=frozenset({"predict"})),
        JobQuery(statuses=frozenset({JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.BLOCKED})),
        JobQuery(job_type_ids=frozenset({"pdf-images", "image-text"})),
        JobQuery(statuses=frozenset({JobStatus.SUCCEEDED, JobStatus.CANCELED})),
    ],
)
async def test_filtered_paging_matches_the_data(
    adapter: LeiaAdapter, state: LeiaState, app_id: str, query: JobQuery
) -> None:
    records, pages = await walk(adapter, query, 9)
    ids = [r.native_id for r in records]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == expected(state, app_id, query)
    if pages[0].total is not None:
        assert pages[0].total == len(ids)


async def test_time_window(adapter: LeiaAdapter, state: LeiaState, app_id: str, clock: SimClock) -> None:
    now = clock.now()
    query = JobQuery(created_after=now - timedelta(days=3), created_before=now - timedelta(days=1, seconds=0.5))
    records, pages = await walk(adapter, query, 25)
    assert sorted(r.native_id for r in records) == expected(state, app_id, query)
    assert pages[0].total is None  # a sub-second bound cannot be applied exactly by Leia


async def test_get_jobs_and_statuses(adapter: LeiaAdapter, state: LeiaState, app_id: str) -> None:
    mine = [j.id for j in state.jobs.values() if j.application_id == app_id][:5]
    foreign = next(j for j in state.jobs.values() if j.application_id != app_id)
    keys = [NativeKey(app_id, i) for i in mine] + [NativeKey(app_id, foreign.id), NativeKey(app_id, "0" * 24)]
    answers = await adapter.get_jobs(keys)
    assert [a.native_id for a in answers[:5] if isinstance(a, JobRecord)] == mine
    assert [a.kind for a in answers[5:] if isinstance(a, UpstreamError)] == [ErrorKind.FORBIDDEN, ErrorKind.NOT_FOUND]
    statuses = await adapter.get_statuses(keys)
    now = state.clock.now()
    for key in keys[:5]:
        assert statuses[key] is map_status(state.status(state.jobs[key.native_id], now))
    assert isinstance(statuses[keys[5]], UpstreamError) and isinstance(statuses[keys[6]], UpstreamError)


async def test_submit_then_finish_then_rerun(
    adapter: LeiaAdapter, clock: SimClock, app_id: str, documents: list[str]
) -> None:
    params = {
        "kind": "apply_model",
        "model_id": "doctype",
        "document_ids": documents[:1],
        "format_type": "classification",
    }
    job = await adapter.submit_job(SubmitRequest(app_id, params))
    assert job.status is JobStatus.QUEUED and job.can_cancel and job.job_type_id == "predict"
    clock.advance(4)
    [moving] = await adapter.get_jobs([job.key])
    assert isinstance(moving, JobRecord) and moving.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    clock.advance(120)
    [done] = await adapter.get_jobs([job.key])
    assert isinstance(done, JobRecord) and done.status.is_final and done.finished_at is not None
    assert done.can_rerun and not done.can_cancel
    with pytest.raises(UpstreamError) as err:
        await adapter.cancel_job(job.key)
    assert err.value.kind is ErrorKind.CONFLICT
    again = await adapter.rerun_job(job.key)
    assert again.native_id != job.native_id and again.status is JobStatus.QUEUED
    assert again.raw["model_id"] == done.raw["model_id"]


async def test_cancel_fails_dependents(
    adapter: LeiaAdapter, clock: SimClock, app_id: str, documents: list[str]
) -> None:
    first = await adapter.submit_job(
        SubmitRequest(app_id, {"kind": "transform", "document_ids": documents[:1], "output_type": "image"})
    )
    second = await adapter.submit_job(
        SubmitRequest(
            app_id,
            {
                "kind": "transform",
                "document_ids": documents[:1],
                "output_type": "text",
                "execute_after_id": first.native_id,
            },
        )
    )
    assert second.status is JobStatus.PENDING and second.depends_on_id == first.native_id
    canceled = await adapter.cancel_job(first.key)
    assert canceled.status is JobStatus.CANCELED
    with pytest.raises(UpstreamError) as err:
        await adapter.cancel_job(first.key)
    assert err.value.kind is ErrorKind.CONFLICT
    [dependent] = await adapter.get_jobs([second.key])
    assert isinstance(dependent, JobRecord) and dependent.status is JobStatus.FAILED and dependent.error


async def test_blocked_job_waits_for_start(
    adapter: LeiaAdapter, clock: SimClock, app_id: str, documents: list[str]
) -> None:
    job = await adapter.submit_job(
        SubmitRequest(
            app_id,
            {"kind": "transform", "document_ids": documents[:2], "output_type": "trim", "block_processing": True},
        )
    )
    assert job.status is JobStatus.BLOCKED
    clock.advance(3600)
    [still] = await adapter.get_jobs([job.key])
    assert isinstance(still, JobRecord) and still.status is JobStatus.BLOCKED
    started = await adapter.start_job(job.key)
    assert started.status is JobStatus.QUEUED
    clock.advance(120)
    [done] = await adapter.get_jobs([job.key])
    assert isinstance(done, JobRecord) and done.status.is_final


async def test_conditional_job_spawns_children(
    adapter: LeiaAdapter, clock: SimClock, state: LeiaState, app_id: str, documents: list[str]
) -> None:
    classify = await adapter.submit_job(
        SubmitRequest(app_id, {"kind": "apply_model", "model_id": "doctype", "document_ids": documents[:1]})
    )
    rules = {
        "any": {
            "conditions": {"score": {"$gte": 0}},
            "jobs": [
                {"job_type": "transform", "output_type": "text"},
                {"job_type": "apply_model", "model_id": "invoice-kv"},
            ],
        },
        "never": {
            "conditions": {"category": "no-such-category"},
            "jobs": [{"job_type": "transform", "output_type": "trim"}],
        },
    }
    conditional = await adapter.submit_job(
        SubmitRequest(app_id, {"kind": "conditional", "execute_after_id": classify.native_id, "rules": rules})
    )
    assert conditional.job_type_name == "conditional" and conditional.job_type_id is None
    clock.advance(200)
    [prerequisite, parent] = await adapter.get_jobs([classify.key, conditional.key])
    assert isinstance(parent, JobRecord) and isinstance(prerequisite, JobRecord)
    page = await adapter.list_jobs(JobQuery(parent_id=conditional.native_id), None, 10)
    if prerequisite.status is JobStatus.SUCCEEDED:
        assert len(page.entries) == 2 and page.total == 2
        assert all(e.record.parent_id == conditional.native_id for e in page.entries)
        # The rule's jobs run inside the conditional job: it ends after them, with their results.
        ran = state.jobs[conditional.native_id].rule_jobs["any"]
        children = await adapter.get_jobs([NativeKey(app_id, i) for i in ran])
        assert all(isinstance(c, JobRecord) and c.status.is_final for c in children)
        assert parent.finished_at is not None
        assert all(isinstance(c, JobRecord) and c.finished_at and c.finished_at <= parent.finished_at for c in children)
        if all(isinstance(c, JobRecord) and c.status is JobStatus.SUCCEEDED for c in children):
            assert parent.status is JobStatus.SUCCEEDED and parent.raw["result_type"] == "conditional"
            assert parent.raw["result"] == {"any": [c.raw["result"] for c in children if isinstance(c, JobRecord)]}
        else:
            assert parent.status is JobStatus.FAILED
    else:
        assert parent.status is JobStatus.FAILED and page.entries == []


async def test_expired_token_is_renewed(adapter: LeiaAdapter, clock: SimClock, state: LeiaState) -> None:
    await adapter.check()
    assert adapter.auth.logins == 1
    clock.advance(state.token_idle_s - 1)
    await adapter.check()  # sliding: still valid, and renewed
    clock.advance(state.token_idle_s - 1)
    await adapter.check()
    assert adapter.auth.logins == 1
    clock.advance(state.token_idle_s + 1)
    await adapter.list_jobs(JobQuery(), None, 3)
    assert adapter.auth.logins == 2
    state.expire_tokens()
    await adapter.check()
    assert adapter.auth.logins == 3


async def test_submit_refused_by_leia(adapter: LeiaAdapter, app_id: str, documents: list[str]) -> None:
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(
            SubmitRequest(app_id, {"kind": "apply_model", "model_id": "nope", "document_ids": documents[:1]})
        )
    assert err.value.kind is ErrorKind.NOT_FOUND
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(
            SubmitRequest(
                app_id,
                {
                    "kind": "apply_model",
                    "model_id": "invoice-kv",
                    "document_ids": documents[:1],
                    "format_type": "classification",
                },
            )
        )
    assert err.value.kind is ErrorKind.FORBIDDEN
