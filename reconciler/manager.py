"""The small core the commands stand on: load and validate, read the org, plan, apply, export.

Offline validation always comes first, so bad input costs no request; the plan is complete (every
org-side rule checked for every location) and judged safe before the first PUT; a saved plan is
applied only when a fresh plan of the desired state has exactly its steps, and then it is the fresh
plan that is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler import __version__, planfile, safety, verify
from reconciler.apply import ApplyReport, StepCallback, apply_plan
from reconciler.connection import Connection
from reconciler.desired import load_desired
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredState
from reconciler.jobs import JobPolling
from reconciler.plan import Plan, make_plan
from reconciler.selection import EVERYTHING, Selection
from reconciler.state import ProgressCallback, fetch_current
from reconciler.webex.api import CallingApi
from reconciler.webex.client import WebexClient

Paths = Sequence[str | Path]
PlanCallback = Callable[[Plan], None]


@dataclass(frozen=True)
class Scope:
    """What one org's run acts on: its desired-state files with the defaults laid under them (from a
    project file), and which of their locations."""

    paths: tuple[str | Path, ...]
    org: str | None = None  # the project's key for the org; None: no project
    layers: tuple[FieldSet, ...] = ()
    selection: Selection = EVERYTHING
    project_file: str | None = None  # where `layers` were written


@dataclass(frozen=True)
class Loaded:
    """A scope's whole desired state, checked offline; `selected` is the part the run acts on."""

    scope: Scope
    desired: DesiredState

    @property
    def selected(self) -> DesiredState:
        return self.scope.selection.applied(self.desired)

    @property
    def files(self) -> tuple[str, ...]:
        """Every file the desired state was read from: a saved plan is stale when one changes."""
        project = self.scope.project_file
        return (*self.desired.files, project) if project else self.desired.files


@dataclass(frozen=True)
class Planned:
    loaded: Loaded
    plan: Plan

    def saved(self, connection: Connection) -> planfile.SavedPlan:
        """The plan as `plan --out` writes it."""
        scope = self.loaded.scope
        files = self.loaded.files
        return planfile.save(self.plan, connection.target, files, __version__, scope.org, scope.selection)


def load(scope: Scope) -> Loaded:
    """Offline checks of every file of the scope (not only the selected locations); InvalidInput with
    every error."""
    return Loaded(scope, load_desired(scope.paths, scope.layers))


def validate(paths: Paths) -> DesiredState:
    """Offline checks only; raises InvalidInput with every error."""
    return load_desired(paths)


async def plan(
    loaded: Loaded, connection: Connection, concurrency: int, on_location: ProgressCallback | None = None
) -> Planned:
    async with connection.client(concurrency) as client:
        return Planned(loaded, await _plan(client, loaded.selected, on_location))


@dataclass(frozen=True)
class ApplyOptions:
    thresholds: safety.Thresholds = safety.Thresholds()
    force: bool = False  # apply even over a threshold
    dry_run: bool = False
    on_plan: PlanCallback | None = None  # called with the plan about to be applied
    on_step: StepCallback | None = None  # called as each step ends
    polling: JobPolling = JobPolling()  # how routing-prefix jobs are waited for


async def apply(
    loaded: Loaded,
    connection: Connection,
    concurrency: int,
    options: ApplyOptions,
    on_location: ProgressCallback | None = None,
) -> ApplyReport:
    """Plan afresh, then apply; UnsafePlan (before any PUT) when over a threshold without `force`."""
    async with connection.client(concurrency) as client:
        the_plan = await _plan(client, loaded.selected, on_location)
        return await _execute(CallingApi(client), the_plan, options)


async def apply_saved(
    saved: planfile.SavedPlan,
    source: str,
    loaded: Loaded,
    connection: Connection,
    concurrency: int,
    options: ApplyOptions,
    on_location: ProgressCallback | None = None,
) -> ApplyReport:
    """Plan the scope afresh and apply that plan only when its steps are exactly the saved plan's, so
    that nothing a (perhaps forged) file says is ever sent; StalePlan naming every difference otherwise."""
    reasons = planfile.check_target(saved, connection.target, source)
    reasons += planfile.check_selection(saved, loaded.scope.selection, source)
    reasons += planfile.check_desired(saved, loaded.files, source)
    if reasons:
        raise planfile.StalePlan(reasons)
    async with connection.client(concurrency) as client:
        api = CallingApi(client)
        desired = loaded.selected
        current = await fetch_current(api, desired, on_location)
        fresh = make_plan(desired, current)
        verify.check(saved, fresh, current, source)
        return await _execute(api, fresh, options)


async def export(connection: Connection, concurrency: int, names: Sequence[str] = ()) -> str:
    """The org's current state as the text of a desired-state file."""
    from reconciler.export import export_org

    async with connection.client(concurrency) as client:
        return await export_org(CallingApi(client), names, tool_version=__version__)


async def _execute(api: CallingApi, the_plan: Plan, options: ApplyOptions) -> ApplyReport:
    verdict = safety.check(the_plan, options.thresholds)
    if verdict and not options.force:
        raise safety.UnsafePlan(verdict)
    if options.on_plan:
        options.on_plan(the_plan)
    return await apply_plan(
        api, the_plan, dry_run=options.dry_run, polling=options.polling, on_step=options.on_step
    )


async def _plan(client: WebexClient, desired: DesiredState, on_location: ProgressCallback | None) -> Plan:
    current = await fetch_current(CallingApi(client), desired, on_location)
    return make_plan(desired, current)
