"""End to end: a project of two orgs, through the installed CLI, against the simulator on 127.0.0.1.

Until the sandbox holds several orgs, the second org is one the sandbox does not have (an unknown
`orgId` is refused): one org failing must never stop the other, and the exit code is the worst of theirs.
The tests of two orgs that both exist are skipped unless the sandbox can hold two.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clirun import TOKEN, writes, wxc

from reconciler import sandbox
from reconciler.sandbox import ServerThread, webex_id

UNKNOWN_ORG = webex_id("ORGANIZATION", "Globex (not in the sandbox)")
ACME = """\
version: 1
locations:
  - name: Denver
    externalCallerIdName: Acme-Denver
  - name: Paris
    externalCallerIdName: Acme-Paris
"""
# An orgId the sandbox does not hold: refused (404 while it holds one org, 403 once it holds several).
REFUSED = "HTTP 40"
GLOBEX = "version: 1\nlocations:\n  - name: Denver\n    externalCallerIdName: Globex-Denver\n"


def project(root: Path, globex_org_id: str = UNKNOWN_ORG, acme_org_id: str | None = None) -> Path:
    """A config repo of two orgs: acme (the token's own org, unless given) and globex."""
    (root / "orgs/acme").mkdir(parents=True)
    (root / "orgs/globex").mkdir(parents=True)
    (root / "orgs/acme/locations.yaml").write_text(ACME)
    (root / "orgs/globex/locations.yaml").write_text(GLOBEX)
    acme_id = f"    orgId: {acme_org_id}\n" if acme_org_id else ""
    (root / "wxc-reconcile.yaml").write_text(
        "version: 1\norgs:\n"
        f"  acme:\n{acme_id}    paths: [orgs/acme]\n"
        f"  globex:\n    orgId: {globex_org_id}\n    paths: [orgs/globex]\n"
    )
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return project(tmp_path)


def test_a_failing_org_never_stops_another_and_the_exit_code_is_the_worst(
    server: ServerThread, repo: Path
) -> None:
    result = wxc("plan", "--detailed-exitcode", base_url=server.base_url, cwd=repo)

    assert result.returncode == 1, result.stdout + result.stderr  # acme's 2, globex's 1: the worst
    assert "Traceback" not in result.stderr
    acme, globex = result.stdout.index("━━ org acme"), result.stdout.index("━━ org globex")
    # Grouped: acme's plan under acme's heading (groups come as orgs end, so in either order)
    plan_at = result.stdout.index('"Acme-Denver"')
    assert acme < plan_at and (globex < acme or plan_at < globex)
    assert f"globex: error: {REFUSED}" in result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("acme    Plan: 2 of 2 locations to change") for line in lines), result.stdout
    assert "globex  failed (exit 1)" in lines
    assert lines[-1] == "All orgs: 2 orgs, 1 with changes, 1 failed."
    assert writes(server) == []


def test_org_globs_and_comma_lists_choose_the_orgs(server: ServerThread, repo: Path) -> None:
    for chosen in (["--org", "ac*"], ["--org", "acme"]):
        only = wxc("plan", *chosen, base_url=server.base_url, cwd=repo)
        assert only.returncode == 0, only.stderr
        assert "━━ org acme" in only.stdout and "globex" not in only.stdout + only.stderr
    both = wxc("plan", "--org", "globex,acme", base_url=server.base_url, cwd=repo)
    assert both.returncode == 1
    assert "All orgs: 2 orgs, 1 with changes, 1 failed." in both.stdout


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (("--org", "acme", "--org", "nope"), "--org 'nope' names no org here (acme, globex)"),
        (("--location", "Nowhere"), "--location 'Nowhere' names no location of the desired state"),
    ],
)
def test_a_flag_naming_nothing_is_invalid_before_any_request(
    server: ServerThread, repo: Path, flags: tuple[str, ...], said: str
) -> None:
    result = wxc("plan", *flags, base_url=server.base_url, cwd=repo)
    assert result.returncode == 3, result.stdout + result.stderr
    assert said in result.stderr
    assert server.requests == []


def test_location_and_exclude_narrow_the_plan(server: ServerThread, repo: Path) -> None:
    narrowed = wxc("plan", "--org", "acme", "--location", "D*", base_url=server.base_url, cwd=repo)
    assert narrowed.returncode == 0, narrowed.stderr
    assert '"Acme-Denver"' in narrowed.stdout and "Acme-Paris" not in narrowed.stdout
    excluded = wxc("plan", "--org", "acme", "--exclude", "Denver", base_url=server.base_url, cwd=repo)
    assert excluded.returncode == 0, excluded.stderr
    assert '"Acme-Paris"' in excluded.stdout and "Acme-Denver" not in excluded.stdout


def test_a_saved_project_plan_applies_then_the_next_plan_is_clean(server: ServerThread, repo: Path) -> None:
    planned = wxc("plan", "--org", "acme", "--out", "plan.json", base_url=server.base_url, cwd=repo)
    assert planned.returncode == 0, planned.stderr
    saved = json.loads((repo / "plan.json").read_text())
    assert saved["kind"] == "wxc-reconcile-plans" and [p["org"] for p in saved["orgs"]] == ["acme"]
    assert TOKEN not in (repo / "plan.json").read_text()

    # Another selection or another set of orgs is refused, and nothing is sent.
    for other in (["--org", "acme", "--location", "Denver"], ["--org", "acme,globex"], []):
        refused = wxc("apply", "--plan", "plan.json", *other, base_url=server.base_url, cwd=repo)
        assert refused.returncode == 5, (other, refused.stdout + refused.stderr)
        assert writes(server) == []
    assert (
        "was made for every location, not --location Denver"
        in wxc(
            "apply",
            "--plan",
            "plan.json",
            "--org",
            "acme",
            "--location",
            "Denver",
            base_url=server.base_url,
            cwd=repo,
        ).stderr
    )

    applied = wxc("apply", "--plan", "plan.json", "--org", "acme", base_url=server.base_url, cwd=repo)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "2 applied, 0 failed" in applied.stdout
    assert len(writes(server)) == 2

    again = wxc("plan", "--org", "acme", "--detailed-exitcode", base_url=server.base_url, cwd=repo)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout


def test_a_saved_plan_with_a_selection_applies_only_with_it(server: ServerThread, repo: Path) -> None:
    args = ("--org", "acme", "--location", "Paris")
    assert wxc("plan", *args, "--out", "plan.json", base_url=server.base_url, cwd=repo).returncode == 0
    refused = wxc("apply", "--plan", "plan.json", "--org", "acme", base_url=server.base_url, cwd=repo)
    assert refused.returncode == 5 and "was made for --location Paris, not every location" in refused.stderr
    assert writes(server) == []
    applied = wxc("apply", "--plan", "plan.json", *args, base_url=server.base_url, cwd=repo)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert [path for path, _ in writes(server)] == [
        f"/v1/telephony/config/locations/{webex_id('LOCATION', 'Paris')}"
    ]


def test_json_carries_the_org_keys(server: ServerThread, repo: Path) -> None:
    result = wxc("plan", "--format", "json", base_url=server.base_url, cwd=repo)
    assert result.returncode == 1
    document: dict[str, Any] = json.loads(result.stdout)
    acme, globex = document["orgs"]
    assert (acme["org"], acme["orgId"], acme["exitCode"]) == ("acme", None, 0)
    assert len(acme["plan"]["steps"]) == 2
    assert (globex["org"], globex["orgId"], globex["exitCode"]) == ("globex", UNKNOWN_ORG, 1)
    assert globex["error"].startswith(REFUSED) and "plan" not in globex
    assert document["summary"] == {"orgs": 2, "withChanges": 1, "failed": 1}


def sections(markdown: str, keys: tuple[str, ...]) -> dict[str, str]:
    """Each org's section of a comment: from its heading (a line starting with `#` naming the key in
    backticks) to the next org's."""
    lines = markdown.splitlines()
    starts = {
        key: next(i for i, line in enumerate(lines) if line.startswith("#") and f"`{key}`" in line)
        for key in keys
    }
    ends = [*sorted(starts.values()), len(lines)]
    return {key: "\n".join(lines[at : ends[ends.index(at) + 1]]) for key, at in starts.items()}


def test_markdown_is_one_comment_with_a_section_per_org(server: ServerThread, repo: Path) -> None:
    result = wxc("plan", "--format", "markdown", base_url=server.base_url, cwd=repo)
    assert result.returncode == 1
    text = result.stdout
    assert text.count("<!-- wxc-reconcile:plan -->") == 1  # one sticky comment for every org
    acme, globex = sections(text, ("acme", "globex")).values()
    assert '`"Acme-Denver"`' in acme and "Failed" not in acme
    assert "**Failed** (exit 1)" in globex and REFUSED in globex and "Acme" not in globex
    assert "━━" not in text  # no terminal headings in a comment


def test_validate_checks_each_org_offline(tmp_path: Path) -> None:
    repo = project(tmp_path)
    valid = wxc("validate", cwd=repo)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert valid.stdout.count("Valid: ") == 2 and "━━ org globex" in valid.stdout

    (repo / "orgs/globex/locations.yaml").write_text(
        "version: 1\nlocations:\n  - name: Denver\n    routingPrefix: 12\n"
    )
    one_bad = wxc("validate", cwd=repo)
    assert one_bad.returncode == 3
    assert one_bad.stdout.count("Valid: ") == 1  # acme still checked
    assert (
        "globex: orgs/globex/locations.yaml:4:20: routingPrefix must be a string of digits" in one_bad.stderr
    )


def test_export_writes_each_org_to_the_output_dir(server: ServerThread, repo: Path) -> None:
    several = wxc("export", base_url=server.base_url, cwd=repo)
    assert several.returncode == 3 and "needs --output-dir DIR" in several.stderr
    assert server.requests == []

    result = wxc("export", "--org", "acme", "--output-dir", "state", base_url=server.base_url, cwd=repo)
    assert result.returncode == 0, result.stderr
    written = (repo / "state/acme.yaml").read_text()
    assert "name: Denver" in written and not (repo / "state/globex.yaml").exists()

    both = wxc("export", "--output-dir", "all", base_url=server.base_url, cwd=repo)
    assert both.returncode == 1 and "globex: error: " in both.stderr
    assert (repo / "all/acme.yaml").read_text() == written and not (repo / "all/globex.yaml").exists()


def test_paths_and_orgs_together_are_a_usage_error(repo: Path) -> None:
    for command in ("validate", "plan", "apply"):
        result = wxc(command, "orgs/acme", "--org", "acme", cwd=repo)
        assert result.returncode == 3, (command, result.stderr)
        assert "give desired-state PATHS or a project's --org/--project, not both" in result.stderr


def test_without_paths_or_a_project_file_both_ways_are_named(tmp_path: Path) -> None:
    for command in ("validate", "plan", "apply"):
        result = wxc(command, cwd=tmp_path)
        assert result.returncode == 3, (command, result.stderr)
        assert "desired-state PATHS" in result.stderr and "wxc-reconcile.yaml" in result.stderr


# --- two orgs that both exist: once the sandbox can hold them ----------------------------------------------

SandboxOrgs: Any = getattr(sandbox, "SandboxOrgs", None)
two_orgs = pytest.mark.skipif(
    SandboxOrgs is None or not hasattr(SandboxOrgs, "partner"), reason="the sandbox holds one org"
)


@pytest.fixture
def partner(tmp_path: Path) -> Any:
    orgs = SandboxOrgs.partner()
    with ServerThread(orgs, token=TOKEN) as running:
        first, second = list(orgs.orgs.values())[:2]
        for org, key in ((first, "acme"), (second, "globex")):
            name = next(iter(org.locations.values())).name
            (tmp_path / key).mkdir()
            (tmp_path / key / "locations.yaml").write_text(
                f"version: 1\nlocations:\n  - name: {name}\n    externalCallerIdName: Set by {key}\n"
            )
        (tmp_path / "wxc-reconcile.yaml").write_text(
            "version: 1\norgs:\n"
            f"  acme:\n    orgId: {first.id}\n    paths: [acme]\n"
            f"  globex:\n    orgId: {second.id}\n    paths: [globex]\n"
        )
        yield running


@two_orgs
def test_two_real_orgs_apply_each_its_own_changes(partner: ServerThread, tmp_path: Path) -> None:
    planned = wxc("plan", "--detailed-exitcode", base_url=partner.base_url, cwd=tmp_path)
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "All orgs: 2 orgs, 2 with changes, 0 failed." in planned.stdout

    applied = wxc("apply", base_url=partner.base_url, cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    first, second = list(partner.orgs.orgs.values())[:2]
    sent = [r for r in partner.requests if r.method != "GET"]
    assert len(sent) == 2
    # Each org's change went to its own org, by its orgId.
    assert sorted(r.query.get("orgId", "") for r in sent) == sorted([first.id, second.id])

    again = wxc("plan", "--detailed-exitcode", base_url=partner.base_url, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
