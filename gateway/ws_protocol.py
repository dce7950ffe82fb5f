"""uvicorn's WebSocket protocol, forgetting the opening handshake once it is done.

uvicorn's sans-I/O protocol (what its ``ws="auto"`` picks with ``websockets``
installed) keeps the client's upgrade request and its own 101 response, parsed
headers and all, for as long as the connection is open, and never reads either
again once the response is sent; websockets' parser keeps the request too, as a
local of its generator. About 7 KiB per held subscription (``benchmarks.held``).
The ASGI scope keeps its own copy of the request headers the app reads.

Only attributes the protocol sets itself are dropped, and only once it is past
the point where it reads them; ``tests/unit/test_ws_protocol.py`` runs it over a
real socket, so a uvicorn that changes them fails there.

Its receive queue and its "writable" event are lighter stand-ins (``_Inbox``,
``_Flag``) for the asyncio.Queue and asyncio.Event it makes: those hold four
deques, about 3.7 KiB per connection, for a queue that holds one message now and
then. They do what uvicorn asks of them (the test checks uvicorn's source asks no
more) the same way.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class _Waiters:
    """Futures of the coroutines waiting on an ``_Inbox`` or a ``_Flag``; none kept while none waits."""

    __slots__ = ("_futures",)

    def __init__(self) -> None:
        self._futures: list[asyncio.Future[None]] | None = None

    async def wait(self) -> None:
        future = asyncio.get_running_loop().create_future()
        if self._futures is None:
            self._futures = []
        self._futures.append(future)
        try:
            await future
        finally:
            if self._futures is not None and future in self._futures:
                self._futures.remove(future)
                if not self._futures:
                    self._futures = None

    def wake_all(self) -> None:
        futures, self._futures = self._futures, None
        for future in futures or ():
            if not future.done():
                future.set_result(None)


class _Inbox(_Waiters):
    """``put_nowait``, ``get`` and ``empty``, as asyncio.Queue does them (without a bound)."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        super().__init__()
        self._items: list[Any] = []

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        self.wake_all()  # each woken getter looks again: one takes the item, the others wait again

    async def get(self) -> Any:
        while not self._items:
            await self.wait()
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items


class _Flag(_Waiters):
    """``set``, ``clear``, ``is_set`` and ``wait``, as asyncio.Event does them."""

    __slots__ = ("_value",)

    def __init__(self) -> None:
        super().__init__()
        self._value = False

    def set(self) -> None:
        if not self._value:
            self._value = True
            self.wake_all()

    def clear(self) -> None:
        self._value = False

    def is_set(self) -> bool:
        return self._value

    async def wait(self) -> bool:  # type: ignore[override]
        if not self._value:
            await super().wait()
        return True


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]
        writable = _Flag()
        writable.set()
        self.writable = writable  # type: ignore[assignment]

    def handle_connect(self, event: Any) -> None:  # websockets' Request: uvicorn's dependency, not ours
        super().handle_connect(event)
        # Read only just now, to answer it and to build the scope (which has its own copy of the headers).
        self.__dict__.pop("request", None)
        event.headers.clear()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # Sent: uvicorn only reads it while the handshake is not complete.
            self.__dict__.pop("response", None)
