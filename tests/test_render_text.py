import io

import pytest
from rich.console import Console

from reconciler.apply import ApplyReport, StepResult
from reconciler.diff import FieldChange
from reconciler.jobs import JobOutcome
from reconciler.plan import Plan, Step
from reconciler.render.text import plan_summary, render_plan, report_line, report_summary, show_value
from reconciler.webex.errors import WebexError

PSTN = Step(
    "Denver",
    "L1",
    "pstn",
    "PUT",
    "/telephony/pstn/locations/L1/connection",
    {"id": "O"},
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
    {"routingPrefix": "212"},
    (FieldChange("routingPrefix", "100", "212"),),
)
PLAN = Plan((PSTN, DETAILS), unchanged=("Berlin",))


def rendered(plan: Plan, terminal: bool = False) -> str:
    buffer = io.StringIO()
    render_plan(
        plan, Console(file=buffer, force_terminal=terminal, color_system="standard" if terminal else None)
    )
    return buffer.getvalue()


def test_plan_is_grouped_by_location_with_before_and_after() -> None:
    text = rendered(PLAN)
    assert text.splitlines() == [
        "~ Denver",
        "    PSTN connection  (disruptive: re-routes the location's PSTN calls)"
        "  PUT /telephony/pstn/locations/L1/connection",
        '      pstn.type   "NON_INTEGRATED_CCP" → "LOCAL_GATEWAY"',
        '      pstn.trunk  null → "Denver-LGW"',
        "    location details  (disruptive: starts an org-wide routing-prefix job)"
        "  PUT /telephony/config/locations/L1",
        '      routingPrefix  "100" → "212"',
        "",
        "Plan: 1 of 2 locations to change, 2 steps, 3 fields. 3 disruptive.",
    ]


def test_no_colour_off_a_terminal_and_colour_on_one() -> None:
    assert "\x1b[" not in rendered(PLAN)
    assert "\x1b[" in rendered(PLAN, terminal=True)


def test_no_colour_when_no_color_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    buffer = io.StringIO()
    render_plan(PLAN, Console(file=buffer, force_terminal=True))
    assert "\x1b[3" not in buffer.getvalue()  # no foreground colours (bold may remain)


def test_names_with_brackets_print_as_written() -> None:
    step = Step(
        "[bold]Lab[/]", "L2", "details", "PUT", "/p", {}, (FieldChange("outsideDialDigit", "9", None),)
    )
    text = rendered(Plan((step,)))
    assert "~ [bold]Lab[/]" in text
    assert "disruptive" not in text  # an outside dial digit change is not


def test_values_are_shown_as_the_file_would_write_them() -> None:
    assert [show_value(v) for v in ("9", None, True, {"name": "x"})] == [
        '"9"',
        "null",
        "true",
        '{"name": "x"}',
    ]


def test_summary_without_changes() -> None:
    assert (
        plan_summary(Plan((), ("A", "B"))).plain
        == "No changes. The org matches the desired state (2 locations)."
    )


def test_report_lines_carry_the_error_and_the_job() -> None:
    error = WebexError(
        400, "bad prefix", method="PUT", path="/p", error_codes=(5600,), tracking_id="ROUTER_1"
    )
    failed = report_line(StepResult(PSTN, "failed", error=error)).plain
    assert failed == (
        "✗ Denver  PSTN connection  failed: "
        "HTTP 400 on PUT /p: bad prefix (errorCode 5600; trackingId ROUTER_1)"
    )
    job = JobOutcome("JOB1", "COMPLETED", "COMPLETED")
    done = report_line(StepResult(DETAILS, "applied", batch_job_id="JOB1", job=job)).plain
    assert done == "✓ Denver  location details  applied (routing-prefix job JOB1, COMPLETED)"
    skipped = report_line(
        StepResult(DETAILS, "skipped", reason="the pstn step of this location failed")
    ).plain
    assert skipped.startswith("- Denver  location details  skipped: the pstn step")


def test_report_summaries() -> None:
    results = (StepResult(PSTN, "failed"), StepResult(DETAILS, "skipped"))
    assert report_summary(ApplyReport(results)).plain == "Apply: 0 applied, 1 failed, 1 skipped."
    assert report_summary(ApplyReport((StepResult(PSTN, "dry-run"),), dry_run=True)).plain.startswith(
        "Dry run: 1 steps would be sent"
    )
    assert report_summary(ApplyReport(())).plain.startswith("Nothing to apply")
