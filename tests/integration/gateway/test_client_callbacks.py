"""A client's own Leia ``callbackUrl``: refused towards internal addresses by default, allowed by configuration.

The receiver here is on loopback, which the default policy refuses; this stack
lists ``127.0.0.0/8`` in ``[gateway] callback_allow``, as a deployment whose
receivers live inside its own network would list theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.kit.server import serve
from tests.integration.gateway.live_support import eventually, gql, leia_job_input
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.integration

SUBMIT = """
mutation Submit($job: JobSubmission!) {
  submitJob(input: {job: $job}) { job { id nativeId } errors { code message field } }
}
"""

received: list[dict[str, Any]] = []


async def hook(request: Request) -> Response:
    received.append(await request.json())
    return Response(status_code=204)


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as url:
        yield f"{url}/hook"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(gateway={"callback_allow": ["127.0.0.0/8"]}, public_base_url=True) as s:
        yield s


async def test_an_allowed_internal_callback_is_sent_to_and_never_shown(stack: Stack, receiver: str) -> None:
    job = await leia_job_input(stack)
    job["leia"]["callbackUrl"] = f"{receiver}?secret=client-own"
    payload = (await gql(stack, SUBMIT, {"job": job}))["submitJob"]
    assert payload["errors"] == [], payload
    native_id = payload["job"]["nativeId"]
    # The client's own callback wins over the gateway's: Leia takes one URL per job.
    assert stack.sims.simulators["leia"].state.jobs[native_id].callback_url == job["leia"]["callbackUrl"]

    stack.advance(300)
    await eventually(lambda: any(body["id"] == native_id for body in received), within=10)
    node = await gql(stack, "query($id: ID!) { node(id: $id) { ... on Job { raw } } }", {"id": payload["job"]["id"]})
    assert node["node"]["raw"]["callback_url"] == "[redacted]"
    assert "client-own" not in str(node)


async def test_what_is_not_listed_is_still_refused(stack: Stack) -> None:
    job = await leia_job_input(stack)
    job["leia"]["callbackUrl"] = "http://[::1]:9/hook"
    payload = (await gql(stack, SUBMIT, {"job": job}))["submitJob"]
    assert payload["job"] is None
    [error] = payload["errors"]
    assert error["code"] == "INVALID_INPUT" and error["field"] == ["input", "job", "leia", "callbackUrl"]
    assert "a loopback address" in error["message"]
