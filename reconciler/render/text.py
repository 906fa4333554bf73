"""Plans and apply reports for people on a terminal: grouped by location, `before → after` per field.

Colour only on a terminal, and never when NO_COLOR is set (rich honours both). User strings go in as
Text, never as markup, so a name with brackets prints as written.
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from rich.console import Console
from rich.text import Text

from reconciler.apply import ApplyReport, StepResult
from reconciler.plan import Plan, Step
from reconciler.resources import resource_of


def show_value(value: Any) -> str:
    """A value as the user would write it in the file: quoted strings, null, true/false."""
    return json.dumps(value, ensure_ascii=False)


def render_plan(plan: Plan, console: Console) -> None:
    for location, steps in groupby(plan.steps, key=lambda s: s.location):
        console.print(Text.assemble(("~ ", "yellow"), (location, "bold")), soft_wrap=True)
        for step in steps:
            _render_step(step, console)
        console.print()
    console.print(plan_summary(plan), soft_wrap=True)


def _render_step(step: Step, console: Console) -> None:
    title = Text.assemble("    ", (resource_of(step.kind).title, "cyan"))
    reasons = dict.fromkeys(f"disruptive: {c.disruption}" for c in step.changes if c.disruption)
    for reason in reasons:
        title.append(f"  ({reason})", "bold yellow")
    title.append(f"  {step.method} {step.path}", "dim")
    console.print(title, soft_wrap=True)
    note = resource_of(step.kind).note
    if note:
        console.print(Text(f"      ({note})", "dim"), soft_wrap=True)
    width = max(len(c.field) for c in step.changes)
    for change in step.changes:
        line = Text.assemble(
            "      ",
            change.field.ljust(width),
            "  ",
            (show_value(change.before), "red"),
            " → ",
            (show_value(change.after), "green"),
        )
        console.print(line, soft_wrap=True)


def render_warnings(warnings: list[str], console: Console) -> None:
    for warning in warnings:
        console.print(Text.assemble(("Warning: ", "bold yellow"), (warning, "yellow")), soft_wrap=True)


def plan_summary(plan: Plan) -> Text:
    managed = len(plan.changed_locations) + len(plan.unchanged)
    if not plan.steps:
        return Text(f"No changes. The org matches the desired state ({managed} locations).", "green")
    summary = Text.assemble(
        ("Plan: ", "bold"),
        f"{len(plan.changed_locations)} of {managed} locations to change, ",
        f"{len(plan.steps)} steps, {plan.field_count} fields.",
    )
    disruptive = sum(1 for step in plan.steps for change in step.changes if change.disruptive)
    if disruptive:
        summary.append(f" {disruptive} disruptive.", "bold yellow")
    return summary


_MARKS = {
    "applied": ("✓", "green"),
    "failed": ("✗", "red"),
    "skipped": ("-", "yellow"),
    "dry-run": ("~", "cyan"),
}


def report_line(result: StepResult) -> Text:
    mark, style = _MARKS[result.outcome]
    step = result.step
    line = Text.assemble(
        (mark, style), " ", (step.location, "bold"), "  ", resource_of(step.kind).title, "  "
    )
    line.append("would be sent" if result.outcome == "dry-run" else result.outcome, style)
    if result.error is not None:
        line.append(f": {result.error}")
    if result.reason:
        line.append(f": {result.reason}")
    if result.batch_job_id:
        status = f", {result.job.status}" if result.job else ""
        line.append(f" (routing-prefix job {result.batch_job_id}{status})", "dim")
    if result.job and result.job.errors:
        for error in result.job.errors:
            line.append(f"\n      {error}", "red")
    return line


def report_summary(report: ApplyReport) -> Text:
    if report.dry_run:
        return Text(f"Dry run: {len(report.results)} steps would be sent; nothing was changed.", "cyan")
    if not report.results:
        return Text("Nothing to apply. The org matches the desired state.", "green")
    counts = ", ".join(f"{report.count(o)} {o}" for o in ("applied", "failed", "skipped"))
    return Text.assemble(("Apply: ", "bold"), (counts + ".", "red" if report.failed else "green"))
