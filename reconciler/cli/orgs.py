"""What the commands share to act in one org or in a project's many: the options that choose them,
the scopes they become, and output grouped by org with a line per org and one in all.

Without a project file (or with PATHS on the command line) a command acts in one org exactly as it
always has. In a project, each org's run is one `fleet` item: its failure is its own, shown in its
group, and the command's exit code is the most severe of the orgs'.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.text import Text

from reconciler import fleet, manager
from reconciler.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_STALE,
    EXIT_UNSAFE,
    Connector,
    err,
    explain,
    out,
    run,
    stack,
    to_step_summary,
)
from reconciler.connection import Connection
from reconciler.desired.model import InputError, InvalidInput, Position
from reconciler.project import OrgEntry, Project, find_project, load_project
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT
from reconciler.render.orgs import OrgResult, orgs_json, orgs_markdown
from reconciler.render.progress import progress
from reconciler.selection import EVERYTHING, Selection

T = TypeVar("T")

# The most severe last: with many orgs the command exits with the worst of theirs.
SEVERITY = (EXIT_OK, EXIT_CHANGES, EXIT_ERROR, EXIT_UNSAFE, EXIT_STALE, EXIT_INVALID)
DEFAULT_ORGS_IN_FLIGHT = 50


def most_severe(codes: Sequence[int]) -> int:
    return max(codes, key=SEVERITY.index, default=EXIT_OK)


@dataclass(frozen=True)
class OrgChoice:
    """--project, --org and --orgs-in-flight as given."""

    project: Path | None
    patterns: tuple[str, ...]
    in_flight: int


@dataclass(frozen=True)
class OrgRun:
    """One org a command acts in: its scope and how to reach it."""

    scope: manager.Scope
    entry: OrgEntry | None  # None: the one org of the flags, without a project

    @property
    def key(self) -> str | None:
        return self.scope.org

    def connection(self, connector: Connector) -> Connection:
        if self.entry is None:
            return connector.single()
        return connector.for_org(self.entry.key, self.entry.org_id, self.entry.credentials)


@dataclass(frozen=True)
class Runs:
    """The orgs of one command: `project` None means the single org of the flags, as before projects."""

    runs: tuple[OrgRun, ...]
    project: Project | None

    @property
    def many(self) -> bool:
        return self.project is not None

    @property
    def keys(self) -> list[str]:
        return [run.key or "" for run in self.runs]


def org_options(command: Callable[..., int]) -> Callable[..., int]:
    """--project, --org (repeatable, globs, or a comma-separated list) and --orgs-in-flight, given to
    the command as one `orgs`."""

    @functools.wraps(command)
    def wrapper(
        *args: Any, project: Path | None, org: tuple[str, ...], orgs_in_flight: int, **kw: Any
    ) -> int:
        patterns = tuple(p.strip() for given in org for p in given.split(",") if p.strip())
        return command(*args, orgs=OrgChoice(project, patterns, orgs_in_flight), **kw)

    return stack(
        wrapper,
        [
            click.option(
                "--project",
                type=click.Path(dir_okay=False, path_type=Path),
                help="The project file naming the orgs (default without PATHS: ./wxc-reconcile.yaml).",
            ),
            click.option(
                "--org",
                multiple=True,
                metavar="KEY",
                help="Only this org of the project (repeatable; globs; or KEY,KEY). Default: every org.",
            ),
            click.option(
                "--orgs-in-flight",
                type=click.IntRange(1, 1000),
                default=DEFAULT_ORGS_IN_FLIGHT,
                show_default=True,
                help="Orgs worked on at once, each with its own --concurrency and rate-limit pace.",
            ),
        ],
    )


def location_options(command: Callable[..., int]) -> Callable[..., int]:
    """--location and --exclude (repeatable, globs on the location's name), as one `selection`."""

    @functools.wraps(command)
    def wrapper(*args: Any, location: tuple[str, ...], exclude: tuple[str, ...], **kw: Any) -> int:
        selection = Selection(location, exclude) if location or exclude else EVERYTHING
        return command(*args, selection=selection, **kw)

    return stack(
        wrapper,
        [
            click.option(
                "--location",
                multiple=True,
                metavar="NAME",
                help="Only locations so named (repeatable; globs).",
            ),
            click.option(
                "--exclude",
                multiple=True,
                metavar="NAME",
                help="Leave out locations so named (repeatable; globs).",
            ),
        ],
    )


NO_PATHS = (
    "give the desired-state PATHS, or run where a wxc-reconcile.yaml names the orgs (or give --project FILE)"
)


def choose(
    paths: Sequence[Path], orgs: OrgChoice, selection: Selection = EVERYTHING, no_paths: str = NO_PATHS
) -> Runs:
    """The orgs a command acts in: PATHS' one org, or the project's selected orgs; `no_paths` is the
    usage error when there are neither."""
    if paths:
        if orgs.project is not None or orgs.patterns:
            raise click.UsageError("give desired-state PATHS or a project's --org/--project, not both")
        return Runs((OrgRun(manager.Scope(tuple(paths), selection=selection), None),), None)
    where = str(orgs.project) if orgs.project is not None else find_project()
    if where is None:
        raise click.UsageError(no_paths)
    project = load_project(where)
    runs = tuple(
        OrgRun(manager.Scope(entry.paths, entry.key, entry.layers, selection, project.path), entry)
        for entry in project.select(orgs.patterns)
    )
    return Runs(runs, project)


def load_all(runs: Runs) -> list[fleet.Outcome[OrgRun, manager.Loaded]]:
    """Every org's desired state, checked offline; a --location naming nothing anywhere is an error
    before any request."""
    loaded = fleet.each_loaded(runs.runs, lambda run: manager.load(run.scope))
    if not runs.many and loaded[0].error is not None:
        raise loaded[0].error  # one org: its error is the command's, as it always was
    names = [loc.name for outcome in loaded if outcome.value for loc in outcome.value.desired.locations]
    selection = runs.runs[0].scope.selection if runs.runs else EVERYTHING
    unmatched = selection.unmatched(names)
    if unmatched and all(outcome.error is None for outcome in loaded):
        listed = ", ".join(repr(p) for p in unmatched)
        message = f"--location {listed} names no location of the desired state"
        raise InvalidInput([InputError(Position("<command line>"), message)])
    return loaded


Tick = Callable[[Any], None]
OrgWork = Callable[[OrgRun, manager.Loaded, Tick], Awaitable[T]]


def each_org(
    runs: Runs, work: OrgWork[T], in_flight: int, fmt: str, shown: Callable[[OrgRun, T], OrgResult]
) -> list[OrgResult]:
    """`work` for every org whose files are valid, side by side; each org's group (its heading, then
    what `shown` prints of its value, or its failure) as it ends; the results in the project's order."""
    results: list[OrgResult] = []

    def done(org: OrgRun, value: T | None, error: fleet.OrgError | None) -> None:
        if fmt == "text":
            out.print(heading(org), soft_wrap=True)
        if error is not None:
            results.append(failed_result(org, error))
        elif value is not None:
            results.append(shown(org, value))

    ready = []
    for outcome in load_all(runs):
        if outcome.value is None:
            done(outcome.item, None, outcome.error)
        else:
            ready.append((outcome.item, outcome.value))
    with progress(err, "Reading locations") as tick:

        async def one(item: tuple[OrgRun, manager.Loaded]) -> T:
            return await work(item[0], item[1], tick)

        run(fleet.run_each(ready, one, in_flight, lambda o: done(o.item[0], o.value, o.error)))
    return sorted(results, key=lambda r: runs.keys.index(r.key))


def heading(run: OrgRun) -> Text:
    entry = run.entry
    where = f"orgId {entry.org_id}" if entry and entry.org_id else "the token's own org"
    return Text.assemble(("━━ org ", "bold"), (run.key or "", "bold magenta"), (f"  ({where})", "dim"))


def result_of(run: OrgRun, code: int, **outcome: Any) -> OrgResult:
    return OrgResult(run.key or "", run.entry.org_id if run.entry else None, code, **outcome)


def failed_result(run: OrgRun, error: fleet.OrgError) -> OrgResult:
    """An org's failure, said on stderr in its group (never a traceback), as its result."""
    code = explain(error, err, prefix=f"{run.key}: " if run.key else "")
    return result_of(run, code, error=str(error))


def show_results(results: Sequence[OrgResult], fmt: str, summary: Callable[[OrgResult], Text | None]) -> None:
    """Text: a line per org and one in all (each org's group was shown as it ended); JSON and
    markdown: one document for every org."""
    if fmt == "json":
        print(orgs_json(results))
    elif fmt == "markdown":
        print(orgs_markdown(results, GITHUB_COMMENT_LIMIT - 1))  # one left for print's newline
    else:
        _print_totals(results, summary)
    to_step_summary(lambda limit: orgs_markdown(results, limit))


def _print_totals(results: Sequence[OrgResult], summary: Callable[[OrgResult], Text | None]) -> None:
    out.print()
    width = max((len(r.key) for r in results), default=0)
    for result in results:
        said = summary(result) if result.error is None else None
        if said is None:
            said = Text(f"{_FAILED.get(result.exit_code, 'failed (exit 1)')}", "red")
        out.print(Text.assemble((f"{result.key:<{width}}  ", "bold"), said), soft_wrap=True)
    failed = sum(1 for r in results if r.exit_code not in (EXIT_OK, EXIT_CHANGES))
    changed = sum(1 for r in results if r.error is None and r.has_changes)
    total = Text.assemble(
        ("All orgs: ", "bold"),
        f"{len(results)} {'org' if len(results) == 1 else 'orgs'}, {changed} with changes, ",
        (f"{failed} failed.", "red" if failed else "green"),
    )
    out.print(total, soft_wrap=True)


_FAILED = {
    EXIT_INVALID: "failed: invalid input (exit 3)",
    EXIT_UNSAFE: "refused as unsafe (exit 4)",
    EXIT_STALE: "refused: the saved plan is stale (exit 5)",
}
