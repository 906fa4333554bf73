"""Orgs side by side: bounded in flight, every outcome in order, an org's error its own, a defect last."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from reconciler.connection import ConfigError
from reconciler.desired.model import InputError, InvalidInput, Position
from reconciler.fleet import Outcome, each_loaded, run_each
from reconciler.webex.errors import WebexError


class Gates:
    """Work that waits at a gate per item, counting how many are inside at once."""

    def __init__(self, items: list[str]) -> None:
        self.gates = {item: asyncio.Event() for item in items}
        self.started: list[str] = []
        self.inside = 0
        self.most_inside = 0

    async def work(self, item: str) -> str:
        self.started.append(item)
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await self.gates[item].wait()
        finally:
            self.inside -= 1
        return item.upper()


async def until(condition: Callable[[], bool], tries: int = 1000) -> None:
    """Let the loop run until `condition()` holds (bounded; no sleeping)."""
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


def test_at_most_in_flight_at_once_and_outcomes_in_item_order() -> None:
    items = ["a", "b", "c", "d", "e"]
    gates = Gates(items)
    done: list[str] = []

    async def scenario() -> list[Outcome[str, str]]:
        running = asyncio.ensure_future(run_each(items, gates.work, 2, lambda o: done.append(o.item)))
        await until(lambda: len(gates.started) == 2)
        assert gates.started == ["a", "b"]  # the third waits for a place
        for _ in range(5):
            await asyncio.sleep(0)
        assert gates.started == ["a", "b"]
        gates.gates["b"].set()  # ending out of order frees one place
        await until(lambda: len(gates.started) == 3)
        assert gates.started == ["a", "b", "c"]
        for item in ("e", "d", "c", "a"):
            gates.gates[item].set()
        return await running

    outcomes = asyncio.run(scenario())
    assert gates.most_inside == 2
    assert [(o.item, o.value, o.error) for o in outcomes] == [(i, i.upper(), None) for i in items]
    assert done[0] == "b" and sorted(done) == items  # told as each ends, once each


@pytest.mark.parametrize(
    "error",
    [
        WebexError(404, "Organization X not found"),
        InvalidInput([InputError(Position("a.yaml", 2, 3), "bad")]),
        ConfigError("no token in $ACME_TOKEN"),
    ],
)
def test_an_org_error_ends_only_that_item(error: Exception) -> None:
    async def work(item: str) -> str:
        if item == "b":
            raise error
        return item.upper()

    told: list[Outcome[str, str]] = []
    outcomes = asyncio.run(run_each(["a", "b", "c"], work, 1, told.append))
    assert [(o.item, o.value) for o in outcomes] == [("a", "A"), ("b", None), ("c", "C")]
    assert outcomes[1].error is error and outcomes[0].error is None
    assert [o.item for o in told] == ["a", "b", "c"]


def test_a_defect_is_raised_after_every_other_item_has_ended() -> None:
    items = ["a", "boom", "c"]
    gates = Gates(["a", "c"])
    told: list[str] = []

    async def work(item: str) -> str:
        if item == "boom":
            raise RuntimeError("a bug")
        return await gates.work(item)

    async def scenario() -> None:
        running = asyncio.ensure_future(run_each(items, work, 3, lambda o: told.append(o.item)))
        await until(lambda: len(gates.started) == 2)
        for _ in range(5):
            await asyncio.sleep(0)
        assert not running.done()  # the defect waits for the others
        gates.gates["a"].set()
        gates.gates["c"].set()
        await running

    with pytest.raises(RuntimeError, match="a bug"):
        asyncio.run(scenario())
    assert sorted(told) == ["a", "c"]  # both ended and were told; the defect is no outcome


def test_in_flight_below_one_still_runs_one_at_a_time() -> None:
    gates = Gates(["a", "b"])

    async def scenario() -> list[Outcome[str, str]]:
        running = asyncio.ensure_future(run_each(["a", "b"], gates.work, 0))
        await until(lambda: len(gates.started) == 1)
        gates.gates["a"].set()
        gates.gates["b"].set()
        return await running

    assert [o.value for o in asyncio.run(scenario())] == ["A", "B"]
    assert gates.most_inside == 1


def test_each_loaded_keeps_each_items_error_and_raises_a_defect() -> None:
    def load(item: str) -> int:
        if item == "bad":
            raise InvalidInput([InputError(Position("bad.yaml"), "nope")])
        if item == "bug":
            raise KeyError(item)
        return len(item)

    outcomes = each_loaded(["a", "bad", "ccc"], load)
    assert [(o.item, o.value, type(o.error).__name__) for o in outcomes] == [
        ("a", 1, "NoneType"),
        ("bad", None, "InvalidInput"),
        ("ccc", 3, "NoneType"),
    ]
    with pytest.raises(KeyError):
        each_loaded(["a", "bug"], load)
