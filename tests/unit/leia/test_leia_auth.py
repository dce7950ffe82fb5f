from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx

from adapters.errors import ErrorKind, UpstreamError
from adapters.leia import LeiaAdapter
from adapters.model import NativeKey

from .conftest import (
    API_KEY,
    APP,
    APPLICATION,
    TOKEN,
    TOKEN_2,
    assert_no_secret,
    job_json,
    login_ok,
    make_adapter,
    problem,
)

KEY = NativeKey(APP, "5f0000000000000000000001")


async def test_logs_in_with_post_and_sends_token_header(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    job = router.get(f"/job/{KEY.native_id}").mock(return_value=httpx.Response(200, json=job_json()))
    deprecated = router.get(path__regex=r"/login/.+")
    [record] = await adapter.get_jobs([KEY])
    assert not isinstance(record, UpstreamError)
    login = router.calls[0].request
    assert login.method == "POST" and login.url.path.endswith("/login")
    assert json.loads(login.content) == {"api_key": API_KEY}
    assert "token" not in login.headers
    assert job.calls.last.request.headers["token"] == TOKEN
    assert "authorization" not in job.calls.last.request.headers
    assert not deprecated.called


async def test_token_is_reused(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get(f"/job/{KEY.native_id}").mock(return_value=httpx.Response(200, json=job_json()))
    await adapter.get_jobs([KEY])
    await adapter.get_jobs([KEY])
    assert router.routes[0].call_count == 1  # the login route


async def test_401_logs_in_again_once_and_replays(router: respx.MockRouter) -> None:
    login = router.post("/login").mock(side_effect=[login_ok(TOKEN), login_ok(TOKEN_2)])
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["token"])
        if request.headers["token"] == TOKEN:
            return problem(401, "Not logged in")
        return httpx.Response(200, json=job_json())

    router.get(f"/job/{KEY.native_id}").mock(side_effect=answer)
    leia = make_adapter()
    [record] = await leia.get_jobs([KEY])
    assert not isinstance(record, UpstreamError)
    assert seen == [TOKEN, TOKEN_2] and login.call_count == 2


async def test_second_401_is_unauthenticated(router: respx.MockRouter) -> None:
    login = router.post("/login").mock(side_effect=[login_ok(TOKEN), login_ok(TOKEN_2)])
    route = router.get(f"/job/{KEY.native_id}").mock(return_value=problem(401, "Not logged in"))
    leia = make_adapter()
    [err] = await leia.get_jobs([KEY])
    assert isinstance(err, UpstreamError) and err.kind is ErrorKind.UNAUTHENTICATED
    assert login.call_count == 2 and route.call_count == 2
    assert_no_secret(err)


async def test_concurrent_requests_share_one_login(router: respx.MockRouter) -> None:
    async def slow_login(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return login_ok()

    login = router.post("/login").mock(side_effect=slow_login)
    router.get(path__regex=r"/job/[^/]+$").mock(
        side_effect=lambda r: httpx.Response(200, json=job_json(r.url.path.rsplit("/", 1)[1]))
    )
    leia = make_adapter()
    keys = [NativeKey(APP, f"5f00000000000000000000{i:02d}") for i in range(8)]
    answers = await leia.get_jobs(keys)
    assert all(not isinstance(a, UpstreamError) for a in answers)
    assert login.call_count == 1


async def test_concurrent_401s_share_one_relogin(router: respx.MockRouter) -> None:
    login = router.post("/login").mock(return_value=login_ok(TOKEN_2))

    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        if request.headers["token"] != TOKEN_2:
            return problem(401, "Not logged in")
        return httpx.Response(200, json=job_json(request.url.path.rsplit("/", 1)[1]))

    router.get(path__regex=r"/job/[^/]+$").mock(side_effect=answer)
    leia = make_adapter()
    leia.auth.token = TOKEN  # an old token the server has forgotten
    keys = [NativeKey(APP, f"5f00000000000000000000{i:02d}") for i in range(6)]
    answers = await leia.get_jobs(keys)
    assert all(not isinstance(a, UpstreamError) for a in answers)
    assert login.call_count == 1


async def test_refused_api_key(router: respx.MockRouter) -> None:
    router.post("/login").mock(return_value=problem(403, "Bad API key"))
    leia = make_adapter()
    with pytest.raises(UpstreamError) as err:
        await leia.check()
    assert err.value.kind is ErrorKind.UNAUTHENTICATED
    assert_no_secret(err.value)


async def test_login_outage_is_unavailable(router: respx.MockRouter) -> None:
    login = router.post("/login").mock(return_value=problem(503, "maintenance"))
    leia = make_adapter()
    with pytest.raises(UpstreamError) as err:
        await leia.check()
    assert err.value.kind is ErrorKind.UNAVAILABLE
    assert login.call_count == 3  # the GET is retried, each try logging in


async def test_login_without_token_is_bad_response(router: respx.MockRouter) -> None:
    router.post("/login").mock(return_value=httpx.Response(200, json={"application": APPLICATION}))
    with pytest.raises(UpstreamError) as err:
        await make_adapter().check()
    assert err.value.kind is ErrorKind.BAD_RESPONSE


async def test_key_of_another_application_is_refused(router: respx.MockRouter) -> None:
    other = {**APPLICATION, "id": "600000000000000000000000"}
    router.post("/login").mock(return_value=httpx.Response(200, json={"token": TOKEN, "application": other}))
    whoami = router.get("/whoami").mock(return_value=httpx.Response(200, json=other))
    with pytest.raises(UpstreamError) as err:
        await make_adapter().check()
    assert err.value.kind is ErrorKind.FORBIDDEN
    assert not whoami.called


async def test_application_learned_from_login(router: respx.MockRouter) -> None:
    router.post("/login").mock(return_value=login_ok())
    router.get("/whoami").mock(return_value=httpx.Response(200, json=APPLICATION))
    leia = make_adapter(application_id=None)
    assert not leia.scopes
    await leia.check()
    assert leia.scopes == (APP,)


async def test_token_and_key_are_redacted_from_errors(router: respx.MockRouter) -> None:
    router.post("/login").mock(return_value=login_ok())
    router.get(f"/job/{KEY.native_id}").mock(return_value=problem(400, f"bad token {TOKEN} for key {API_KEY}"))
    [err] = await make_adapter().get_jobs([KEY])
    assert isinstance(err, UpstreamError) and err.kind is ErrorKind.INVALID
    assert "***" in err.message
    assert_no_secret(err)


async def test_aclose_logs_out(router: respx.MockRouter) -> None:
    router.post("/login").mock(return_value=login_ok())
    router.get("/whoami").mock(return_value=httpx.Response(200, json=APPLICATION))
    logout = router.get("/logout").mock(return_value=httpx.Response(204))
    leia = make_adapter()
    await leia.check()
    await leia.aclose()
    assert logout.calls.last.request.headers["token"] == TOKEN


async def test_login_keeps_the_request_timeout(router: respx.MockRouter) -> None:
    login = router.post("/login").mock(return_value=login_ok())
    router.get("/whoami").mock(return_value=httpx.Response(200, json=APPLICATION))
    await make_adapter(timeout_s=2.5).check()
    assert login.calls.last.request.extensions["timeout"]["read"] == 2.5
