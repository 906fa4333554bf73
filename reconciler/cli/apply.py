from __future__ import annotations

from pathlib import Path

import click

from reconciler import manager, safety
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
from reconciler.connection import Connection
from reconciler.jobs import JobPolling
from reconciler.plan import Plan
from reconciler.render.json import report_json
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, report_markdown
from reconciler.render.progress import job_progress, progress
from reconciler.render.text import render_plan, report_line, report_summary


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
    help="Apply exactly this saved plan (from `plan --out`); refused (exit 5) if the org changed since. "
    "With PATHS, also refused if those files differ from the ones planned.",
)
@click.option("--dry-run", is_flag=True, help="Go through every step but send no PUT.")
@click.option("--force", is_flag=True, help="Apply even when the plan exceeds a safety threshold.")
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when changes were applied, 0 when none, 1 on failure."
)
@click.option(
    "--json-report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report of every step as JSON here (for CI).",
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
) -> int:
    """Make the changes: per location the PSTN connection first, then the location details.

    Plans afresh from PATHS, or applies a saved plan with --plan FILE.
    """
    if not paths and plan_file is None:
        raise click.UsageError("give the desired-state PATHS, or --plan FILE")
    text = fmt == "text"

    def show_plan(the_plan: Plan) -> None:
        if text and the_plan.steps:  # with no steps the report's summary says it all
            render_plan(the_plan, out)
            out.print()

    def show_step(result: StepResult) -> None:
        if text:
            out.print(report_line(result), soft_wrap=True)

    polling = JobPolling(on_status=job_progress(err))
    options = manager.ApplyOptions(thresholds, force, dry_run, show_plan, show_step, polling)
    if plan_file is not None:
        report = run(manager.apply_saved(plan_file, paths, connection, concurrency, options))
    else:
        with progress(err, "Reading locations") as tick:
            report = run(manager.apply(paths, connection, concurrency, options, on_location=tick))
    if json_report is not None:
        json_report.write_text(report_json(report) + "\n", encoding="utf-8")
    show_report(report, fmt)
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
