"""Pace: the org-wide pause a throttle asks for, and the rate learned from it (on a fake clock)."""

from __future__ import annotations

import asyncio

import pytest
from inprocess import FakeClock

from reconciler.webex.pace import MIN_WINDOW, PROBE, Pace, PaceClosed


def make(max_wait: float = 1800.0) -> tuple[Pace, FakeClock]:
    clock = FakeClock()
    return Pace(max_wait, clock=clock, sleep=clock.sleep), clock


def serve(pace: Pace, clock: FakeClock, successes: int, seconds: float) -> None:
    """`successes` requests answered without a throttle, spread over `seconds`."""
    for _ in range(successes):
        pace.sent()
        clock.now += seconds / successes
        pace.answered()


def test_unpaced_until_the_first_throttle() -> None:
    pace, clock = make()
    serve(pace, clock, 100, 1.0)
    assert pace.rate() is None
    assert asyncio.run(pace.wait_turn()) == (0.0, 0.0)


def test_a_throttle_before_any_success_pauses_but_learns_no_rate() -> None:
    pace, _clock = make()
    pace.throttled(pace.sent(), 3.0)
    assert pace.rate() is None
    assert asyncio.run(pace.wait_turn()) == (3.0, 0.0)
    assert (pace.stats.pauses, pace.stats.paused) == (1, 3.0)


def test_the_rate_is_what_got_through_since_the_last_throttle_then_probes_upward() -> None:
    pace, clock = make()
    serve(pace, clock, 40, 4.0)  # ten a second
    pace.throttled(pace.sent(), 1.0)
    assert pace.stats.rate == pytest.approx(10.0)
    assert pace.rate() == pytest.approx(10.0)  # resumes at what the server let through
    clock.now += 1.0  # the pause: the probe starts when it ends
    assert pace.rate() == pytest.approx(10.0)
    clock.now += 5.0
    assert pace.rate() == pytest.approx(10.0 * (1 + 5 * PROBE))


def test_the_next_rate_is_measured_across_the_pause_the_server_refilled_in() -> None:
    pace, clock = make()
    serve(pace, clock, 10, 1.0)
    pace.throttled(pace.sent(), 1.0)  # learned: ten a second
    clock.now += 1.0  # the pause, in which nothing is served
    serve(pace, clock, 30, 2.0)  # then 15 a second for 2 s: its allowance refilled during the pause
    pace.throttled(pace.sent(), 1.0)
    assert pace.stats.rate == pytest.approx(30 / 3.0)  # 10 a second over the 3 s since the throttle


def test_a_burst_measured_over_less_than_the_minimum_window_is_not_taken_for_a_rate() -> None:
    pace, clock = make()
    serve(pace, clock, 2, 0.01)  # the server's burst allowance, served at once
    pace.throttled(pace.sent(), 1.0)
    assert pace.stats.rate == pytest.approx(2 / MIN_WINDOW)


def test_throttles_of_requests_sent_before_the_last_one_are_echoes_counted_once() -> None:
    pace, clock = make()
    serve(pace, clock, 10, 1.0)
    in_flight = [pace.sent() for _ in range(5)]
    for number in in_flight:
        pace.throttled(number, 1.0)
    assert pace.stats.throttles == 1
    assert pace.stats.rate == pytest.approx(10.0)
    # a request sent after that throttle, and throttled in turn, is news: nothing got through since,
    # so the rate is halved
    asyncio.run(pace.wait_turn())
    pace.throttled(pace.sent(), 1.0)
    assert pace.stats.throttles == 2
    assert pace.stats.rate == pytest.approx(5.0, rel=0.01)


def test_paced_requests_leave_one_slot_apart() -> None:
    pace, clock = make()
    serve(pace, clock, 10, 1.0)
    pace.throttled(pace.sent(), 1.0)

    async def three() -> list[tuple[float, float]]:
        return [await pace.wait_turn() for _ in range(3)]

    waits = asyncio.run(three())
    assert waits[0] == (1.0, 0.0)  # the pause, then the first slot at once
    assert [slotted for _, slotted in waits[1:]] == pytest.approx([1 / 10.0] * 2, rel=0.02)


def test_the_budget_bounds_the_sum_of_all_pauses_and_then_closes_the_pace() -> None:
    pace, clock = make(max_wait=10.0)
    pace.throttled(pace.sent(), 6.0)
    clock.now += 6.0
    with pytest.raises(PaceClosed, match=r"asked to wait 6 s; over --max-wait \(10 s, 6 s waited so far\)"):
        pace.throttled(pace.sent(), 6.0)
    assert pace.closed is not None
    with pytest.raises(PaceClosed):
        asyncio.run(pace.wait_turn())
    assert clock.waits == []  # nothing is slept once the pace is closed


def test_a_shorter_pause_inside_a_longer_one_costs_the_budget_nothing() -> None:
    pace, _clock = make(max_wait=10.0)
    pace.throttled(pace.sent(), 8.0)
    pace.throttled(pace.sent(), 2.0)
    assert (pace.stats.pauses, pace.stats.paused) == (1, 8.0)


def test_a_waiter_serves_a_pause_that_began_while_it_waited() -> None:
    clock = FakeClock()

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        if len(clock.waits) == 1:  # a second throttle arrives at the end of the first pause
            pace.throttled(pace.sent(), 4.0)

    pace = Pace(1800.0, clock=clock, sleep=sleep)
    pace.throttled(pace.sent(), 3.0)
    assert asyncio.run(pace.wait_turn()) == (7.0, 0.0)
    assert clock.waits == [3.0, 4.0]


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError):
        make(max_wait=-1.0)


def test_the_pause_callback_hears_of_each_new_throttle_once_not_of_its_echoes() -> None:
    clock = FakeClock()
    heard: list[tuple[float, float, float]] = []
    pace = Pace(60.0, clock=clock, sleep=clock.sleep, on_pause=lambda *told: heard.append(told))
    first, second = pace.sent(), pace.sent()
    pace.throttled(first, 2.0)
    clock.now += 0.5
    pace.throttled(second, 2.0)  # an echo that lengthens the pause a little
    assert heard == [(2.0, 2.0, 60.0)]
    assert pace.stats.paused == 2.5
