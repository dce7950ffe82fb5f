"""``Subscription``: live job status, fed by the watcher and the event bus.

A subscription names jobs by id, or gives a filter (then it watches the
not-yet-final jobs matching it, up to a limit, plus every job submitted later
through the gateway that matches). Jobs already final when the subscription
starts are reported at once, so a client always learns every final state.
With ids, the subscription completes once every watched job is final.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator
from typing import Annotated, Any

import strawberry

from adapters.model import FINAL_STATUSES, JobRecord, JobStatus
from gateway.errors import GatewayError
from gateway.events import JobRef, SubscriptionOverflow
from gateway.ids import InvalidId, decode_id
from gateway.reads import PageRequest
from gateway.schema.inputs import JobFilter, job_plan
from gateway.schema.nodes import Job, JobStatusEvent

Info = strawberry.Info[Any, None]


async def _known_by_ids(info: Info, ids: list[strawberry.ID]) -> tuple[set[JobRef], list[JobRecord]]:
    context = info.context
    refs: set[JobRef] = set()
    for i, raw in enumerate(ids):
        try:
            gid = decode_id(raw, "Job")
        except InvalidId as exc:
            raise GatewayError(f"ids[{i}]: {exc}") from None
        if gid.source not in context.upstreams:
            raise GatewayError(f"ids[{i}]: {gid.source.value} is not configured")
        refs.add(JobRef(gid.source, gid.key))
    known: list[JobRecord] = []
    for ref in refs:
        record = await context.loaders.job(ref.source, ref.key)
        if record is None:
            raise GatewayError(f"no such {ref.source.value} job: {ref.key.native_id}")
        known.append(record)
    return refs, known


async def _known_by_filter(info: Info, flt: JobFilter | None, limit: int) -> list[JobRecord]:
    sources, queries, fp = job_plan(flt)
    open_statuses = frozenset(JobStatus) - FINAL_STATUSES
    for source, query in list(queries.items()):
        statuses = open_statuses if query.statuses is None else query.statuses & open_statuses
        queries[source] = dataclasses.replace(query, statuses=statuses)
    found: list[JobRecord] = []
    after: str | None = None
    page_size = info.context.services.limits.maximum
    while len(found) < limit:
        conn = await info.context.reads.jobs(
            sources,
            queries,
            ("watch", fp),
            PageRequest(min(page_size, limit - len(found)), after),
            ["jobStatusChanged"],
        )
        found.extend(edge.node.record for edge in conn.edges)
        if not conn.page_info.has_next_page or conn.page_info.end_cursor is None:
            break
        after = conn.page_info.end_cursor
    return found


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Status changes of the given jobs, or of jobs matching a filter.")
    async def job_status_changed(
        self,
        info: Info,
        ids: list[strawberry.ID] | None = None,
        filter: JobFilter | None = None,
        since: Annotated[
            str | None,
            strawberry.argument(description="The last event id seen: transitions after it are replayed first."),
        ] = None,
    ) -> AsyncGenerator[JobStatusEvent, None]:
        live = info.context.services.extras["live"]
        limits = live.limits
        if ids is None and filter is None:
            raise GatewayError("give ids, a filter, or both")
        if ids is not None and len(ids) > limits.jobs_per_subscription:
            raise GatewayError(f"ids: at most {limits.jobs_per_subscription} jobs per subscription")
        since_id: int | None = None
        if since is not None:
            if not since.isdigit():
                raise GatewayError("since: must be an event id from an earlier event")
            since_id = int(since)
        if live.active_subscriptions >= limits.subscriptions_per_process:
            raise GatewayError("this gateway is at its subscription limit; try again later", code="RESOURCE_EXHAUSTED")

        if ids is not None:
            refs, known = await _known_by_ids(info, ids)
        else:
            known = await _known_by_filter(info, filter, limits.filter_watch_limit)
            refs = {JobRef.of(j) for j in known}
        predicate = None
        if filter is not None:
            sources, queries, _ = job_plan(filter)

            def predicate(job: JobRecord) -> bool:
                return (sources is None or job.source in sources) and queries[job.source].matches(job)

        subscription = live.bus.subscribe(refs if ids is not None else None, predicate, since_id)
        watch = live.watcher.watch(refs, known)
        live.active_subscriptions += 1
        try:
            pending = set(refs) if ids is not None else set()
            for job in known:
                if job.status.is_final and since_id is None:
                    pending.discard(JobRef.of(job))
                    yield JobStatusEvent(
                        id=str(subscription.last_id),
                        job=Job.from_record(job),
                        previous_status=None,
                        status=job.status,
                        at=job.finished_at or job.updated_at or live.now(),
                    )
            if ids is not None and not pending:
                return
            async for event in subscription:
                yield JobStatusEvent.from_event(event)
                if ids is not None and event.job.status.is_final:
                    pending.discard(event.ref)
                    if not pending:
                        return
        except SubscriptionOverflow as exc:
            raise GatewayError(
                f"subscriber too slow: resume with since: {exc.last_id}", code="SUBSCRIBER_TOO_SLOW"
            ) from None
        finally:
            subscription.close()
            watch.release()
            live.active_subscriptions -= 1
