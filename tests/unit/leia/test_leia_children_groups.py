"""Children of many Leia parents from one read sorted by parent: used only when the read says it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.base import JobQuery
from adapters.leia.listing import children_groups, children_only
from adapters.model import JobRecord, JobStatus, Source

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def job(native_id: str, parent: str | None, age_s: int) -> JobRecord:
    return JobRecord(
        Source.LEIA, native_id, "app", JobStatus.SUCCEEDED, "PROCESSED", parent_id=parent,
        created_at=T0 - timedelta(seconds=age_s),
    )  # fmt: skip


CHILDREN = [job("c1", "p9", 1), job("c2", "p9", 5), job("c3", "p4", 2)]


def test_children_then_a_parentless_job_tell_every_parent() -> None:
    groups = children_groups([*CHILDREN, job("x", None, 0)], whole=False)
    assert groups == {"p9": CHILDREN[:2], "p4": CHILDREN[2:]}


def test_the_whole_list_tells_every_parent_whatever_comes_last() -> None:
    assert children_groups(CHILDREN, whole=True) == {"p9": CHILDREN[:2], "p4": CHILDREN[2:]}
    assert children_groups([], whole=True) == {}


def test_a_read_that_may_stop_inside_the_children_tells_nothing() -> None:
    assert children_groups(CHILDREN, whole=False) is None
    # Parentless first: the upstream may sort them first, with the children still to come.
    assert children_groups([job("x", None, 0), *CHILDREN], whole=False) is None


def test_an_order_other_than_the_one_asked_for_tells_nothing() -> None:
    split = [CHILDREN[0], CHILDREN[2], CHILDREN[1]]  # p9's children not together
    assert children_groups([*split, job("x", None, 0)], whole=True) is None
    older_first = [CHILDREN[1], CHILDREN[0]]
    assert children_groups(older_first, whole=True) is None
    child_after_parentless = [CHILDREN[0], job("x", None, 0), CHILDREN[2]]
    assert children_groups(child_after_parentless, whole=True) is None


def test_only_plain_children_queries_are_grouped() -> None:
    assert children_only(JobQuery(parent_id="p", scopes=frozenset({"app"})), "app")
    assert children_only(JobQuery(parent_id="p"), "app")
    assert not children_only(JobQuery(parent_id="p", scopes=frozenset({"other"})), "app")
    assert not children_only(JobQuery(parent_id="p", statuses=frozenset({JobStatus.FAILED})), "app")
    assert not children_only(JobQuery(scopes=frozenset({"app"})), "app")
