"""A concurrency limit that adapts to rate limiting: additive increase, multiplicative decrease (AIMD).

A throttled answer (429, 423) halves the limit, never below 1; successes win it back one slot at a time
(+1 per `limit` successes, the way TCP grows its window), never above the configured maximum. So a rate
limit costs time rather than failures, and a limited org is not met with the full concurrency again at once.

One burst of requests usually draws several 429s at once: all of them answer for the same excess, so the
limit is halved at most once per *round*. A round starts at a decrease and lasts until every request that
was in flight at that moment has finished; throttles reported meanwhile are ignored. Successes of those
same requests do not count towards growth either: they were sent at the rate that drew the 429.

Exact and cheap: O(1) per request, no polling. Slots go strictly first come, first served: a newcomer never
overtakes a waiter, and only the head of the queue is woken. The head takes its slot when it runs, not when
it is woken, so a decrease in between is respected and no slot is ever handed out past the limit.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from dataclasses import dataclass
from types import TracebackType

DEFAULT_CONCURRENCY = 10


@dataclass
class LimiterStats:
    """The limit's history in brief, for reports: it changes only when the limit does."""

    max_limit: int = DEFAULT_CONCURRENCY  # the configured concurrency: the limit never grows past it
    limit: int = DEFAULT_CONCURRENCY  # the limit now
    lowest_limit: int = DEFAULT_CONCURRENCY  # the lowest it reached
    decreases: int = 0  # how many times it was halved


class Outcome(enum.Enum):
    """What an exchange tells the limiter about the server's capacity."""

    NEUTRAL = "neutral"  # says nothing about the rate: a 5xx, a lost connection, an exchange cut short
    SUCCESS = "success"  # answered without complaint at this rate
    THROTTLED = "throttled"  # the server asked to slow down


class AdaptiveLimiter:
    """At most `limit` slots held at once; the limit moves between 1 and `max_limit` by AIMD."""

    def __init__(self, max_limit: int = DEFAULT_CONCURRENCY) -> None:
        if max_limit < 1:
            raise ValueError("the concurrency limit must be at least 1")
        self.stats = LimiterStats(max_limit, max_limit, max_limit)
        self._max = max_limit
        self._limit = max_limit
        self._in_flight = 0
        # One future per waiter, in arrival order. A cancelled waiter's future stays where it is until it
        # reaches the head, where it is dropped: removing it from the middle would cost O(n).
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._issued = 0  # slots handed out so far; a slot's ticket is its number in that sequence
        self._round_barrier = 0  # tickets up to this one were in flight at the last decrease
        self._round_pending = 0  # how many of those are still in flight: the round lasts until 0
        self._credit = 0  # successes towards the next +1

    def __repr__(self) -> str:
        return (
            f"AdaptiveLimiter(limit={self._limit}, max_limit={self._max}, in_flight={self._in_flight}, "
            f"waiting={self.waiting})"
        )

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def max_limit(self) -> int:
        return self._max

    @property
    def in_flight(self) -> int:
        """Slots held now. Can exceed `limit` just after a decrease: requests already sent stay sent."""
        return self._in_flight

    @property
    def waiting(self) -> int:
        """Waiters queued now (O(n): for tests and reprs, not for the request path)."""
        return sum(not future.cancelled() for future in self._waiters)

    def slot(self) -> Slot:
        """`async with limiter.slot() as slot:` holds a slot for the block; report how it went on `slot`."""
        return Slot(self)

    async def acquire(self) -> int:
        """Wait for a slot, first come first served; returns its ticket, for `release`."""
        if not self._waiters and self._in_flight < self._limit:
            return self._take()
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            # Woken only at the head of the queue; the limit may have dropped since: then wait on there.
            await future
            while self._in_flight >= self._limit:
                future = asyncio.get_running_loop().create_future()
                self._waiters[0] = future
                await future
        except asyncio.CancelledError:
            self._leave(future)
            raise
        self._waiters.popleft()
        ticket = self._take()
        self._wake_head()  # room for more: the next in line goes too
        return ticket

    def release(self, ticket: int, outcome: Outcome = Outcome.NEUTRAL) -> None:
        """Give back the slot `ticket`, saying what its exchange showed about the server's rate."""
        self._in_flight -= 1
        in_round = self._round_pending > 0
        if ticket <= self._round_barrier:
            self._round_pending -= 1
        if outcome is Outcome.THROTTLED and not in_round:
            self._decrease()
        elif outcome is Outcome.SUCCESS and ticket > self._round_barrier:
            self._grow()
        self._wake_head()

    def _take(self) -> int:
        self._in_flight += 1
        self._issued += 1
        return self._issued

    def _leave(self, future: asyncio.Future[None]) -> None:
        """A waiter was cancelled. At the head, it may already have been woken: pass the turn on."""
        if self._waiters and self._waiters[0] is future:
            self._waiters.popleft()
            self._wake_head()
        # Elsewhere in the queue its future is cancelled too, and dropped when it reaches the head.

    def _wake_head(self) -> None:
        """Wake the first live waiter when a slot is free. Each waiter is woken only at the head, so the
        queue is served in order, and at most one wakeup is pending at a time."""
        waiters = self._waiters
        while waiters and waiters[0].cancelled():
            waiters.popleft()
        if waiters and self._in_flight < self._limit and not waiters[0].done():
            waiters[0].set_result(None)

    def _decrease(self) -> None:
        self._credit = 0
        halved = max(1, self._limit // 2)
        if halved == self._limit:
            return  # already at 1: nothing to halve, no round to start
        self._set_limit(halved)
        self.stats.decreases += 1
        self.stats.lowest_limit = min(self.stats.lowest_limit, halved)
        # Every request in flight now answers for the same excess: their throttles are this round's.
        self._round_barrier = self._issued
        self._round_pending = self._in_flight

    def _grow(self) -> None:
        if self._limit >= self._max:
            return
        self._credit += 1
        if self._credit >= self._limit:
            self._credit = 0
            self._set_limit(self._limit + 1)

    def _set_limit(self, limit: int) -> None:
        self._limit = limit
        self.stats.limit = limit


class Slot:
    """One slot, held for an `async with` block. The outcome is neutral unless reported otherwise, so an
    exchange that raised or was cancelled neither grows nor shrinks the limit."""

    __slots__ = ("_limiter", "_outcome", "_ticket")

    def __init__(self, limiter: AdaptiveLimiter) -> None:
        self._limiter = limiter
        self._ticket = 0
        self._outcome = Outcome.NEUTRAL

    def report(self, outcome: Outcome) -> None:
        self._outcome = outcome

    async def __aenter__(self) -> Slot:
        self._ticket = await self._limiter.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._limiter.release(self._ticket, self._outcome if exc is None else Outcome.NEUTRAL)
