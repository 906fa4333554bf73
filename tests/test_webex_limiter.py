"""AdaptiveLimiter alone: the limit moving while waiters queue, never more than `limit` admitted, one
halving per round, recovery to the maximum and no further, first come first served, cancellation.

Nothing sleeps: holders are driven by hand (acquire/release) or parked on events, and `settle` only yields
to the event loop so that whatever was woken runs before the test looks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from reconciler.webex.limiter import AdaptiveLimiter, LimiterStats, Outcome

SUCCESS, THROTTLED, NEUTRAL = Outcome.SUCCESS, Outcome.THROTTLED, Outcome.NEUTRAL


def run(coro_fn: Callable[[], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        return await coro_fn()

    return asyncio.run(main())


async def settle(turns: int = 50) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)  # a yield to the loop, not a wait


class Queue:
    """Waiters started in order; each records when it got in and keeps its ticket for the test to release."""

    def __init__(self, limiter: AdaptiveLimiter) -> None:
        self.limiter = limiter
        self.admitted: list[str] = []
        self.tickets: dict[str, int] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def join(self, *names: str) -> None:
        for name in names:
            self.tasks[name] = asyncio.create_task(self._wait(name))
            await settle(2)  # started one after another: their arrival order is the order given

    async def _wait(self, name: str) -> None:
        ticket = await self.limiter.acquire()
        # The moment of admission: what is held now, this one included, must fit the limit.
        assert self.limiter.in_flight <= self.limiter.limit, (name, self.limiter)
        self.tickets[name] = ticket
        self.admitted.append(name)

    def release(self, name: str, outcome: Outcome = NEUTRAL) -> None:
        self.limiter.release(self.tickets.pop(name), outcome)


async def _held(limiter: AdaptiveLimiter, n: int) -> list[int]:
    return [await limiter.acquire() for _ in range(n)]


# --- the limit and what it admits ------------------------------------------------------------------------


def test_a_fresh_limiter_admits_up_to_its_limit_at_once_then_queues() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(3)
        tickets = await _held(limiter, 3)
        assert tickets == [1, 2, 3]
        queue = Queue(limiter)
        await queue.join("a")
        await settle()
        assert queue.admitted == []
        assert (limiter.in_flight, limiter.waiting) == (3, 1)
        limiter.release(tickets[0])
        await settle()
        assert queue.admitted == ["a"]
        assert (limiter.in_flight, limiter.waiting) == (3, 0)

    run(go)


def test_the_limit_changes_while_waiters_queue() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(4)
        held = await _held(limiter, 4)
        queue = Queue(limiter)
        await queue.join("a", "b", "c")

        # A throttle halves the limit to 2: three still in flight, so releasing one admits nobody.
        limiter.release(held.pop(0), THROTTLED)
        await settle()
        assert (limiter.limit, limiter.in_flight, queue.admitted) == (2, 3, [])
        limiter.release(held.pop(0), THROTTLED)  # the same round: ignored
        await settle()
        assert (limiter.limit, limiter.in_flight, queue.admitted) == (2, 2, [])
        # Below the new limit at last: exactly one goes.
        limiter.release(held.pop(0))
        await settle()
        assert (limiter.limit, limiter.in_flight, queue.admitted) == (2, 2, ["a"])

        # Growth admits a waiter by itself, without anyone leaving: 2 successes at limit 2 make it 3.
        limiter.release(held.pop(0), SUCCESS)  # the round's last: sent before the decrease, not counted
        queue.release("a", SUCCESS)
        await settle()
        assert queue.admitted == ["a", "b", "c"]  # two slots freed: b and c
        assert limiter.limit == 2
        queue.release("b", SUCCESS)  # 2nd success at limit 2 → 3
        await settle()
        assert limiter.limit == 3
        assert limiter.waiting == 0

    run(go)


def test_never_more_admitted_than_the_limit_while_it_moves() -> None:
    """Forty holders on events; the test releases them with every kind of outcome and checks, at every
    admission, that what is held fits the limit (Queue._wait asserts it at the moment of admission)."""
    outcomes = [SUCCESS, THROTTLED, SUCCESS, NEUTRAL, SUCCESS, SUCCESS, THROTTLED, SUCCESS]
    peaks: list[tuple[int, int]] = []

    async def go() -> LimiterStats:
        limiter = AdaptiveLimiter(8)
        held = 0
        gates = {i: asyncio.Event() for i in range(40)}

        async def holder(i: int) -> None:
            nonlocal held
            async with limiter.slot() as slot:
                held += 1
                peaks.append((held, limiter.limit))
                assert held <= limiter.limit, (held, limiter)
                await gates[i].wait()
                held -= 1
                slot.report(outcomes[i % len(outcomes)])

        tasks = [asyncio.create_task(holder(i)) for i in range(40)]
        await settle()
        for i in range(40):
            gates[i].set()
            await settle(3)
        await asyncio.gather(*tasks)
        assert limiter.in_flight == 0 and limiter.waiting == 0
        return limiter.stats

    stats = run(go)
    assert len(peaks) == 40
    assert max(h for h, _ in peaks) == 8
    assert stats.decreases >= 2
    assert all(held <= limit for held, limit in peaks)


def test_a_woken_waiter_that_finds_the_limit_lowered_waits_on_at_the_head() -> None:
    """The head is woken when a slot frees, and takes it only when it runs: a decrease in between wins."""

    async def go() -> None:
        limiter = AdaptiveLimiter(4)
        held = await _held(limiter, 4)
        queue = Queue(limiter)
        await queue.join("a", "b")
        limiter.release(held.pop())  # a is woken, but has not run yet...
        limiter.release(held.pop(), THROTTLED)  # ...when a throttle halves the limit to 2
        await settle()
        assert (limiter.limit, limiter.in_flight, queue.admitted) == (2, 2, [])
        limiter.release(held.pop())
        await settle()
        assert queue.admitted == ["a"]  # still first in line
        limiter.release(held.pop())
        await settle()
        assert queue.admitted == ["a", "b"]
        assert limiter.in_flight == 2

    run(go)


# --- halving: once per round, never below 1 -------------------------------------------------------------


def test_a_burst_of_throttles_halves_the_limit_once() -> None:
    async def go() -> LimiterStats:
        limiter = AdaptiveLimiter(10)
        for ticket in await _held(limiter, 10):
            limiter.release(ticket, THROTTLED)  # all ten answer for the same excess
        assert limiter.limit == 5
        return limiter.stats

    assert run(go) == LimiterStats(max_limit=10, limit=5, lowest_limit=5, decreases=1)


def test_the_next_round_starts_when_the_requests_in_flight_at_the_decrease_have_finished() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(8)
        old = await _held(limiter, 3)
        limiter.release(old.pop(), THROTTLED)  # 8 → 4; two of this burst still in flight
        newer = await _held(limiter, 2)
        limiter.release(newer.pop(), THROTTLED)  # sent after the decrease, but the round is on: ignored
        assert limiter.limit == 4
        limiter.release(old.pop(), THROTTLED)
        limiter.release(old.pop(), THROTTLED)  # the round's last: ignored too, and the round ends
        assert (limiter.limit, limiter.stats.decreases) == (4, 1)
        limiter.release(newer.pop(), THROTTLED)  # a new round: 4 → 2
        assert (limiter.limit, limiter.stats.decreases) == (2, 2)

    run(go)


def test_one_request_at_a_time_each_throttle_is_a_round_and_the_limit_stops_at_one() -> None:
    async def go() -> LimiterStats:
        limiter = AdaptiveLimiter(10)
        for _ in range(6):
            limiter.release(await limiter.acquire(), THROTTLED)
        return limiter.stats

    # 10 → 5 → 2 → 1, then nothing left to halve: no more decreases counted
    assert run(go) == LimiterStats(max_limit=10, limit=1, lowest_limit=1, decreases=3)


def test_a_limit_of_one_stays_one_and_still_serves_everyone_in_turn() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(1)
        first = await limiter.acquire()
        queue = Queue(limiter)
        await queue.join("a", "b")
        limiter.release(first, THROTTLED)
        await settle()
        assert queue.admitted == ["a"]
        queue.release("a", SUCCESS)
        await settle()
        assert queue.admitted == ["a", "b"]
        queue.release("b", THROTTLED)
        assert limiter.stats == LimiterStats(max_limit=1, limit=1, lowest_limit=1, decreases=0)

    run(go)


def test_neutral_outcomes_neither_shrink_nor_grow_the_limit() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(4)
        limiter.release(await limiter.acquire(), THROTTLED)  # 4 → 2
        for _ in range(10):
            limiter.release(await limiter.acquire(), NEUTRAL)
        assert limiter.stats == LimiterStats(max_limit=4, limit=2, lowest_limit=2, decreases=1)

    run(go)


# --- growth: +1 per `limit` successes, up to the maximum --------------------------------------------------


def test_recovery_is_additive_to_the_maximum_and_not_beyond() -> None:
    async def go() -> list[int]:
        limiter = AdaptiveLimiter(8)
        for _ in range(3):
            limiter.release(await limiter.acquire(), THROTTLED)  # 8 → 4 → 2 → 1
        assert limiter.limit == 1
        trace = []
        for _ in range(40):
            limiter.release(await limiter.acquire(), SUCCESS)
            trace.append(limiter.limit)
        assert limiter.stats == LimiterStats(max_limit=8, limit=8, lowest_limit=1, decreases=3)
        return trace

    trace = run(go)
    # +1 after `limit` successes at each level: 1 + 2 + … + 7 = 28 successes from 1 back to 8
    expected = [n for level in range(1, 8) for n in [level] * (level - 1) + [level + 1]]
    assert trace[:28] == expected
    assert trace[27] == 8
    assert trace[28:] == [8] * 12


def test_successes_of_requests_sent_before_a_decrease_do_not_count_towards_growth() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(8)
        burst = await _held(limiter, 8)
        limiter.release(burst.pop(), THROTTLED)  # 8 → 4
        for ticket in burst:
            limiter.release(ticket, SUCCESS)  # sent at 8 at once, the rate that drew the 429
        assert limiter.limit == 4
        for _ in range(4):
            limiter.release(await limiter.acquire(), SUCCESS)  # sent at 4: these count
        assert limiter.limit == 5

    run(go)


def test_a_throttle_forfeits_the_credit_towards_the_next_step() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(8)
        limiter.release(await limiter.acquire(), THROTTLED)  # 8 → 4
        for _ in range(3):
            limiter.release(await limiter.acquire(), SUCCESS)  # 3 of the 4 needed
        limiter.release(await limiter.acquire(), THROTTLED)  # 4 → 2, credit gone
        limiter.release(await limiter.acquire(), SUCCESS)
        assert limiter.limit == 2
        limiter.release(await limiter.acquire(), SUCCESS)
        assert limiter.limit == 3

    run(go)


# --- first come, first served ----------------------------------------------------------------------------


def test_waiters_are_served_in_arrival_order() -> None:
    async def go() -> list[str]:
        limiter = AdaptiveLimiter(2)
        held = await _held(limiter, 2)
        queue = Queue(limiter)
        names = [f"w{i}" for i in range(8)]
        await queue.join(*names)
        for ticket in held:
            limiter.release(ticket)
        await settle()
        for done in range(len(names)):  # each release lets the next one in
            queue.release(queue.admitted[done])
            await settle()
        return queue.admitted

    assert run(go) == [f"w{i}" for i in range(8)]


def test_a_newcomer_never_overtakes_a_waiter_woken_but_not_yet_run() -> None:
    order: list[str] = []

    async def go() -> None:
        limiter = AdaptiveLimiter(1)
        first = await limiter.acquire()

        async def waiter() -> None:
            ticket = await limiter.acquire()
            order.append("waiter")
            limiter.release(ticket)

        task = asyncio.create_task(waiter())
        await settle()
        limiter.release(first)  # the waiter is woken, and has not run yet...
        assert limiter.in_flight == 0
        ticket = await limiter.acquire()  # ...when this newcomer asks, with a slot free: it queues
        order.append("newcomer")
        limiter.release(ticket)
        await task

    run(go)
    assert order == ["waiter", "newcomer"]


def test_growth_wakes_the_waiters_in_order() -> None:
    async def go() -> list[str]:
        limiter = AdaptiveLimiter(4)
        limiter.release(await limiter.acquire(), THROTTLED)  # 4 → 2
        held = await _held(limiter, 2)
        queue = Queue(limiter)
        await queue.join("a", "b", "c")
        limiter.release(held.pop(), SUCCESS)  # frees one: a
        await settle()
        limiter.release(held.pop(), SUCCESS)  # 2 successes at 2 → 3, and a slot freed: b and c
        await settle()
        assert limiter.limit == 3
        return queue.admitted

    assert run(go) == ["a", "b", "c"]


# --- cancellation ----------------------------------------------------------------------------------------


def test_a_cancelled_waiter_holds_nothing_and_blocks_no_one() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(1)
        first = await limiter.acquire()
        queue = Queue(limiter)
        await queue.join("a", "b", "c")
        queue.tasks["b"].cancel()
        await settle()
        assert limiter.waiting == 2
        limiter.release(first)
        await settle()
        queue.release("a")
        await settle()
        assert queue.admitted == ["a", "c"]
        queue.release("c")
        assert (limiter.in_flight, limiter.waiting) == (0, 0)
        assert queue.tasks["b"].cancelled()

    run(go)


def test_a_waiter_cancelled_after_being_woken_passes_its_turn_on() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(1)
        first = await limiter.acquire()
        queue = Queue(limiter)
        await queue.join("a", "b")
        limiter.release(first)  # a is woken...
        queue.tasks["a"].cancel()  # ...and cancelled before it runs
        await settle()
        assert queue.admitted == ["b"]
        queue.release("b")
        assert (limiter.in_flight, limiter.waiting) == (0, 0)

    run(go)


def test_the_head_cancelled_leaves_the_queue_to_the_next_when_a_slot_is_free() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(1)
        first = await limiter.acquire()
        queue = Queue(limiter)
        await queue.join("a", "b")
        queue.tasks["a"].cancel()
        await settle()
        limiter.release(first)
        await settle()
        assert queue.admitted == ["b"]
        # and a newcomer on an empty queue takes the fast path
        queue.release("b")
        assert await limiter.acquire() > 0
        assert limiter.in_flight == 1

    run(go)


# --- the slot context manager ----------------------------------------------------------------------------


def test_a_slot_releases_with_its_reported_outcome_or_neutral_on_an_exception() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(4)
        async with limiter.slot() as slot:
            assert limiter.in_flight == 1
            slot.report(THROTTLED)
        assert (limiter.in_flight, limiter.limit) == (0, 2)
        with pytest.raises(RuntimeError):
            async with limiter.slot() as slot:
                slot.report(THROTTLED)
                raise RuntimeError("the exchange failed")
        assert (limiter.in_flight, limiter.limit) == (0, 2)  # neutral: no second halving
        async with limiter.slot():
            pass  # nothing reported: neutral
        assert limiter.stats.decreases == 1

    run(go)


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AdaptiveLimiter(0)


def test_repr_shows_the_state() -> None:
    assert repr(AdaptiveLimiter(3)) == "AdaptiveLimiter(limit=3, max_limit=3, in_flight=0, waiting=0)"
