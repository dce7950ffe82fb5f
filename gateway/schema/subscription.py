"""``Subscription``: live job status, fed by the watcher and the event bus.

A subscription names jobs by id, or gives a filter (then it watches the
not-yet-final jobs matching it, up to a limit, plus every job submitted later
through the gateway that matches, plus the matching jobs that appear upstream
later: every ``filter_rediscover_s`` it lists the newest open matches again and
follows the new ones to their final state). Jobs already final when the
subscription starts are reported at once, so a client always learns every final state.
With ids, the subscription completes once every watched job is final.

Resuming (``since``: the id of the last event seen) replays what the bus still
holds after that id; a job that ended while the client was away, unwatched,
has no event to replay, so its final state is reported at once as on a fresh
subscription (its event carries the resume position as id). Final states are
thus delivered at least once; intermediate ones may be skipped. A filter-only
subscription does not know the jobs of the earlier stream, so it can only
resume what the bus replays.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import AsyncGenerator, Callable
from typing import Annotated

import strawberry

from adapters.model import FINAL_STATUSES, JobRecord, JobStatus
from gateway.context import Info
from gateway.errors import GatewayError
from gateway.events import JobRef, SubscriptionOverflow
from gateway.ids import InvalidId, decode_id
from gateway.live import Live, LiveLimits, LiveWatch
from gateway.loaders import Loaders
from gateway.reads import PageRequest
from gateway.schema.inputs import JobFilter, job_plan
from gateway.schema.nodes import Job, JobStatusEvent

log = logging.getLogger("job_gateway.subscriptions")


async def _known_by_ids(info: Info, live: Live, ids: list[strawberry.ID]) -> tuple[frozenset[JobRef], list[JobRecord]]:
    """The jobs named by ``ids`` and their current state (an error for an unknown one).

    A job some subscription already watches starts from the watcher's state: no
    upstream call; one that another subscriber is loading right now shares that
    load. The others are loaded together (one batch per source) with
    loaders of their own: over WebSocket the context, and so its loaders, lives
    as long as the connection, and would answer a later subscription with the
    state the job had when the connection first loaded it.
    """
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
    missing: list[JobRef] = []
    for ref in refs:
        state = live.watched_state(ref)
        if state is None:
            missing.append(ref)
        else:
            known.append(state)
    loaders = Loaders(context.services.upstreams, context.services.cache)
    records = await asyncio.gather(
        *(live.load_once(ref, functools.partial(loaders.job, ref.source, ref.key)) for ref in missing)
    )
    for ref, record in zip(missing, records, strict=True):
        if record is None:
            raise GatewayError(f"no such {ref.source.value} job: {ref.key.native_id}")
        known.append(record)
    return frozenset(refs), known


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
        found.extend(edge.record for edge in conn.edges)
        if not conn.page_info.has_next_page or conn.page_info.end_cursor is None:
            break
        after = conn.page_info.end_cursor
    return found


async def _rediscover(
    info: Info,
    live: Live,
    flt: JobFilter | None,
    followed: set[JobRef],
    later: dict[JobRef, LiveWatch],
) -> None:
    """Follow, now and then, the open jobs that started matching the filter since the subscription began.

    Upstream jobs are created without the gateway hearing of it: without this a
    filter subscription would only ever hear the jobs open when it started.
    """
    limits = live.limits
    while True:
        await asyncio.sleep(limits.filter_rediscover_s)
        try:
            found = await _known_by_filter(info, flt, limits.filter_watch_limit)
        except Exception:  # an upstream or store failure: the next round tries again
            log.warning("filter subscription: looking for new jobs failed", exc_info=True)
            continue
        for job in found:
            ref = JobRef.of(job)
            if ref in followed or job.status.is_final or len(followed) >= limits.jobs_per_subscription:
                continue
            followed.add(ref)
            later[ref] = live.watch([ref], [job])


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Status changes of the given jobs, or of jobs matching a filter; with neither, of every job "
            f"(as `filter: {{}}`). At most {LiveLimits().jobs_per_subscription} ids."
        )
    )
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
        live = info.context.services.live
        limits = live.limits
        if ids is None and filter is None:
            filter = JobFilter()  # no argument: every job, as ``filter: {}`` would
        if ids is not None and len(ids) > limits.jobs_per_subscription:
            raise GatewayError(f"ids: at most {limits.jobs_per_subscription} jobs per subscription (got {len(ids)})")
        since_id = None if since is None else _event_id(since)
        if live.closing:
            raise GatewayError(
                "this gateway is shutting down; subscribe again (another replica answers)", code="SHUTTING_DOWN"
            )
        if live.active_subscriptions >= limits.subscriptions_per_process:
            raise GatewayError("this gateway is at its subscription limit; try again later", code="RESOURCE_EXHAUSTED")

        # ``refs`` is a frozenset: the bus and the watcher keep ``frozenset(refs)``, which is then this
        # very set, not a copy each for as long as the subscription is held.
        if ids is not None:
            refs, known = await _known_by_ids(info, live, ids)
        else:
            known = await _known_by_filter(info, filter, limits.filter_watch_limit)
            refs = frozenset(JobRef.of(j) for j in known)
        matches = _filter_predicate(filter)
        # Jobs this subscription follows. With ids, the filter only chooses which of their
        # events are sent (every event still counts towards completion). Without ids, a job
        # followed from the start, or since it first matched, stays followed to its final
        # state, even once its status no longer matches (a RUNNING filter still hears "done").
        # None with ids: the jobs are the ids (a held subscription keeps no copy of them here).
        followed: set[JobRef] | None = set(refs) if ids is None else None
        later: dict[JobRef, LiveWatch] = {}
        """Jobs followed since they started matching (not the ones known at the start)."""
        discovery: asyncio.Task[None] | None = None

        # On a shared bus, first deliver what other replicas published until now: an event from
        # before this subscription must not reach it as news (nor be missing from its replay).
        await live.bus.catch_up()
        # No await from here to the end of the scan below: an event published before
        # ``subscribe`` shows in the watcher's state, one published after it in the stream.
        if followed is None:
            subscription = live.bus.subscribe(refs, None, since_id)
        else:
            tracked = followed

            def wanted(job: JobRecord) -> bool:
                return JobRef.of(job) in tracked or matches(job)

            subscription = live.bus.subscribe(None, wanted, since_id)
        live.track(subscription)  # ended (completed normally) when the gateway shuts down
        try:
            watches = [live.watch(refs, known)]
        except BaseException:
            live.untrack(subscription)
            subscription.close()
            raise
        live.active_subscriptions += 1
        try:
            snapshot = live.position()
            finals = [job for job in map(_freshest(live), known) if job.status.is_final]
            # Frozen, replaced on the rare change: most subscriptions hold the ids' own set and the empty one.
            pending: frozenset[JobRef] = refs if ids is not None else _NO_REFS
            reported: frozenset[JobRef] = _NO_REFS
            for job in finals:
                ref = JobRef.of(job)
                if since_id is not None and not subscription.gap and await _replays_final(live, ref, since_id):
                    continue  # the replay carries this final state, in order
                reported |= {ref}
                pending -= {ref}
                if matches(job):
                    yield JobStatusEvent(
                        id=str(subscription.last_id),
                        job=Job.from_record(job),
                        previous_status=None,
                        status=job.status,
                        at=job.finished_at or job.updated_at or live.now(),
                    )
            if ids is not None and not pending:
                return
            if followed is not None:
                discovery = asyncio.create_task(_rediscover(info, live, filter, followed, later))
            async for event in subscription:
                if event.ref in reported and event.id <= snapshot:
                    continue  # replayed, and older than the final state already reported
                # A job that started matching (one submitted through the gateway, say):
                # follow it to its final state, within the same bound as an ids subscription.
                if (
                    followed is not None
                    and event.ref not in followed
                    and not event.is_final
                    and len(followed) < limits.jobs_per_subscription
                ):
                    followed.add(event.ref)
                    later[event.ref] = live.watch([event.ref], [event.job])
                if ids is None or matches(event.job):
                    yield JobStatusEvent.from_event(event)
                if event.is_final and event.ref in later:
                    # Followed since it started matching: done with it, room for the next one.
                    later.pop(event.ref).release()
                    if followed is not None:
                        followed.discard(event.ref)
                if ids is not None and event.is_final:
                    pending -= {event.ref}
                    if not pending:
                        return
        except SubscriptionOverflow as exc:
            raise GatewayError(
                f"subscriber too slow: resume with since: {exc.last_id}", code="SUBSCRIBER_TOO_SLOW"
            ) from None
        finally:
            if discovery is not None:
                discovery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await discovery
            live.untrack(subscription)
            subscription.close()
            for watch in [*watches, *later.values()]:
                watch.release()
            live.active_subscriptions -= 1


_NO_REFS: frozenset[JobRef] = frozenset()
"""One empty set for every subscription that holds none (Python makes a new one per ``frozenset()``)."""


def _event_id(since: str) -> int:
    # Event ids count up from 1 in this process; 18 digits is far beyond any of them and
    # keeps int() away from its thousands-of-digits refusal.
    if not (since.isascii() and since.isdigit() and len(since) <= 18):
        raise GatewayError(f'since: must be the id of an earlier event, digits only, as in "1234" (got {since[:20]!r})')
    return int(since)


def _any_job(job: JobRecord) -> bool:
    return True


def _filter_predicate(flt: JobFilter | None) -> Callable[[JobRecord], bool]:
    if flt is None:
        return _any_job  # one function, not a closure per subscription
    sources, queries, _ = job_plan(flt)

    def matches(job: JobRecord) -> bool:
        return (sources is None or job.source in sources) and queries[job.source].matches(job)

    return matches


def _freshest(live: Live) -> Callable[[JobRecord], JobRecord]:
    """A loaded job, or the watcher's final state of it when the job ended after it was loaded."""

    def pick(job: JobRecord) -> JobRecord:
        if job.status.is_final:
            return job
        current = live.watcher.current(JobRef.of(job))
        return current if current is not None and current.status.is_final else job

    return pick


async def _replays_final(live: Live, ref: JobRef, since_id: int) -> bool:
    """Whether a resumed stream's replay holds a final state of ``ref`` (an event after ``since_id``)."""
    return any(event.id > since_id and event.is_final for event in await live.bus.history(ref))
