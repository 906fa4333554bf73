"""`wxc-reconcile sandbox partner`: a partner's config repo of two orgs and their sandbox, in one command;
then planning and applying each org through the installed CLI, one org's changes never another's."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from clirun import REPO, wxc

from reconciler.sandbox import SandboxOrgs

STATE = ".wxc-sandbox.json"
EXAMPLE = REPO / "examples" / "partner"
ACME, GLOBEX = SandboxOrgs.partner().orgs.values()
FILES = ("wxc-reconcile.yaml", "orgs/acme/locations.yaml", "orgs/globex/locations.yaml")


def seeded(tmp_path: Path) -> Path:
    result = wxc("sandbox", "partner", str(tmp_path))
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_partner_writes_the_example_with_a_sandbox_of_its_two_orgs(tmp_path: Path) -> None:
    result = wxc("sandbox", "partner", "repo", cwd=tmp_path)

    repo = tmp_path / "repo"
    assert result.returncode == 0, result.stderr
    for name in FILES:
        example = (EXAMPLE / name).read_text(encoding="utf-8")
        # The same file, its `$schema` line pointing into the written repo's own schemas/.
        assert (repo / name).read_text(encoding="utf-8") == example.replace("$schema=../../", "$schema=")
    locations_schema = (repo / "orgs/acme/locations.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert locations_schema == "# yaml-language-server: $schema=../../schemas/locations.schema.json"
    assert (repo / "orgs/acme" / locations_schema.split("=", 1)[1]).is_file()
    state = json.loads((repo / STATE).read_text(encoding="utf-8"))
    assert [org["name"] for org in state["orgs"]] == ["Acme Corp", "Globex Corporation"]
    project = yaml.safe_load((repo / "wxc-reconcile.yaml").read_text(encoding="utf-8"))
    assert {key: org["orgId"] for key, org in project["orgs"].items()} == {
        "acme": ACME.id,
        "globex": GLOBEX.id,
    }
    # It says how to plan every org of the project.
    assert "wxc-reconcile plan --sandbox" in result.stdout


def test_partner_refuses_to_overwrite_without_force_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "wxc-reconcile.yaml").write_text("# my own project\n", encoding="utf-8")
    (tmp_path / STATE).write_text('{"name": "Mine", "locations": []}', encoding="utf-8")

    refused = wxc("sandbox", "partner", str(tmp_path))

    assert refused.returncode == 3 and "Traceback" not in refused.stderr
    assert "already has wxc-reconcile.yaml, .wxc-sandbox.json; nothing was written" in refused.stderr
    assert "--force" in refused.stderr
    assert (tmp_path / "wxc-reconcile.yaml").read_text(encoding="utf-8") == "# my own project\n"
    assert json.loads((tmp_path / STATE).read_text(encoding="utf-8"))["name"] == "Mine"
    assert not (tmp_path / "orgs").exists()

    forced = wxc("sandbox", "partner", str(tmp_path), "--force")

    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "wxc-reconcile.yaml").read_text(encoding="utf-8").startswith("# yaml-language-server")
    assert SandboxOrgs.load(tmp_path / STATE) == SandboxOrgs.partner()


def test_partner_into_a_path_that_is_a_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x", encoding="utf-8")

    result = wxc("sandbox", "partner", "plain", cwd=tmp_path)

    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "plain" in result.stderr


def test_planning_acme_shows_acmes_changes_only(tmp_path: Path) -> None:
    repo = seeded(tmp_path)

    plan = wxc(
        "plan",
        "orgs/acme",
        "--sandbox",
        "--org-id",
        ACME.id,
        "--detailed-exitcode",
        "--format",
        "json",
        cwd=repo,
    )

    assert plan.returncode == 2, plan.stderr
    steps = json.loads(plan.stdout)["steps"]
    assert {step["location"] for step in steps} == {"HQ", "Boston"}
    acme_ids = set(ACME.locations)
    assert {step["locationId"] for step in steps} <= acme_ids  # Acme's HQ, not Globex's
    text = wxc("plan", "orgs/acme", "--sandbox", "--org-id", ACME.id, cwd=repo).stdout
    assert "Acme Corp-New York" in text and "Boston-LGW" in text
    assert "Lyon" not in text and "Madrid" not in text and "Berlin" not in text


def test_applying_one_org_leaves_the_others_changes_to_do(tmp_path: Path) -> None:
    repo = seeded(tmp_path)

    applied = wxc("apply", "orgs/globex", "--sandbox", "--org-id", GLOBEX.id, cwd=repo)
    globex_again = wxc(
        "plan", "orgs/globex", "--sandbox", "--org-id", GLOBEX.id, "--detailed-exitcode", cwd=repo
    )
    acme = wxc("plan", "orgs/acme", "--sandbox", "--detailed-exitcode", cwd=repo)  # the token's own org

    assert applied.returncode == 0, applied.stderr + applied.stdout
    assert globex_again.returncode == 0, globex_again.stdout
    assert acme.returncode == 2 and "Plan: 2 of 3 locations to change" in acme.stdout
    # Globex's files against Acme's org: its locations are not there.
    crossed = wxc("plan", "orgs/globex", "--sandbox", "--org-id", ACME.id, cwd=repo)
    assert crossed.returncode == 3 and "location 'Lyon' not found in the org" in crossed.stderr


def test_an_org_id_the_sandbox_does_not_hold_is_a_403_error_naming_it(tmp_path: Path) -> None:
    repo = seeded(tmp_path)
    stranger = SandboxOrgs.generate(1, 1).own.id

    plan = wxc("plan", "orgs/acme", "--sandbox", "--org-id", stranger, cwd=repo)

    assert plan.returncode == 1 and "Traceback" not in plan.stderr
    assert "403" in plan.stderr and stranger in plan.stderr


def test_reset_starts_a_partner_state_afresh_as_the_partner_example(tmp_path: Path) -> None:
    repo = seeded(tmp_path)
    assert wxc("apply", "orgs/acme", "--sandbox", cwd=repo).returncode == 0

    reset = wxc("sandbox", "reset", cwd=repo)

    assert reset.returncode == 0, reset.stderr
    assert "Acme Corp, Globex Corporation" in reset.stdout
    assert SandboxOrgs.load(repo / STATE) == SandboxOrgs.partner()


def test_the_readme_partner_flow_plans_both_orgs_side_by_side_then_applies_them(tmp_path: Path) -> None:
    repo = tmp_path / "demo"
    assert wxc("sandbox", "partner", str(repo)).returncode == 0
    first = wxc("plan", "--sandbox", "--detailed-exitcode", cwd=repo)
    assert first.returncode == 2, first.stderr
    groups = _groups_by_org(first.stdout)
    assert set(groups) == {"acme", "globex"}
    assert "~ Boston" in groups["acme"] and "~ Boston" not in groups["globex"]
    assert "~ Madrid" in groups["globex"] and "~ Madrid" not in groups["acme"]
    lines = first.stdout.splitlines()
    assert any(line.startswith("acme ") and "to change" in line for line in lines)
    assert any(line.startswith("globex ") and "to change" in line for line in lines)
    assert "All orgs: 2 orgs, 2 with changes, 0 failed." in first.stdout
    applied = wxc("apply", "--sandbox", "--org", "acme,glob*", cwd=repo)
    assert applied.returncode == 0, applied.stderr
    again = wxc("plan", "--sandbox", "--detailed-exitcode", cwd=repo)
    assert again.returncode == 0, again.stdout
    assert "All orgs: 2 orgs, 0 with changes, 0 failed." in again.stdout


def _groups_by_org(stdout: str) -> dict[str, str]:
    """Each org's group of lines in a project's text output, by key (the totals cut off the last)."""
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.splitlines():
        if line.startswith("━━ org "):
            current = groups.setdefault(line.split()[2], [])
        elif line.startswith("All orgs:") or (current is not None and line.split()[:1] == ["acme"]):
            current = None
        elif current is not None:
            current.append(line)
    return {key: "\n".join(text) for key, text in groups.items()}
