from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import click

from reconciler import manager, notify, planfile, safety
from reconciler.apply import ApplyReport, StepResult
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
    NO_PATHS,
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
from reconciler.jobs import JobPolling
from reconciler.plan import Plan
from reconciler.render.json import report_json
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, report_markdown
from reconciler.render.orgs import OrgResult, orgs_json, orgs_markdown
from reconciler.render.progress import job_progress, progress
from reconciler.render.text import render_plan, report_line, report_summary
from reconciler.selection import Selection

NEEDS_PATHS = (
    "--plan FILE needs the desired-state PATHS the plan was made from (or the project it was made in): "
    "the saved plan is applied only when a fresh plan of them against the org has exactly its steps"
)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@handles_user_errors
@connection_options
@org_options
@location_options
@threshold_options
@format_option("text", "markdown", "json")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Apply the reviewed plan saved here (by `plan --out`), given the PATHS it was made from (or in "
    "its project): only when a fresh plan against the org has exactly its steps; refused (exit 5) otherwise.",
)
@click.option("--dry-run", is_flag=True, help="Go through every step but send no PUT.")
@click.option("--force", is_flag=True, help="Apply even when the plan exceeds a safety threshold.")
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when changes were applied, 0 when none, 1 on failure."
)
@output_file("--json-report", help="Also write the report of every step as JSON here (for CI)")
@click.option(
    "--notify-room",
    envvar="WEBEX_NOTIFY_ROOM",
    metavar="ROOM_ID",
    help="Also post the report to this Webex space, as the bot whose token is in $WEBEX_NOTIFY_TOKEN; "
    "a failure to post is a warning [env WEBEX_NOTIFY_ROOM].",
)
def apply(
    paths: tuple[Path, ...],
    connector: Connector,
    concurrency: int,
    orgs: OrgChoice,
    selection: Selection,
    thresholds: safety.Thresholds,
    fmt: str,
    plan_file: Path | None,
    dry_run: bool,
    force: bool,
    detailed_exitcode: bool,
    json_report: Path | None,
    notify_room: str | None,
) -> int:
    """Make the changes: per location the PSTN connection first, then the location details.

    Plans afresh from PATHS (or the project's orgs); with --plan FILE, applies only when that fresh
    plan is the saved one.
    """
    runs = choose(paths, orgs, selection, NEEDS_PATHS if plan_file else NO_PATHS)
    polling = JobPolling(on_status=job_progress(err))
    if runs.many:
        limits = connector.limits  # the bot's token is checked before any PUT
        herald = (
            notify.announcer_at(connector.resolved_base_url, connector.sandbox, limits.timeout)
            if notify_room
            else None
        )
        options = manager.ApplyOptions(thresholds, force, dry_run, polling=polling)
        connections: list[Connection] = []  # each org's, for the secrets the announcement must not carry
        results = _apply_orgs(
            runs,
            connector,
            concurrency,
            orgs.in_flight,
            options,
            fmt,
            plan_file,
            detailed_exitcode,
            connections,
        )
        code = most_severe([r.exit_code for r in results])
        if notify_room and herald is not None:
            secrets = [secret for connection in connections for secret in connection.credentials.secrets]
            _announce(notify_room, orgs_markdown(results, notify.MAX_MESSAGE_BYTES), herald, secrets)
        if json_report is not None and not write(
            json_report, orgs_json(results) + "\n", "the JSON report", "the report is on stdout"
        ):
            return most_severe([code, EXIT_ERROR])
        return code
    text = fmt == "text"

    def show_plan(the_plan: Plan) -> None:
        if text and the_plan.steps:  # with no steps the report's summary says it all
            render_plan(the_plan, out)
            out.print()

    def show_step(result: StepResult) -> None:
        if text:
            out.print(report_line(result), soft_wrap=True)

    connection = connector.single()
    announcer = notify.announcer(connection) if notify_room else None  # its token checked before any PUT
    loaded = load_all(runs)[0].value
    assert loaded is not None  # load_all raises the one org's error
    options = manager.ApplyOptions(thresholds, force, dry_run, show_plan, show_step, polling)
    with progress(err, "Reading locations") as tick:
        if plan_file is not None:
            saved = planfile.read(plan_file)
            applying = manager.apply_saved(
                saved, str(plan_file), loaded, connection, concurrency, options, tick
            )
        else:
            applying = manager.apply(loaded, connection, concurrency, options, on_location=tick)
        report = run(applying)
    show_report(report, fmt)
    if notify_room and announcer is not None:
        markdown = report_markdown(report, limit=notify.MAX_MESSAGE_BYTES)
        _announce(notify_room, markdown, announcer, connection.credentials.secrets)
    if json_report is not None and not write(
        json_report, report_json(report) + "\n", "the JSON report", "the report is on stdout"
    ):
        return EXIT_ERROR
    return exit_code(report, detailed_exitcode)


def _announce(room: str, markdown: str, announcer: notify.Announcer, secrets: Iterable[str]) -> None:
    """Post the report; `secrets` are what the run's tokens became (renewed ones too): never posted."""
    hidden = replace(announcer, hidden=(*announcer.hidden, *secrets))
    warning = run(notify.announce(room, markdown, hidden))
    if warning:
        err.print(warning, style="yellow", soft_wrap=True, markup=False)


def show_report(report: ApplyReport, fmt: str) -> None:
    if fmt == "json":
        print(report_json(report))
    elif fmt == "markdown":
        print(report_markdown(report, limit=GITHUB_COMMENT_LIMIT - 1))
    else:
        out.print(report_summary(report), soft_wrap=True)
    to_step_summary(lambda limit: report_markdown(report, limit=limit))


def exit_code(report: ApplyReport, detailed: bool) -> int:
    if report.failed:
        return EXIT_ERROR
    return EXIT_CHANGES if detailed and report.count("applied") else EXIT_OK


def _apply_orgs(
    runs: Runs,
    connector: Connector,
    concurrency: int,
    in_flight: int,
    options: manager.ApplyOptions,
    fmt: str,
    plan_file: Path | None,
    detailed: bool,
    connections: list[Connection],
) -> list[OrgResult]:
    """Every org's apply, side by side; each org's report shown in its group as it ends."""
    parts = _saved_parts(plan_file, runs) if plan_file is not None else {}

    async def work(org: OrgRun, loaded: manager.Loaded, tick: Tick) -> ApplyReport:
        connection = org.connection(connector)
        connections.append(connection)
        if plan_file is None:
            return await manager.apply(loaded, connection, concurrency, options, on_location=tick)
        saved = parts[org.key or ""]
        source = str(plan_file)
        return await manager.apply_saved(saved, source, loaded, connection, concurrency, options, tick)

    def shown(org: OrgRun, report: ApplyReport) -> OrgResult:
        if fmt == "text":
            for result in report.results:
                out.print(report_line(result), soft_wrap=True)
            out.print(report_summary(report), soft_wrap=True)
            out.print()
        return result_of(org, exit_code(report, detailed), report=report)

    results = each_org(runs, work, in_flight, fmt, shown)
    show_results(results, fmt, lambda r: report_summary(r.report) if r.report else None)
    return results


def _saved_parts(plan_file: Path, runs: Runs) -> dict[str, planfile.SavedPlan]:
    """Each org's part of a project's saved plan; refused unless it is for exactly these orgs."""
    parts = {part.org or "": part for part in planfile.read_orgs(plan_file)}
    if sorted(parts) != sorted(runs.keys):
        made, now = ", ".join(parts), ", ".join(runs.keys)
        raise planfile.StalePlan(
            [f"{plan_file} was made for the orgs {made}, not {now}: apply it for the same orgs"]
        )
    return parts
