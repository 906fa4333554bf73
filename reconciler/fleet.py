"""Many orgs in one process: each org's run side by side with the others', none able to stop another.

Each org gets its own connection, so its own client, pace and concurrency limit: rate limits are
applied per org, and one org's 429s slow only that org. A bound on the orgs in flight keeps sockets,
memory and the terminal within reason when a project has hundreds. What one org's run raises for its
input, its plan or its org (the errors a user is meant to read) ends that org's run and is kept as
its outcome; a defect (any other exception) is raised once every org has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from reconciler.connection import ConfigError
from reconciler.desired.model import InvalidInput
from reconciler.planfile import PlanFileError, StalePlan
from reconciler.safety import UnsafePlan
from reconciler.webex.errors import WebexError

T = TypeVar("T")
K = TypeVar("K")

# What ends one org's run and is that org's outcome, not the whole run's.
ORG_ERRORS = (InvalidInput, ConfigError, PlanFileError, StalePlan, UnsafePlan, WebexError)
OrgError = InvalidInput | ConfigError | PlanFileError | StalePlan | UnsafePlan | WebexError


@dataclass(frozen=True)
class Outcome(Generic[K, T]):
    """How one org's run ended: its value, or the error that ended it."""

    item: K
    value: T | None = None
    error: OrgError | None = None


async def run_each(
    items: Sequence[K],
    work: Callable[[K], Awaitable[T]],
    in_flight: int,
    on_done: Callable[[Outcome[K, T]], None] | None = None,
) -> list[Outcome[K, T]]:
    """`work` for every item, at most `in_flight` at once; the outcomes in the items' order.

    `on_done` is told of each outcome as it comes, so that output can be shown org by org.
    """
    gate = asyncio.Semaphore(max(1, in_flight))
    defects: list[BaseException] = []

    async def one(item: K) -> Outcome[K, T]:
        async with gate:
            try:
                outcome: Outcome[K, T] = Outcome(item, value=await work(item))
            except ORG_ERRORS as exc:
                outcome = Outcome(item, error=exc)
            except Exception as exc:  # a defect: let the other orgs end first, then raise it
                defects.append(exc)
                raise
        if on_done is not None:
            on_done(outcome)
        return outcome

    results = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
    if defects:
        raise defects[0]
    return [result for result in results if isinstance(result, Outcome)]


def each_loaded(items: Sequence[K], load: Callable[[K], T]) -> list[Outcome[K, T]]:
    """The offline stage for every item: its own errors are its outcome, as in `run_each`."""
    outcomes: list[Outcome[K, T]] = []
    for item in items:
        try:
            outcomes.append(Outcome(item, value=load(item)))
        except ORG_ERRORS as exc:
            outcomes.append(Outcome(item, error=exc))
    return outcomes
