"""The small core the commands stand on: load and validate, read the org, plan, apply.

Offline validation always comes first, so bad input costs no request; the plan is complete (every
org-side rule checked for every location) before the first PUT.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from reconciler.apply import ApplyReport, StepCallback, apply_plan
from reconciler.connection import Connection
from reconciler.desired import load_desired
from reconciler.desired.model import DesiredState
from reconciler.plan import Plan, make_plan
from reconciler.state import ProgressCallback, fetch_current
from reconciler.webex.api import CallingApi
from reconciler.webex.client import WebexClient

Paths = Sequence[str | Path]


def validate(paths: Paths) -> DesiredState:
    """Offline checks only; raises InvalidInput with every error."""
    return load_desired(paths)


async def plan(
    paths: Paths, connection: Connection, concurrency: int, on_location: ProgressCallback | None = None
) -> Plan:
    desired = load_desired(paths)
    async with connection.client(concurrency) as client:
        return await _plan(client, desired, on_location)


async def apply(
    paths: Paths,
    connection: Connection,
    concurrency: int,
    *,
    dry_run: bool = False,
    on_plan: Callable[[Plan], None] | None = None,
    on_location: ProgressCallback | None = None,
    on_step: StepCallback | None = None,
) -> ApplyReport:
    desired = load_desired(paths)
    async with connection.client(concurrency) as client:
        the_plan = await _plan(client, desired, on_location)
        if on_plan:
            on_plan(the_plan)
        return await apply_plan(CallingApi(client), the_plan, dry_run=dry_run, on_step=on_step)


async def _plan(client: WebexClient, desired: DesiredState, on_location: ProgressCallback | None) -> Plan:
    current = await fetch_current(CallingApi(client), desired, on_location)
    return make_plan(desired, current)
