"""Schema-driven fuzzing with schemathesis: every query and mutation field, generated from introspection.

The gateway runs in-process (ASGI) over memory adapters; schemathesis sends
each generated operation and the answer must pass ``assert_safe``. The custom
``JSON`` scalar gets a registered strategy (without one schemathesis skips the
operations that take it: ``submitJob``, ``validateJobType``...). Bounded and
derandomized, like the property tests.
"""

from __future__ import annotations

from typing import Any

import graphql
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from gateway.app import create_app
from tests.hostile.conftest import assert_safe, hostile_config, memory_upstreams

pytestmark = pytest.mark.one_process  # every generated case has this test's node id: xdist would run one


def json_node(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal, the form schemathesis puts scalars in."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(json_node(v) for v in value))
    fields = (graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=json_node(v)) for k, v in value.items())
    return graphql.ObjectValueNode(fields=tuple(fields))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**31), 2**31 - 1) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=8,
)
schemathesis.graphql.scalar("JSON", JSON_VALUES.map(json_node))

APP = create_app(hostile_config(), upstreams=memory_upstreams())
schema = schemathesis.graphql.from_asgi("/graphql", APP)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_operation_gets_a_500_or_an_uncoded_error(case: Any) -> None:
    response = case.call()
    body = assert_safe(response)
    assert body is not None and ("data" in body or "errors" in body), response.text[:300]
