from __future__ import annotations

from pathlib import Path

import click

from reconciler import manager, planfile, safety
from reconciler.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    connection_options,
    err,
    format_option,
    handles_user_errors,
    out,
    paths_argument,
    run,
    threshold_options,
    to_step_summary,
)
from reconciler.cli.output import output_file, write
from reconciler.connection import Connection
from reconciler.plan import Plan
from reconciler.render.json import plan_json
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, plan_markdown
from reconciler.render.progress import progress
from reconciler.render.text import render_plan, render_warnings


@click.command()
@paths_argument
@handles_user_errors
@connection_options
@threshold_options
@format_option("text", "markdown", "json")
@output_file("--out", "out_file", help="Also save the plan here, for `apply --plan FILE PATHS`")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
def plan(
    paths: tuple[Path, ...],
    connection: Connection,
    concurrency: int,
    thresholds: safety.Thresholds,
    fmt: str,
    out_file: Path | None,
    detailed_exitcode: bool,
) -> int:
    """Read the org and show the changes that apply would make. Changes nothing in the org."""
    with progress(err, "Reading locations") as tick:
        planned = run(manager.plan(paths, connection, concurrency, on_location=tick))
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
