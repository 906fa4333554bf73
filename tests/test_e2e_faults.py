"""End to end under faults: the installed CLI against the simulator over HTTP, with faults switched on.

A failed or killed apply can simply be re-run: every step is a PUT of desired values, so it converges.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import CLI, TOKEN, puts, wxc

from reconciler.sandbox import RecordedRequest, SandboxOrg, SandboxSettings, ServerThread


def sites(tmp_path: Path, count: int, pstn_every: int = 0) -> Path:
    """A desired state changing every generated site; every `pstn_every`-th also moves its PSTN."""
    lines = ["version: 1", "locations:"]
    for i in range(1, count + 1):
        lines += [f"  - name: Site-{i:05d}", "    enforceOutsideDialDigit: true", '    outsideDialDigit: "7"']
        if pstn_every and i % pstn_every == 0:
            lines += ["    pstn:", "      type: LOCAL_GATEWAY", "      routeGroup: US-RG"]
    path = tmp_path / "sites.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def planned_steps(base_url: str, desired: Path) -> list[tuple[str, str]]:
    result = wxc("plan", str(desired), "--format", "json", base_url=base_url)
    assert result.returncode == 0, result.stderr
    return sorted(
        ("/v1" + s["path"], json.dumps(s["body"], sort_keys=True)) for s in json.loads(result.stdout)["steps"]
    )


def run_of(request: RecordedRequest) -> str:
    """The client run a request belongs to: its TrackingID is WXCR_<run id>_<sequence>."""
    return request.headers["trackingid"].rsplit("_", 1)[0]


def sent_by_runs_other_than(server: ServerThread, runs: set[str]) -> list[tuple[str, str]]:
    return sorted(
        (r.path, json.dumps(r.body, sort_keys=True))
        for r in server.requests
        if r.method == "PUT" and run_of(r) not in runs
    )


@pytest.fixture
def slow_server() -> Iterator[ServerThread]:
    settings = SandboxSettings(latency_ms=40, seed=7)
    with ServerThread(SandboxOrg.generate(40), token=TOKEN, settings=settings) as running:
        yield running


def test_an_apply_killed_mid_way_converges_when_run_again(slow_server: ServerThread, tmp_path: Path) -> None:
    desired = sites(tmp_path, 40, pstn_every=4)
    total = len(planned_steps(slow_server.base_url, desired))
    assert total == 50
    kill_after = random.Random(20261122).randint(3, total - 10)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "GITHUB_"))}
    env.update({"WEBEX_ACCESS_TOKEN": TOKEN, "WEBEX_BASE_URL": slow_server.base_url, "NO_COLOR": "1"})
    assert CLI
    applying = subprocess.Popen(
        [CLI, "apply", str(desired), "--force", "--concurrency", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(puts(slow_server)) < kill_after:
        assert applying.poll() is None, "apply ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    applying.send_signal(signal.SIGKILL)
    assert applying.wait(timeout=10) == -signal.SIGKILL
    killed = {run_of(r) for r in slow_server.requests if r.method == "PUT"}
    assert len(killed) == 1

    needed = planned_steps(slow_server.base_url, desired)
    assert 0 < len(needed) < total
    before_rerun = {run_of(r) for r in slow_server.requests}
    rerun = wxc("apply", str(desired), "--force", base_url=slow_server.base_url)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    # the re-run sent every step still needed, and no other
    assert sent_by_runs_other_than(slow_server, before_rerun) == needed
    assert planned_steps(slow_server.base_url, desired) == []


def test_json_report_lists_every_step_with_its_outcome(server: ServerThread, tmp_path: Path) -> None:
    desired = tmp_path / "d.yaml"
    desired.write_text(
        "version: 1\nlocations:\n"
        "  - name: Denver\n    callingLineId:\n      phoneNumber: '+12145550000'\n"
        "  - name: London\n    outsideDialDigit: '8'\n"
    )
    report_file = tmp_path / "report.json"
    result = wxc("apply", str(desired), "--json-report", str(report_file), base_url=server.base_url)
    assert result.returncode == 1
    report = json.loads(report_file.read_text())
    assert report["summary"] == {"applied": 1, "failed": 1, "skipped": 0, "dry-run": 0}
    failed = next(r for r in report["results"] if r["outcome"] == "failed")
    assert failed["location"] == "Denver"
    assert failed["error"]["status"] == 400 and failed["error"]["trackingId"]
    assert TOKEN not in report_file.read_text()


def test_200_locations_under_5_percent_5xx_and_a_rate_limit(tmp_path: Path) -> None:
    settings = SandboxSettings(fail_rate=0.05, rate_limit_per_second=100, seed=11)
    with ServerThread(SandboxOrg.generate(200), token=TOKEN, settings=settings) as server:
        desired = sites(tmp_path, 200)
        plan = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
        assert plan.returncode == 2, plan.stderr
        assert "200 of 200 locations to change" in plan.stdout

        report_file = tmp_path / "report.json"
        applied = wxc(
            "apply", str(desired), "--force", "--json-report", str(report_file), base_url=server.base_url
        )
        assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr[-2000:]
        summary = json.loads(report_file.read_text())["summary"]
        assert summary == {"applied": 200, "failed": 0, "skipped": 0, "dry-run": 0}

        statuses = [r.status for r in server.requests]
        assert sum(1 for s in statuses if s >= 500) > 10  # the faults really happened
        assert statuses.count(429) > 0
        final = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
        assert final.returncode == 0, final.stdout[-2000:] + final.stderr[-2000:]
        sites_now = [loc for loc in server.org.locations.values() if loc.name.startswith("Site-")]
        assert len(sites_now) == 200
        assert all(loc.details["outsideDialDigit"] == "7" for loc in sites_now)
        assert all(loc.details["enforceOutsideDialDigit"] is True for loc in sites_now)


def prefix_change(tmp_path: Path, prefix: str) -> Path:
    desired = tmp_path / "prefix.yaml"
    desired.write_text(f'version: 1\nlocations:\n  - name: Denver\n    routingPrefix: "{prefix}"\n')
    return desired


def test_a_failed_routing_prefix_job_is_reported_with_its_errors_then_converges(
    server: ServerThread, tmp_path: Path
) -> None:
    server.settings.failing_jobs = 1
    desired = prefix_change(tmp_path, "212")
    failed = wxc("apply", str(desired), base_url=server.base_url)
    assert failed.returncode == 1
    assert "ended FAILED with exit code FAILED (only exit code COMPLETED is success)" in failed.stdout
    assert "Denver: " in failed.stdout  # the job's error names the location
    again = wxc("apply", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 2, again.stdout + again.stderr  # the failed job rolled back: applied now
    assert wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url).returncode == 0


def test_another_job_in_progress_409_is_waited_out(server: ServerThread, tmp_path: Path) -> None:
    server.settings.prefix_conflicts = 2
    applied = wxc("apply", str(prefix_change(tmp_path, "212")), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert [r.status for r in server.requests if r.method == "PUT"] == [409, 409, 200]


def test_a_job_not_triggered_206_fails_the_step_with_the_reason(server: ServerThread, tmp_path: Path) -> None:
    server.settings.prefix_not_triggered = 1
    desired = prefix_change(tmp_path, "212")
    failed = wxc("apply", str(desired), base_url=server.base_url)
    assert failed.returncode == 1
    words = " ".join(failed.stdout.split())  # a terminal-width line may wrap
    assert "routing-prefix job not started: UpdateRoutingPrefix batch job not triggered" in words
    assert 'The new routing prefix "212" is saved' in words
    assert 'still route with the old prefix "100"' in words and "Control Hub" in words
    # What the message says of the org is so: the prefix is saved, so another apply sends nothing.
    sent = len([r for r in server.requests if r.method == "PUT"])
    again = wxc("apply", str(desired), base_url=server.base_url)
    assert again.returncode == 0 and "Nothing to apply" in again.stdout
    assert len([r for r in server.requests if r.method == "PUT"]) == sent
