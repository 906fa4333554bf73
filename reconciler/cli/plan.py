from __future__ import annotations

from pathlib import Path

import click

from reconciler import manager, planfile, safety
from reconciler.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    Connector,
    connection_options,
    err,
    format_option,
    handles_user_errors,
    out,
    run,
    threshold_options,
    to_step_summary,
)
from reconciler.cli.orgs import (
    OrgChoice,
    OrgRun,
    Runs,
    Tick,
    choose,
    each_org,
    load_all,
    location_options,
    most_severe,
    org_options,
    result_of,
    show_results,
)
from reconciler.cli.output import output_file, write
from reconciler.connection import Connection
from reconciler.plan import Plan
from reconciler.render.json import plan_json
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, plan_markdown
from reconciler.render.orgs import OrgResult
from reconciler.render.progress import progress
from reconciler.render.text import plan_summary, render_plan, render_warnings
from reconciler.selection import Selection


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@handles_user_errors
@connection_options
@org_options
@location_options
@threshold_options
@format_option("text", "markdown", "json")
@output_file("--out", "out_file", help="Also save the plan here, for `apply --plan FILE`")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
def plan(
    paths: tuple[Path, ...],
    connector: Connector,
    concurrency: int,
    orgs: OrgChoice,
    selection: Selection,
    thresholds: safety.Thresholds,
    fmt: str,
    out_file: Path | None,
    detailed_exitcode: bool,
) -> int:
    """Read the org and show the changes that apply would make. Changes nothing in the org.

    PATHS are one org's desired-state files; without them, the orgs of the project file
    (./wxc-reconcile.yaml or --project), all of them or those --org names, side by side.
    """
    runs = choose(paths, orgs, selection)
    if runs.many:
        return _plan_orgs(
            runs, connector, concurrency, orgs.in_flight, thresholds, fmt, out_file, detailed_exitcode
        )
    connection = connector.single()
    loaded = load_all(runs)[0].value
    assert loaded is not None  # load_all raises the one org's error
    with progress(err, "Reading locations") as tick:
        planned = run(manager.plan(loaded, connection, concurrency, on_location=tick))
    warnings = safety_warnings(planned.plan, thresholds)
    if fmt == "json":
        print(plan_json(planned.plan, warnings))
    elif fmt == "markdown":
        # one character left for print's newline: a comment posted from stdout stays within GitHub's limit
        print(plan_markdown(planned.plan, warnings=warnings, limit=GITHUB_COMMENT_LIMIT - 1))
    else:
        render_plan(planned.plan, out)
        render_warnings(warnings, out)
    to_step_summary(lambda limit: plan_markdown(planned.plan, warnings=warnings, limit=limit))
    if out_file is not None:
        saved = planfile.to_json(planned.saved(connection))
        if not write(out_file, saved, "the plan", "it is shown above, not saved"):
            return EXIT_ERROR
    return EXIT_CHANGES if detailed_exitcode and planned.plan.steps else EXIT_OK


def safety_warnings(the_plan: Plan, thresholds: safety.Thresholds) -> list[str]:
    verdict = safety.check(the_plan, thresholds)
    return [f"apply will refuse this plan without --force: {verdict}"] if verdict else []


def _plan_orgs(
    runs: Runs,
    connector: Connector,
    concurrency: int,
    in_flight: int,
    thresholds: safety.Thresholds,
    fmt: str,
    out_file: Path | None,
    detailed: bool,
) -> int:
    """Every org's plan, side by side; each shown in its group as it ends, then a line per org."""
    saved: dict[str, planfile.SavedPlan] = {}

    async def work(org: OrgRun, loaded: manager.Loaded, tick: Tick) -> tuple[manager.Planned, Connection]:
        connection = org.connection(connector)
        return await manager.plan(loaded, connection, concurrency, on_location=tick), connection

    def shown(org: OrgRun, value: tuple[manager.Planned, Connection]) -> OrgResult:
        planned, connection = value
        warnings = safety_warnings(planned.plan, thresholds)
        if fmt == "text":
            render_plan(planned.plan, out)
            render_warnings(warnings, out)
            out.print()
        saved[org.key or ""] = planned.saved(connection)
        code = EXIT_CHANGES if detailed and planned.plan.steps else EXIT_OK
        return result_of(org, code, plan=planned.plan, warnings=tuple(warnings))

    results = each_org(runs, work, in_flight, fmt, shown)
    show_results(results, fmt, lambda r: plan_summary(r.plan) if r.plan else None)
    code = most_severe([r.exit_code for r in results])
    if out_file is not None:
        kept = [saved[key] for key in runs.keys if key in saved]
        if not write(out_file, planfile.to_json_orgs(kept), "the plan", "it is shown above, not saved"):
            return most_severe([code, EXIT_ERROR])
        if len(kept) < len(runs.runs):
            err.print(
                f"warning: {out_file} holds the plans of {len(kept)} of {len(runs.runs)} orgs; others failed"
            )
    return code
