"""The org-wide pace: what a rate-limited org asked for, and the request rate learned from it.

Webex applies rate limits per organization, so a 429 (or 423) answers for every request of the org, not
only the one it refused. Two rules follow, as in the AWS SDKs' "adaptive" retry mode and octokit's
throttling plugin:
- **Pause**: when the server says "retry after X", no request of the org leaves before X has passed, and X
  is honoured exactly, however large. Only the run's budget (`max_wait`, the sum of all pauses) bounds it;
  a pause past that budget closes the pace, and every request still to go fails with what the org asked.
- **Rate**: after a throttle, requests leave at the rate the server let through since the throttle before
  (the pause included, as the server refills its allowance during it), then probe upward, PROBE more of
  it each second, while answers stay good; the next throttle measures again. Until the first throttle
  nothing is paced: the concurrency bound alone applies.

Why not CUBIC's cut below the measured rate (which the AWS SDKs use): a rate limit is not congestion.
The measured rate is what the server admits; pacing below it only leaves allowance unused that the
server's bucket cannot store, and measuring the next cycle over that dip then learns a lower rate, cycle
after cycle. A slow linear probe keeps throttles rare (one per probe cycle) at any rate.

Every wait goes through the injected `sleep`, and time is read from the injected `clock`, so tests run on a
fake clock. A waiter serves each pause once (by its generation), so a fake `sleep` that does not move the
clock never loops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# How fast the rate probes upward after a throttle: this share of the learned rate more, each second.
PROBE = 0.02
# A rate measured over less time than this is mostly the server's burst allowance, not its rate.
MIN_WINDOW = 1.0

# Told of each new throttle's pause: (seconds asked, seconds paused in all, the budget).
PauseCallback = Callable[[float, float, float], None]


class PaceClosed(Exception):
    """The org asked for more waiting than the run's budget allows; nothing more is sent to it."""


@dataclass
class PaceStats:
    """What the org asked for and what the pace made of it, for reports and benchmarks."""

    pauses: int = 0  # pauses the server asked for that lengthened the org's wait
    paused: float = 0.0  # seconds of them in all: what the budget bounds
    throttles: int = 0  # throttles that lowered the rate (several 429s of one burst count once)
    slotted: float = 0.0  # seconds requests waited for a slot of the learned rate, added up
    rate: float | None = None  # the rate learned at the last throttle, requests a second; None: unpaced
    lowest_rate: float | None = None


class Pace:
    """One org's pause and rate. `max_wait` is the run's budget of pause time, in seconds."""

    def __init__(
        self,
        max_wait: float,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        on_pause: PauseCallback | None = None,
    ) -> None:
        if max_wait < 0:
            raise ValueError("the wait budget must not be negative")
        self.max_wait = max_wait
        self.stats = PaceStats()
        self._clock = clock
        self._sleep = sleep
        self._on_pause = on_pause
        self._paused_until = float("-inf")
        self._generation = 0  # counts pauses: a waiter serves each one once
        self._closed: str | None = None
        self._next_slot = float("-inf")  # the earliest time the next paced request may leave
        self._learned: float | None = None  # the rate the curve grows from
        self._event_at = float("-inf")  # when that rate was learned
        self._turn = asyncio.Lock()  # fair: requests take their turn in the order they came
        self._sent = 0  # requests sent so far: a request's number says whether it left after a throttle
        self._sent_at_event = 0  # how many had been sent when the last throttle was learned from
        self._window_start: float | None = None  # since when successes are counted
        self._successes = 0

    @property
    def closed(self) -> str | None:
        """Why the pace refuses every request now, or None while it lets them go."""
        return self._closed

    def rate(self) -> float | None:
        """The rate requests may leave at now (requests a second), or None when unpaced."""
        if self._learned is None:
            return None
        since = max(0.0, self._clock() - max(self._event_at, self._paused_until))
        return self._learned * (1 + PROBE * since)

    async def wait_turn(self) -> tuple[float, float]:
        """Wait until a request of the org may leave; returns the seconds waited for a pause and for a
        slot of the rate. Raises PaceClosed.

        Requests take their turn one after another, in order: each one's slot is set from the rate at
        the moment the one before it left, so a rate that changes reaches the very next request (slots
        booked ahead at an old rate would lag behind the curve by a whole queue of requests)."""
        paused = slotted = 0.0
        async with self._turn:
            served = -1
            while True:
                self._check_open()
                now = self._clock()
                if served != self._generation and now < self._paused_until:
                    served = self._generation
                    paused += await self._wait(self._paused_until - now)
                    continue
                served = self._generation
                rate = self.rate()
                if rate is None:
                    return paused, slotted
                # Time starts when the pause ends, even on a clock the sleeps did not move.
                slot = max(now, self._paused_until, self._next_slot)
                waited = await self._wait(slot - now)
                slotted += waited
                self.stats.slotted += waited
                if served == self._generation:  # no new pause began while waiting for the slot
                    self._check_open()
                    self._next_slot = slot + 1 / (self.rate() or rate)
                    return paused, slotted

    def sent(self) -> int:
        """Note that a request leaves now; returns its number, for `throttled`."""
        if self._window_start is None:
            self._window_start = self._clock()
        self._sent += 1
        return self._sent

    def answered(self) -> None:
        """A request was served without a throttle: the rate it was sent at holds."""
        self._successes += 1

    def throttled(self, request: int, wait: float) -> None:
        """Request number `request` was throttled with "retry after `wait` seconds". Raises PaceClosed
        when that pause would take the org's waiting past the budget."""
        now = self._clock()
        # A request sent before the last throttle answers for the same excess: an echo, not news.
        news = request > self._sent_at_event
        if news:
            self._learn(now)
        until = now + wait
        if until <= self._paused_until:
            return
        longer = until - max(self._paused_until, now)
        if self.stats.paused + longer > self.max_wait:
            self._closed = (
                f"the org asked to wait {wait:.0f} s; over --max-wait ({self.max_wait:.0f} s, "
                f"{self.stats.paused:.0f} s waited so far)"
            )
            raise PaceClosed(self._closed)
        self._paused_until = until
        self._next_slot = until
        self._generation += 1
        self.stats.pauses += 1
        self.stats.paused += longer
        if news and self._on_pause is not None:
            self._on_pause(wait, self.stats.paused, self.max_wait)

    def _learn(self, now: float) -> None:
        """Lower the rate after a throttle: to BETA of what the server let through since the last one
        (since the first request, at the first throttle)."""
        start = self._window_start if self._window_start is not None else now
        if self._successes:
            measured: float | None = self._successes / max(now - start, MIN_WINDOW)
        else:  # nothing got through at the current rate: halve it
            current = self.rate()
            measured = None if current is None else current / 2
        self._event_at = now
        self._sent_at_event = self._sent
        self._window_start = now
        self._successes = 0
        self.stats.throttles += 1
        if measured is None:
            return  # throttled before anything was served: the pause alone says what to do
        self._learned = measured
        self.stats.rate = measured
        lowest = self.stats.lowest_rate
        self.stats.lowest_rate = measured if lowest is None else min(lowest, measured)

    def _check_open(self) -> None:
        if self._closed is not None:
            raise PaceClosed(self._closed)

    async def _wait(self, seconds: float) -> float:
        if seconds <= 0:
            return 0.0
        await self._sleep(seconds)
        return seconds
