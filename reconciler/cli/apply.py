from __future__ import annotations

from pathlib import Path

import click

from reconciler import manager, notify, safety
from reconciler.apply import ApplyReport, StepResult
from reconciler.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    connection_options,
    err,
    format_option,
    handles_user_errors,
    out,
    run,
    threshold_options,
    to_step_summary,
)
from reconciler.cli.output import output_file, write
from reconciler.connection import Connection
from reconciler.jobs import JobPolling
from reconciler.plan import Plan
from reconciler.render.json import report_json
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, report_markdown
from reconciler.render.progress import job_progress, progress
from reconciler.render.text import render_plan, report_line, report_summary

NEEDS_PATHS = (
    "--plan FILE needs the desired-state PATHS the plan was made from: the saved plan is applied only "
    "when a fresh plan of them against the org has exactly its steps"
)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@handles_user_errors
@connection_options
@threshold_options
@format_option("text", "markdown", "json")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Apply the reviewed plan saved here (by `plan --out`), given the PATHS it was made from: only "
    "when a fresh plan of PATHS against the org has exactly its steps; refused (exit 5) otherwise.",
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
    connection: Connection,
    concurrency: int,
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

    Plans afresh from PATHS; with --plan FILE, applies only when that fresh plan is the saved one.
    """
    if not paths:
        raise click.UsageError(NEEDS_PATHS if plan_file else "give the desired-state PATHS")
    text = fmt == "text"
    announcer = notify.announcer(connection) if notify_room else None  # its token checked before any PUT

    def show_plan(the_plan: Plan) -> None:
        if text and the_plan.steps:  # with no steps the report's summary says it all
            render_plan(the_plan, out)
            out.print()

    def show_step(result: StepResult) -> None:
        if text:
            out.print(report_line(result), soft_wrap=True)

    polling = JobPolling(on_status=job_progress(err))
    options = manager.ApplyOptions(thresholds, force, dry_run, show_plan, show_step, polling)
    with progress(err, "Reading locations") as tick:
        if plan_file is not None:
            applying = manager.apply_saved(plan_file, paths, connection, concurrency, options, tick)
        else:
            applying = manager.apply(paths, connection, concurrency, options, on_location=tick)
        report = run(applying)
    show_report(report, fmt)
    if notify_room and announcer is not None:
        markdown = report_markdown(report, limit=notify.MAX_MESSAGE_BYTES)
        warning = run(notify.announce(notify_room, markdown, announcer))
        if warning:
            err.print(warning, style="yellow", soft_wrap=True, markup=False)
    if json_report is not None and not write(
        json_report, report_json(report) + "\n", "the JSON report", "the report is on stdout"
    ):
        return EXIT_ERROR
    return exit_code(report, detailed_exitcode)


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
