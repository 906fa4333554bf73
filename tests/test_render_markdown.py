import json
import re

import pytest
from markdown_it import MarkdownIt

from reconciler.apply import ApplyReport, StepResult
from reconciler.diff import FieldChange
from reconciler.jobs import JobOutcome
from reconciler.plan import Plan, Step
from reconciler.render.markdown import (
    COMMENT_MARKER,
    GITHUB_COMMENT_LIMIT,
    plan_markdown,
    report_markdown,
)
from reconciler.render.text import show_value
from reconciler.webex.errors import WebexError

TRICKY = 'a|b\nc `d` ``e`` \\| "f"'

PSTN = Step(
    "Denver",
    "L1",
    "pstn",
    "PUT",
    "/telephony/pstn/locations/L1/connection",
    {"premiseRouteType": "TRUNK", "premiseRouteId": "T1"},
    (
        FieldChange("pstn.type", "NON_INTEGRATED_CCP", "LOCAL_GATEWAY"),
        FieldChange("pstn.trunk", None, "Denver-LGW"),
    ),
)
DETAILS = Step(
    "Denver",
    "L1",
    "details",
    "PUT",
    "/telephony/config/locations/L1",
    {"routingPrefix": "212", "externalCallerIdName": TRICKY},
    (FieldChange("routingPrefix", "100", "212"), FieldChange("externalCallerIdName", "Old", TRICKY)),
)
PARIS = Step(
    "Paris",
    "L2",
    "details",
    "PUT",
    "/telephony/config/locations/L2",
    {"announcementLanguage": "fr_fr"},
    (FieldChange("announcementLanguage", "en_us", "fr_fr"),),
)
PLAN = Plan((PSTN, DETAILS, PARIS), unchanged=("Berlin",))

md = MarkdownIt("commonmark").enable("table")
NOT_SHOWN = re.compile(r"… (\d+) more locations? not shown \(plan too large for a comment\)")


def big_plan(locations: int, fields: int, disruptive_every: int = 0) -> Plan:
    steps: list[Step] = []
    for i in range(locations):
        changes = [
            FieldChange(f"field{f}", f"old value {i}-{f}", f"new value {i}-{f}") for f in range(fields)
        ]
        if disruptive_every and i % disruptive_every == 0:
            changes[0] = FieldChange("routingPrefix", f"{i:04d}", f"9{i:04d}")
        body = {c.field: c.after for c in changes}
        steps.append(Step(f"Site {i:05d}", f"L{i}", "details", "PUT", f"/loc/L{i}", body, tuple(changes)))
    return Plan(tuple(steps), unchanged=("Untouched",))


def assert_well_formed(text: str) -> None:
    """Every <details> closed after it opened, and every code fence closed."""
    depth = 0
    for tag in re.findall(r"</?details>", text):
        depth += 1 if tag == "<details>" else -1
        assert depth >= 0, "a </details> before its <details>"
    assert depth == 0
    assert text.count("<details>") == text.count("</details>")
    fences = [line for line in text.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0


def table_rows(text: str) -> list[list[str]]:
    """Every body row of every table, as the HTML text of its cells (what GitHub would show)."""
    html = md.render(text)
    rows = re.findall(r"<tr>\n(.*?)</tr>", html, flags=re.S)
    return [re.findall(r"<td>(.*?)</td>", row, flags=re.S) for row in rows if "<td>" in row]


def test_marker_is_the_first_line() -> None:
    assert plan_markdown(PLAN).splitlines()[0] == COMMENT_MARKER
    assert plan_markdown(Plan(())).splitlines()[0] == COMMENT_MARKER


def test_summary_line_counts_locations_steps_and_fields() -> None:
    text = plan_markdown(PLAN)
    assert "**Plan:** 2 of 3 managed locations to change: 3 steps, 5 fields, ⚠️ 3 disruptive." in text


def test_disruptive_changes_come_first_and_only_disruptive_ones() -> None:
    text = plan_markdown(PLAN)
    start = text.index("### ⚠️ Disruptive changes")
    end = text.index("### Changes by location")
    assert start < end < text.index("| Field | Before | After |")
    section = text[start:end]
    assert '- **Denver**: `routingPrefix` `"100"` → `"212"`' in section
    assert '- **Denver**: `pstn.type` `"NON_INTEGRATED_CCP"` → `"LOCAL_GATEWAY"`' in section
    assert '- **Denver**: `pstn.trunk` `null` → `"Denver-LGW"`' in section
    assert "externalCallerIdName" not in section
    assert "announcementLanguage" not in section


def test_no_disruptive_section_without_disruptive_changes() -> None:
    text = plan_markdown(Plan((PARIS,)))
    assert "Disruptive" not in text
    assert "⚠️" not in text


def test_a_value_with_pipes_newlines_and_backticks_stays_in_its_cell() -> None:
    text = plan_markdown(PLAN)
    rows = table_rows(text)
    assert all(len(row) == 3 for row in rows)
    row = next(r for r in rows if "externalCallerIdName" in r[0])
    # The cell shows exactly the value as the file would write it (markdown-it escapes & and ").
    shown = re.fullmatch(r"<code>(.*)</code>", row[2], flags=re.S)
    assert shown is not None
    assert shown.group(1).replace("&quot;", '"') == show_value(TRICKY)


def test_disruptive_rows_are_marked_in_the_table() -> None:
    rows = {row[0]: row for row in table_rows(plan_markdown(PLAN))}
    assert "⚠️ <code>routingPrefix</code>" in rows
    assert "⚠️ <code>pstn.type</code>" in rows
    assert "<code>announcementLanguage</code>" in rows


def test_requests_are_folded_with_method_path_and_json_body() -> None:
    text = plan_markdown(PLAN)
    assert "<details><summary>2 requests</summary>" in text
    assert "Location details: `PUT /telephony/config/locations/L1`" in text
    bodies = re.findall(r"^```json\n(.*?)\n```$", text, flags=re.S | re.M)
    assert [json.loads(b) for b in bodies] == [dict(s.body) for s in PLAN.steps]
    assert_well_formed(text)


def test_few_locations_get_headings_and_many_are_folded() -> None:
    few = plan_markdown(big_plan(10, 2))
    assert few.count("\n#### Site ") == 10
    assert "<summary><b>" not in few
    many = plan_markdown(big_plan(11, 2))
    assert "\n#### " not in many
    assert many.count("<details><summary><b>Site ") == 11
    assert_well_formed(many)


def test_names_cannot_inject_markdown_or_html() -> None:
    evil = Step(
        "<details>*Lab*|x", "L9", "details", "PUT", "/p", {}, (FieldChange("chargeNumber", "1", "2"),)
    )
    for plan in (Plan((evil,)), Plan((evil, *big_plan(11, 1).steps))):
        text = plan_markdown(plan)
        assert_well_formed(text)
        assert "<details>*Lab*" not in text
        assert "<em>" not in md.render(text)


def test_a_small_plan_is_not_truncated() -> None:
    text = plan_markdown(PLAN)
    assert "not shown" not in text
    assert "#### Denver" in text and "#### Paris" in text


def test_no_changes() -> None:
    text = plan_markdown(Plan((), unchanged=("Denver", "Paris")))
    assert text.splitlines()[0] == COMMENT_MARKER
    assert "**No changes.** The org matches the desired state (2 managed locations)." in text
    assert "|" not in text and "<details>" not in text


def test_warnings_are_a_warning_alert_under_the_summary() -> None:
    text = plan_markdown(PLAN, warnings=["apply will refuse this plan without --force: *3* of 4"])
    lines = text.splitlines()
    alert = lines.index("> [!WARNING]")
    assert lines[alert + 1] == "> apply will refuse this plan without --force: \\*3\\* of 4"
    assert text.index("**Plan:**") < text.index("> [!WARNING]") < text.index("Disruptive changes")


def test_2000_locations_fit_a_comment_and_say_how_many_are_not_shown() -> None:
    plan = big_plan(2000, 6, disruptive_every=100)
    text = plan_markdown(plan)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.splitlines()[0] == COMMENT_MARKER
    assert "**Plan:** 2000 of 2001 managed locations to change: 2000 steps, 12000 fields" in text
    shown = text.count("<details><summary><b>Site ")
    found = NOT_SHOWN.search(text)
    assert found is not None and 0 < shown < 2000
    assert int(found.group(1)) == 2000 - shown
    assert "run `wxc-reconcile plan` or download the plan artifact for the full plan" in text
    # Truncation drops sections from the end: the ones shown are the first ones.
    assert f"<b>Site {shown - 1:05d}</b>" in text and f"<b>Site {shown:05d}</b>" not in text
    # The short disruptive list is complete.
    assert text.count("- **Site ") == 20
    assert_well_formed(text)


def test_5000_locations_with_10_fields_fit_a_comment() -> None:
    text = plan_markdown(big_plan(5000, 10))
    assert len(text) <= GITHUB_COMMENT_LIMIT
    found = NOT_SHOWN.search(text)
    assert found is not None
    assert int(found.group(1)) == 5000 - text.count("<details><summary><b>Site ")
    assert_well_formed(text)


def test_a_disruptive_list_too_long_for_the_comment_is_cut_but_the_locations_note_stays() -> None:
    plan = big_plan(5000, 3, disruptive_every=1)
    text = plan_markdown(plan, warnings=["too many"])
    assert len(text) <= GITHUB_COMMENT_LIMIT
    shown = text.count("- **Site ")
    assert shown > 100
    assert f"… {5000 - shown} more disruptive changes not shown." in text
    assert "… 5000 more locations not shown" in text
    assert "> too many" in text
    assert_well_formed(text)


@pytest.mark.parametrize("limit", [1500, 2000, 2345, 3000, 4999, 8000, 20_000])
def test_a_custom_limit_is_honoured(limit: int) -> None:
    for plan in (big_plan(60, 3, disruptive_every=7), big_plan(8, 3, disruptive_every=2)):
        text = plan_markdown(plan, limit=limit)
        assert len(text) <= limit
        assert text.startswith(COMMENT_MARKER + "\n")
        assert "**Plan:**" in text
        assert_well_formed(text)
        assert all(len(row) == 3 for row in table_rows(text))


def test_exactly_enough_room_shows_everything() -> None:
    full = plan_markdown(PLAN)
    assert plan_markdown(PLAN, limit=len(full)) == full
    assert "not shown" in plan_markdown(PLAN, limit=len(full) - 1)


def test_a_limit_too_small_for_the_summary_is_an_error() -> None:
    with pytest.raises(ValueError, match="too small"):
        plan_markdown(PLAN, limit=100)


# --- apply reports ----------------------------------------------------------------------------------


def report_of(*results: StepResult, dry_run: bool = False) -> ApplyReport:
    return ApplyReport(results, dry_run)


FAILED = StepResult(
    PSTN,
    "failed",
    error=WebexError(
        400, "Trunk not found | check\nthe name", error_codes=(25008,), tracking_id="ROUTER_6507_abc"
    ),
)
SKIPPED = StepResult(DETAILS, "skipped", reason="the pstn step of this location failed")
JOB = StepResult(
    PARIS,
    "failed",
    reason="routing-prefix job ended COMPLETED (COMPLETED_WITH_ERRORS)",
    batch_job_id="JOB-42",
    job=JobOutcome(
        "JOB-42", "COMPLETED", "COMPLETED_WITH_ERRORS", ("number +1555 not moved [trackingId T9]",)
    ),
)


def test_report_summary_and_one_row_per_step() -> None:
    text = report_markdown(report_of(FAILED, SKIPPED, JOB, StepResult(PARIS, "applied")))
    assert "❌ **Apply:** 1 applied, 2 failed, 1 skipped." in text
    rows = table_rows(text)
    assert [row[:3] for row in rows] == [
        ["Denver", "PSTN connection", "❌ failed"],
        ["Denver", "location details", "⏭️ skipped"],
        ["Paris", "location details", "❌ failed"],
        ["Paris", "location details", "✅ applied"],
    ]
    assert all(len(row) == 4 for row in rows)


def test_a_failed_step_shows_status_message_error_code_and_tracking_id() -> None:
    details = table_rows(report_markdown(report_of(FAILED)))[0][3]
    assert "<strong>HTTP 400</strong>: Trunk not found | check<br>the name" in details
    assert "errorCode <code>25008</code>" in details
    assert "trackingId <code>ROUTER_6507_abc</code>" in details


def test_a_skipped_step_shows_its_reason() -> None:
    assert table_rows(report_markdown(report_of(SKIPPED)))[0][3] == "the pstn step of this location failed"


def test_a_routing_prefix_job_shows_its_id_status_and_errors() -> None:
    details = table_rows(report_markdown(report_of(JOB)))[0][3]
    assert (
        "routing-prefix job <code>JOB-42</code>: COMPLETED, exit code <code>COMPLETED_WITH_ERRORS</code>"
        in details
    )
    assert "number +1555 not moved [trackingId T9]" in details


def test_a_step_that_got_no_answer_says_so() -> None:
    result = StepResult(PARIS, "failed", error=WebexError(0, "connection refused"))
    assert (
        table_rows(report_markdown(report_of(result)))[0][3]
        == "<strong>no answer</strong>: connection refused"
    )


def test_dry_run_and_empty_reports() -> None:
    dry = report_markdown(report_of(StepResult(PARIS, "dry-run"), dry_run=True))
    assert "## wxc-reconcile apply (dry run)" in dry
    assert "**Dry run:** 1 step would be sent; nothing was changed." in dry
    assert table_rows(dry)[0][2] == "📝 would be sent"
    empty = report_markdown(report_of())
    assert "**Nothing to apply.**" in empty and "|" not in empty


def many_results(count: int, failed_at: int) -> ApplyReport:
    results = []
    for i in range(count):
        step = Step(f"Site {i:05d}", f"L{i}", "details", "PUT", f"/loc/L{i}", {}, PARIS.changes)
        if i == failed_at:
            results.append(
                StepResult(step, "failed", error=WebexError(500, "boom", tracking_id="TRACK-LAST"))
            )
        else:
            results.append(StepResult(step, "applied"))
    return ApplyReport(tuple(results))


def test_a_huge_report_fits_and_keeps_its_failures() -> None:
    text = report_markdown(many_results(5000, failed_at=4999))
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "4999 applied, 1 failed, 0 skipped" in text
    assert "TRACK-LAST" in text
    shown = len(table_rows(text))
    assert f"… {5000 - shown} more steps not shown ({5000 - shown} applied; report too large" in text
    assert "the text or JSON output of `wxc-reconcile apply` lists every step" in text


@pytest.mark.parametrize("limit", [400, 1000, 5000])
def test_a_report_honours_a_custom_limit(limit: int) -> None:
    text = report_markdown(many_results(300, failed_at=150), limit=limit)
    assert len(text) <= limit
    assert "not shown" in text
    assert all(len(row) == 4 for row in table_rows(text))


def test_a_small_report_is_not_truncated() -> None:
    text = report_markdown(report_of(FAILED, SKIPPED, JOB))
    assert "not shown" not in text
    assert len(table_rows(text)) == 3
