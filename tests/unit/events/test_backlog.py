"""One subscriber's backlog: which event makes room when it is full."""

from __future__ import annotations

import pytest

from adapters.model import JobStatus
from gateway.events.backlog import Backlog
from gateway.events.model import StatusEvent
from tests.unit.events.support import AT, make_job, make_ref

Q, R, OK = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED


def event(event_id: int, native_id: str, status: JobStatus) -> StatusEvent:
    return StatusEvent(event_id, make_ref(native_id), make_job(native_id, status), None, status, AT)


def ids(backlog: Backlog) -> list[int]:
    popped = []
    while backlog:
        popped.append(backlog.pop().id)
    return popped


def test_with_room_everything_is_kept_in_order() -> None:
    backlog = Backlog(5)
    for pushed in (event(1, "a", Q), event(2, "a", R), event(3, "b", Q)):
        assert backlog.push(pushed)

    assert ids(backlog) == [1, 2, 3]
    assert backlog.coalesced == 0


def test_full_a_new_state_first_replaces_the_same_jobs_oldest() -> None:
    backlog = Backlog(3)
    for pushed in (event(1, "a", Q), event(2, "b", Q), event(3, "b", R)):
        backlog.push(pushed)

    backlog.push(event(4, "a", R))

    assert ids(backlog) == [2, 3, 4]


def test_full_then_a_superseded_event_of_another_job_goes() -> None:
    backlog = Backlog(3)
    for pushed in (event(1, "a", OK), event(2, "b", Q), event(3, "b", R)):
        backlog.push(pushed)

    backlog.push(event(4, "c", Q))

    assert ids(backlog) == [1, 3, 4]


def test_full_then_the_oldest_intermediate_state_goes_never_a_final_one() -> None:
    backlog = Backlog(3)
    for pushed in (event(1, "a", OK), event(2, "b", R), event(3, "c", R)):
        backlog.push(pushed)

    backlog.push(event(4, "d", OK))

    assert ids(backlog) == [1, 3, 4]


def test_full_of_distinct_final_states_it_refuses() -> None:
    backlog = Backlog(2)
    backlog.push(event(1, "a", OK))
    backlog.push(event(2, "b", OK))

    assert not backlog.push(event(3, "c", OK))
    backlog.drop_oldest()
    assert backlog.push(event(3, "c", OK))
    assert ids(backlog) == [2, 3]
    assert backlog.coalesced == 1


def test_popping_an_empty_backlog_fails_loudly() -> None:
    with pytest.raises(IndexError):
        Backlog(1).pop()
