"""The real simulator in-process (httpx.ASGITransport) with a clock the test moves: no sockets, no sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from reconciler.webex import CallingApi, WebexClient

T = TypeVar("T")


class FakeClock:
    """Shared by the simulator's jobs, the job poller and the client's pace: waiting moves time, nothing
    sleeps, and every wait asked for is recorded."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def run(app: Any, work: Callable[[CallingApi], Awaitable[T]]) -> T:
    """Run `work` with a CallingApi talking to the simulator app `app`."""

    async def go() -> T:
        transport = httpx.ASGITransport(app=app)
        async with WebexClient("http://sandbox/v1", "t", transport=transport) as client:
            return await work(CallingApi(client))

    return asyncio.run(go())
