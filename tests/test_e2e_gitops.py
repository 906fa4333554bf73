"""End to end, for CI use: saved plans and staleness, safety thresholds, exit codes, GitHub output."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from clirun import EXAMPLE, TOKEN, loc_id, writes, wxc

from reconciler.sandbox import SandboxOrg, SandboxSettings, ServerThread


def put_directly(server: ServerThread, name: str, body: dict[str, object]) -> None:
    """Someone changes the org in Control Hub, between plan and apply."""
    response = httpx.put(
        f"{server.base_url}/telephony/config/locations/{loc_id(name)}",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code in (200, 204), response.text


def test_a_fresh_saved_plan_applies_exactly_its_steps(server: ServerThread, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    planned = wxc("plan", str(EXAMPLE), "--out", str(plan_file), base_url=server.base_url)
    assert planned.returncode == 0, planned.stderr
    saved = json.loads(plan_file.read_text())
    assert TOKEN not in plan_file.read_text()
    plan_reads = sorted(r.path for r in server.requests)
    server.requests.clear()

    applied = wxc("apply", "--plan", str(plan_file), str(EXAMPLE), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    sent = writes(server)
    expected = [("/v1" + step["path"], step["body"]) for step in saved["plan"]["steps"]]
    assert sorted(sent, key=repr) == sorted(expected, key=repr)
    # it planned afresh first: before its first write it read exactly what `plan` read
    first_put = next(i for i, r in enumerate(server.requests) if r.method != "GET")
    assert sorted(r.path for r in server.requests[:first_put]) == plan_reads

    # applied once, the plan is stale: what it was computed from has changed
    again = wxc("apply", "--plan", str(plan_file), str(EXAMPLE), base_url=server.base_url)
    assert again.returncode == 5
    assert "when planned, is" in again.stderr
    assert len(writes(server)) == len(sent)


def test_a_stale_plan_is_refused_naming_what_changed(server: ServerThread, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert wxc("plan", str(EXAMPLE), "--out", str(plan_file), base_url=server.base_url).returncode == 0
    put_directly(server, "London", {"outsideDialDigit": "7"})
    before = len(writes(server))

    result = wxc("apply", "--plan", str(plan_file), str(EXAMPLE), base_url=server.base_url)
    assert result.returncode == 5, result.stdout + result.stderr
    assert 'London location details: outsideDialDigit was "9" when planned, is "7" now' in result.stderr
    assert len(writes(server)) == before


def test_changed_desired_files_make_a_saved_plan_stale(server: ServerThread, tmp_path: Path) -> None:
    desired = tmp_path / "locations.yaml"
    shutil.copy(EXAMPLE, desired)
    plan_file = tmp_path / "plan.json"
    assert wxc("plan", str(desired), "--out", str(plan_file), base_url=server.base_url).returncode == 0
    desired.write_text(desired.read_text().replace('routingPrefix: "212"', 'routingPrefix: "213"'))
    result = wxc("apply", "--plan", str(plan_file), str(desired), base_url=server.base_url)
    assert result.returncode == 5
    assert f"changed or new: {desired}" in result.stderr
    assert writes(server) == []


def test_a_plan_for_another_target_is_refused(server: ServerThread, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert wxc("plan", str(EXAMPLE), "--out", str(plan_file), base_url=server.base_url).returncode == 0
    apply_plan = ("apply", "--plan", str(plan_file), str(EXAMPLE))
    other_org = wxc(*apply_plan, "--org-id", "SOMEONE-ELSE", base_url=server.base_url)
    assert other_org.returncode == 5 and "not SOMEONE-ELSE" in other_org.stderr
    sandbox = wxc(*apply_plan, "--sandbox", cwd=tmp_path)
    assert sandbox.returncode == 5 and "not sandbox" in sandbox.stderr
    assert writes(server) == []


def test_a_file_that_is_not_a_plan_is_invalid_input(tmp_path: Path) -> None:
    bogus = tmp_path / "plan.json"
    bogus.write_text("{}")
    result = wxc("apply", "--plan", str(bogus), str(EXAMPLE), "--sandbox", cwd=tmp_path)
    assert result.returncode == 3 and "not a saved plan" in result.stderr
    missing = wxc("apply", "--plan", str(tmp_path / "missing.json"), str(EXAMPLE), "--sandbox", cwd=tmp_path)
    assert missing.returncode == 3 and "missing.json: cannot read the saved plan" in missing.stderr
    assert wxc("apply", "--sandbox", cwd=tmp_path).returncode == 3  # neither PATHS nor --plan


def test_a_saved_plan_needs_the_paths_it_was_made_from(server: ServerThread, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert wxc("plan", str(EXAMPLE), "--out", str(plan_file), base_url=server.base_url).returncode == 0
    server.requests.clear()
    result = wxc("apply", "--plan", str(plan_file), base_url=server.base_url)
    assert result.returncode == 3
    assert "--plan FILE needs the desired-state PATHS" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


@pytest.fixture
def big_server() -> Iterator[ServerThread]:
    org = SandboxOrg.generate(20)
    with ServerThread(org, token=TOKEN, settings=SandboxSettings(job_seconds=0.3)) as running:
        yield running


def twenty_sites(tmp_path: Path, changed: int) -> Path:
    lines = ["version: 1", "locations:"]
    for i in range(1, 21):
        lines += [
            f"  - name: Site-{i:05d}",
            f"    enforceOutsideDialDigit: {'true' if i <= changed else 'false'}",
        ]
    path = tmp_path / "sites.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_too_many_changes_are_refused_with_the_numbers_until_forced(
    big_server: ServerThread, tmp_path: Path
) -> None:
    desired = twenty_sites(tmp_path, changed=8)
    plan = wxc("plan", str(desired), base_url=big_server.base_url)
    assert plan.returncode == 0
    assert "apply will refuse this plan without --force" in plan.stdout

    refused = wxc("apply", str(desired), base_url=big_server.base_url)
    assert refused.returncode == 4
    assert "8 of 20 managed locations (40%) would change, more than --max-changes-pct 30%" in refused.stderr
    assert writes(big_server) == []

    assert (
        wxc(
            "apply",
            str(desired),
            "--max-changes-pct",
            "50",
            "--max-changes",
            "5",
            base_url=big_server.base_url,
        ).returncode
        == 4
    )
    forced = wxc("apply", str(desired), "--force", "--detailed-exitcode", base_url=big_server.base_url)
    assert forced.returncode == 2, forced.stdout + forced.stderr
    assert len(writes(big_server)) == 8
    nothing = wxc("apply", str(desired), "--detailed-exitcode", base_url=big_server.base_url)
    assert nothing.returncode == 0


def test_github_step_summary_and_markdown(server: ServerThread, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    plan = wxc("plan", str(EXAMPLE), "--format", "markdown", base_url=server.base_url, env=env)
    assert plan.returncode == 0
    assert plan.stdout.startswith("<!-- wxc-reconcile:plan -->")
    assert "<!-- wxc-reconcile:plan -->" in summary.read_text()
    applied = wxc("apply", str(EXAMPLE), base_url=server.base_url, env=env)
    assert applied.returncode == 0
    text = summary.read_text()
    assert text.index("<!-- wxc-reconcile:plan -->") < text.index(
        "Denver", text.index("<!-- wxc-reconcile:plan -->")
    )
    assert "applied" in text.split("<!-- wxc-reconcile:plan -->")[-1]


def test_github_annotations_for_input_errors(server: ServerThread, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nlocations:\n  - name: Denver\n    outsideDialDigit: 9\n")
    validated = wxc("validate", "--format", "github", str(bad))
    assert validated.returncode == 3
    assert f"::error file={bad},line=4,col=23::" in validated.stdout
    in_actions = wxc("plan", str(bad), base_url=server.base_url, env={"GITHUB_ACTIONS": "true"})
    assert in_actions.returncode == 3
    assert f"::error file={bad},line=4,col=23::" in in_actions.stdout
    assert server.requests == []


def test_apply_detailed_exitcode_and_plan_json_warnings(server: ServerThread) -> None:
    plan = wxc("plan", str(EXAMPLE), "--format", "json", base_url=server.base_url)
    assert json.loads(plan.stdout)["warnings"] == []
    assert wxc("apply", str(EXAMPLE), "--detailed-exitcode", base_url=server.base_url).returncode == 2
    assert wxc("apply", str(EXAMPLE), "--detailed-exitcode", base_url=server.base_url).returncode == 0
