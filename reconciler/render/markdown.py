"""Plans and apply reports as GitHub-flavoured markdown: one sticky PR comment, one job summary.

GitHub refuses a comment longer than 65,536 characters, and the plan for a few thousand locations is
far longer. So the text is assembled from whole blocks under a character budget, in order of
importance: marker, summary and warnings; the disruptive changes; then whole location sections until
the budget is spent; then a note saying how much was left out. A block is never cut, so every table,
code fence and <details> that is shown is also closed. Blocks are rendered lazily and each at most
once, so the cost grows with the plan, never with the plan times the number of blocks shown.

User strings (location names, values, API messages) never reach the output as markdown or HTML:
values go into code spans, prose is backslash-escaped, and text inside HTML tags is entity-escaped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from reconciler.apply import ApplyReport, StepResult
from reconciler.diff import FieldChange
from reconciler.plan import Plan, Step
from reconciler.render.text import show_value
from reconciler.resources import resource_of
from reconciler.resources.base import Outcome

COMMENT_MARKER = "<!-- wxc-reconcile:plan -->"
GITHUB_COMMENT_LIMIT = 65_536
# With more changed locations than this, each location's table is folded so the comment stays scannable.
FOLD_AFTER = 10
# A failed routing-prefix job can report an error per number; the first few tell the story.
MAX_JOB_ERRORS = 10

_BACKTICKS = re.compile(r"`+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Characters that could start emphasis, code, links, HTML, entities, headings or strikethrough, or end
# a table cell. Backslash-escaping any ASCII punctuation is valid CommonMark, so over-escaping is safe.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")
_OUTCOME_MARKS: dict[Outcome, str] = {
    "applied": "✅ applied",
    "failed": "❌ failed",
    "skipped": "⏭️ skipped",
    "dry-run": "📝 would be sent",
}
# When a report must be cut, failures and skips are kept first: they are what someone has to act on.
_KEEP_FIRST: tuple[Outcome, ...] = ("failed", "skipped", "applied", "dry-run")


# --- escaping ------------------------------------------------------------------------------------------


def _code(text: str) -> str:
    """`text` as an inline code span, whatever backticks it holds (not for table cells: see `_cell_code`)."""
    # Line breaks inside a code span render as spaces anyway; in a table they would end the row.
    text = _LINE_BREAK.sub(" ", text) or " "  # `` would not be a code span at all
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each end when both are present, so padding round-trips.
    pad = " " if text.strip(" ") and (text[0] in "` " or text[-1] in "` ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell_code(text: str) -> str:
    """A code span for a table cell: GFM splits cells at `|` even inside code, unless it is escaped."""
    return _code(text).replace("|", "\\|")


def _escape_text(text: str) -> str:
    """Plain text shown as written in markdown (also in a table cell); line breaks become <br>."""
    return "<br>".join(_MARKDOWN_SPECIAL.sub(r"\\\1", line) for line in _LINE_BREAK.split(text))


def _escape_html(text: str) -> str:
    """Text inside an HTML tag such as <summary>: markdown is not read there, and a blank line would
    end the HTML block early, so whitespace is collapsed too."""
    return html.escape(" ".join(text.split()), quote=False)


def _fenced_json(body: Mapping[str, Any]) -> str:
    text = json.dumps(dict(body), indent=2, ensure_ascii=False, default=str)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}json\n{text}\n{fence}"


def _count(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


# --- fitting blocks under a budget -------------------------------------------------------------------


def _fit_blocks(blocks: Iterable[str], total: int, budget: int, note: Callable[[int], str]) -> str:
    """Whole blocks from the front that fit in `budget` characters.

    When some are left out, `note(left_out)` is appended and the result, note included, still fits.
    `total` is the number of blocks; rendering stops at the first block that does not fit, so a huge
    plan costs only what is shown.
    """
    taken: list[str] = []
    used = 0
    for block in blocks:
        if used + len(block) > budget:
            break
        taken.append(block)
        used += len(block)
    else:
        return "".join(taken)
    # The note for `total` is at least as long as the note for any smaller count (it has more digits).
    reserve = len(note(total))
    while taken and used + reserve > budget:
        used -= len(taken.pop())
    return "".join(taken) + note(total - len(taken))


# --- the plan --------------------------------------------------------------------------------------------


def plan_markdown(
    plan: Plan, *, warnings: Sequence[str] = (), limit: int = GITHUB_COMMENT_LIMIT, titled: bool = True
) -> str:
    """The plan as a PR comment of at most `limit` characters, whatever the plan's size.

    The first line is COMMENT_MARKER, so a workflow can find the comment and update it in place; with
    `titled` False neither it nor the title is there (one org's section of a project's comment).
    `warnings` are plain text (escaped), shown as a warning alert under the summary.
    Raises ValueError only when `limit` cannot hold even the summary, the warnings and the notes.
    """
    head = _plan_head(plan, warnings, titled)
    if not plan.steps:
        return _checked(head, limit)
    by_location = _group_by_location(plan.steps)
    folded = len(by_location) > FOLD_AFTER
    locations_header = "\n\n### Changes by location"
    # Room for the locations' note is always kept: when the disruptive list alone comes near the limit,
    # the location sections (which repeat every disruptive change) could not fit anyway.
    reserve = len(locations_header) + len(_locations_note(len(by_location)))
    disruptive = _disruptive_section(plan.steps, limit - len(head) - reserve)
    budget = limit - len(head) - len(disruptive) - len(locations_header)
    sections = (_location_section(name, steps, folded) for name, steps in by_location.items())
    shown = _fit_blocks(sections, len(by_location), budget, _locations_note)
    return _checked(head + disruptive + locations_header + shown, limit)


def _checked(text: str, limit: int) -> str:
    if len(text) > limit:
        raise ValueError(f"limit {limit} is too small for the plan's summary and warnings ({len(text)})")
    return text


def _plan_head(plan: Plan, warnings: Sequence[str], titled: bool) -> str:
    head = f"{COMMENT_MARKER}\n## wxc-reconcile plan\n\n" if titled else ""
    head += _plan_summary(plan)
    if warnings:
        # One paragraph per warning inside a single alert; a warning's own line breaks become <br>.
        head += "\n\n> [!WARNING]\n" + "\n>\n".join(f"> {_escape_text(w)}" for w in warnings)
    return head


def _plan_summary(plan: Plan) -> str:
    changed = len(plan.changed_locations)
    managed = changed + len(plan.unchanged)
    if not plan.steps:
        return f"**No changes.** The org matches the desired state ({_count(managed, 'managed location')})."
    disruptive = sum(1 for step in plan.steps for change in step.changes if change.disruptive)
    warning = f", ⚠️ {disruptive} disruptive" if disruptive else ""
    return (
        f"**Plan:** {changed} of {_count(managed, 'managed location')} to change: "
        f"{_count(len(plan.steps), 'step')}, {_count(plan.field_count, 'field')}{warning}."
    )


def _group_by_location(steps: Iterable[Step]) -> dict[str, list[Step]]:
    groups: dict[str, list[Step]] = {}
    for step in steps:
        groups.setdefault(step.location, []).append(step)
    return groups


def _locations_note(left_out: int) -> str:
    return (
        f"\n\n_… {left_out} more {'location' if left_out == 1 else 'locations'} not shown "
        "(plan too large for a comment); run `wxc-reconcile plan` or download the plan artifact "
        "for the full plan._"
    )


def _disruptive_section(steps: Sequence[Step], budget: int) -> str:
    changes = [(step.location, change) for step in steps for change in step.changes if change.disruptive]
    if not changes:
        return ""
    header = (
        "\n\n### ⚠️ Disruptive changes\n\n"
        "Each of these interrupts calls or starts organization-wide work, as it says. Review these first.\n"
    )
    items = (
        f"\n- **{_escape_text(location)}**: {_change_text(change)} ({_escape_text(change.disruption or '')})"
        for location, change in changes
    )
    shown = _fit_blocks(items, len(changes), budget - len(header), _disruptive_note)
    return header + shown


def _disruptive_note(left_out: int) -> str:
    return f"\n\n_… {left_out} more disruptive {'change' if left_out == 1 else 'changes'} not shown._"


def _change_text(change: FieldChange) -> str:
    return f"{_code(change.field)} {_code(show_value(change.before))} → {_code(show_value(change.after))}"


def _location_section(name: str, steps: Sequence[Step], folded: bool) -> str:
    body = f"{_change_table(steps)}\n\n{_requests(steps)}"
    if not folded:
        return f"\n\n#### {_escape_text(name)}\n\n{body}"
    fields = sum(len(step.changes) for step in steps)
    mark = " ⚠️" if any(step.disruptive for step in steps) else ""
    summary = f"<b>{_escape_html(name)}</b>: {_count(fields, 'field')}{mark}"
    return f"\n\n<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _change_table(steps: Sequence[Step]) -> str:
    rows = ["| Field | Before | After |", "|---|---|---|"]
    for step in steps:
        for change in step.changes:
            mark = "⚠️ " if change.disruptive else ""
            rows.append(
                f"| {mark}{_cell_code(change.field)} | {_cell_code(show_value(change.before))} "
                f"| {_cell_code(show_value(change.after))} |"
            )
    return "\n".join(rows)


def _requests(steps: Sequence[Step]) -> str:
    parts = [f"<details><summary>{_count(len(steps), 'request')}</summary>"]
    for step in steps:
        resource = resource_of(step.kind)
        title = resource.title
        note = f" ({_escape_text(resource.note)})" if resource.note else ""
        parts.append(f"{title[:1].upper()}{title[1:]}: {_code(f'{step.method} {step.path}')}{note}")
        parts.append(_fenced_json(step.body))
    parts.append("</details>")
    return "\n\n".join(parts)


# --- the apply report ------------------------------------------------------------------------------------


def report_markdown(report: ApplyReport, *, limit: int = GITHUB_COMMENT_LIMIT, titled: bool = True) -> str:
    """The apply report for a job summary: a summary line and a row per step, at most `limit` characters.

    When the rows do not all fit, failed and skipped steps are kept before applied ones. With `titled`
    False there is no title (one org's section of a project's report).
    """
    title = "wxc-reconcile apply (dry run)" if report.dry_run else "wxc-reconcile apply"
    head = (f"## {title}\n\n" if titled else "") + _report_summary(report)
    if not report.results:
        return _checked(head, limit)
    table_head = "\n\n| Location | Step | Outcome | Details |\n|---|---|---|---|"
    rows = [_report_row(result) for result in report.results]
    budget = limit - len(head) - len(table_head)
    if sum(len(row) for row in rows) <= budget:
        return _checked(head + table_head + "".join(rows), limit)
    kept = _keep_rows(report.results, rows, budget - len(_report_note(report.results)))
    left_out = [result for index, result in enumerate(report.results) if index not in kept]
    shown = "".join(row for index, row in enumerate(rows) if index in kept)
    return _checked(head + table_head + shown + _report_note(left_out), limit)


def _report_summary(report: ApplyReport) -> str:
    if report.dry_run:
        return f"**Dry run:** {_count(len(report.results), 'step')} would be sent; nothing was changed."
    if not report.results:
        return "**Nothing to apply.** The org matches the desired state."
    counts = ", ".join(f"{report.count(o)} {o}" for o in ("applied", "failed", "skipped"))
    mark = "❌" if report.failed else "✅"
    return f"{mark} **Apply:** {counts}."


def _report_row(result: StepResult) -> str:
    step = result.step
    cells = (
        _escape_text(step.location),
        resource_of(step.kind).title,
        _OUTCOME_MARKS[result.outcome],
        "<br>".join(_report_details(result)),
    )
    return "\n| " + " | ".join(cells) + " |"


def _report_details(result: StepResult) -> Iterator[str]:
    error = result.error
    if error is not None:
        yield f"**{error.head}**: {_escape_text(error.message)}"
        if error.error_codes:
            yield "errorCode " + ", ".join(_cell_code(str(c)) for c in error.error_codes)
        if error.tracking_id:
            yield f"trackingId {_cell_code(error.tracking_id)}"
    if result.reason:
        yield _escape_text(result.reason)
    if result.batch_job_id:
        job = result.job
        ended = f": {_escape_text(job.status)}" if job else ""
        exit_code = f", exit code {_cell_code(job.exit_code)}" if job and job.exit_code else ""
        yield f"routing-prefix job {_cell_code(result.batch_job_id)}{ended}{exit_code}"
    if result.job and result.job.errors:
        errors = result.job.errors
        yield from (f"⚠️ {_escape_text(e)}" for e in errors[:MAX_JOB_ERRORS])
        if len(errors) > MAX_JOB_ERRORS:
            yield f"… {len(errors) - MAX_JOB_ERRORS} more job errors"


def _keep_rows(results: Sequence[StepResult], rows: Sequence[str], budget: int) -> set[int]:
    """Indexes of the rows to show: the most important outcomes first, each in plan order."""
    kept: set[int] = set()
    used = 0
    for outcome in _KEEP_FIRST:
        for index, result in enumerate(results):
            if result.outcome == outcome and used + len(rows[index]) <= budget:
                kept.add(index)
                used += len(rows[index])
    return kept


def _report_note(left_out: Sequence[StepResult]) -> str:
    counts = {o: sum(1 for r in left_out if r.outcome == o) for o in _KEEP_FIRST}
    which = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
    return (
        f"\n\n_… {_count(len(left_out), 'more step')} not shown ({which}; report too large for a "
        "job summary); the text or JSON output of `wxc-reconcile apply` lists every step._"
    )
