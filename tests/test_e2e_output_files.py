"""End to end: the files the user names for output are checked before the first request, and a write
that fails anyway at the end loses nothing: the report is still on stdout, and the exit code says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import EXAMPLE, writes, wxc

from reconciler.sandbox import ServerThread

OPTIONS = {
    "plan --out": ("plan", str(EXAMPLE), "--out"),
    "apply --json-report": ("apply", str(EXAMPLE), "--json-report"),
    "export --output": ("export", "--output"),
}
needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


@pytest.mark.parametrize("option", OPTIONS)
def test_a_missing_directory_is_a_usage_error_before_any_request(
    server: ServerThread, tmp_path: Path, option: str
) -> None:
    target = tmp_path / "no-such-dir" / "out.json"
    result = wxc(*OPTIONS[option], str(target), base_url=server.base_url)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"cannot write {target}: the directory {target.parent} does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


@pytest.mark.parametrize("option", OPTIONS)
def test_a_file_in_the_way_of_the_directory_is_named_before_any_request(
    server: ServerThread, tmp_path: Path, option: str
) -> None:
    (tmp_path / "reports").write_text("a file, not a directory")
    target = tmp_path / "reports" / "out.json"
    result = wxc(*OPTIONS[option], str(target), base_url=server.base_url)
    assert result.returncode == 3
    assert f"{tmp_path / 'reports'} is not a directory" in result.stderr
    assert server.requests == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no file can be made")
@pytest.mark.parametrize("option", OPTIONS)
def test_an_unwritable_place_is_named_before_any_request(server: ServerThread, option: str) -> None:
    result = wxc(*OPTIONS[option], "/proc/wxc-out.json", base_url=server.base_url)
    assert result.returncode == 3
    assert "cannot write /proc/wxc-out.json: cannot create a file in /proc" in result.stderr
    assert server.requests == []


@needs_dev_full
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_json_report_that_cannot_be_written_after_the_puts_is_still_shown(
    server: ServerThread, fmt: str
) -> None:
    result = wxc(
        "apply", str(EXAMPLE), "--format", fmt, "--json-report", "/dev/full", base_url=server.base_url
    )
    assert result.returncode == 1
    sent = len(writes(server))
    assert sent  # the apply happened: its report must not be lost
    if fmt == "json":
        report = json.loads(result.stdout)
        assert report["summary"]["applied"] == sent and report["summary"]["failed"] == 0
    else:
        assert "Denver" in result.stdout and f"{sent} applied" in result.stdout
    said = "error: could not write the JSON report to /dev/full: No space left on device; the report is on"
    assert f"{said} stdout" in result.stderr
    assert "Traceback" not in result.stderr


@needs_dev_full
def test_a_plan_that_cannot_be_saved_is_shown_and_exits_1(server: ServerThread) -> None:
    result = wxc("plan", str(EXAMPLE), "--out", "/dev/full", base_url=server.base_url)
    assert result.returncode == 1
    assert "Denver" in result.stdout and "Plan:" in result.stdout
    assert "error: could not write the plan to /dev/full: No space left on device" in result.stderr


@needs_dev_full
def test_an_export_that_cannot_be_written_goes_to_stdout_and_exits_1(server: ServerThread) -> None:
    result = wxc("export", "--output", "/dev/full", base_url=server.base_url)
    assert result.returncode == 1
    assert result.stdout.startswith("# ") and "name: Denver" in result.stdout
    assert (
        "error: could not write the export to /dev/full: No space left on device; it is on stdout"
        in result.stderr
    )
