"""`wxc-reconcile comment`: the plan workflow's one comment, from sections that are CI artifacts."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.render.markdown import COMMENT_MARKER
from tests.clirun import wxc

MATRIX = json.dumps({"include": [{"key": k, "orgs": k} for k in ("acme", "globex", "initech", "hooli")]})


def section(root: Path, key: str, code: str | None, plan: str | None) -> None:
    where = root / f"wxc-reconcile-section-{key}"
    where.mkdir(parents=True)
    if code is not None:
        (where / "exitcode").write_text(code, encoding="utf-8")
    if plan is not None:
        (where / "plan.md").write_text(plan, encoding="utf-8")


def test_one_comment_from_every_section_with_the_runs_outputs(tmp_path: Path) -> None:
    sections = tmp_path / "sections"
    section(sections, "acme", "0\n", f"{COMMENT_MARKER}\n## wxc-reconcile plan\n\n**No changes.**\n")
    section(
        sections, "globex", "2\n", f"{COMMENT_MARKER}\n## wxc-reconcile plan\n\n**Plan:** 1 of 2 to change\n"
    )
    section(sections, "initech", "3\n", "")  # validation failed: no plan
    # hooli: no section at all (its job was cancelled or never started)
    outputs = tmp_path / "github_output"
    url = "https://github.com/OWNER/config/actions/runs/42"
    result = wxc("comment", "--matrix", MATRIX, "--run-url", url, "--outputs", str(outputs), str(sections))
    assert result.returncode == 0, result.stderr
    body = result.stdout
    assert body.startswith(COMMENT_MARKER)
    assert body.count(COMMENT_MARKER) == 1
    order = [key for key in ("initech", "hooli", "globex", "acme") if f"`{key}`" in body]
    assert order == ["initech", "hooli", "globex", "acme"]
    assert [body.index(f"## `{k}`") for k in order] == sorted(body.index(f"## `{k}`") for k in order)
    assert "exited 3" in body
    assert "ended before planning" in body
    assert outputs.read_text(encoding="utf-8") == "has-changes=true\nexitcode=3\n"


def test_a_forged_section_is_shown_as_data_only(tmp_path: Path) -> None:
    sections = tmp_path / "sections"
    section(sections, "acme", "2; rm -rf /", f"{COMMENT_MARKER}\n" + "x" * 70_000)
    (sections / "wxc-reconcile-section-globex").mkdir()
    (sections / "wxc-reconcile-section-globex" / "exitcode").symlink_to("/etc/hostname")
    outputs = tmp_path / "out"
    matrix = json.dumps({"include": [{"key": "acme"}, {"key": "globex"}]})
    result = wxc("comment", "--matrix", matrix, "--outputs", str(outputs), str(sections))
    assert result.returncode == 0, result.stderr
    assert "x" * 1000 not in result.stdout
    assert result.stdout.count(COMMENT_MARKER) == 1
    assert "**0 with changes, 2 failed, 0 without changes.**" in result.stdout
    assert outputs.read_text(encoding="utf-8") == "has-changes=false\nexitcode=1\n"


def test_a_matrix_naming_a_path_is_refused(tmp_path: Path) -> None:
    for bad in ('{"include": [{"key": "../../etc"}]}', "not json", '{"include": 3}'):
        result = wxc("comment", "--matrix", bad, str(tmp_path))
        assert result.returncode == 3, bad
        assert "--matrix is not a matrix" in result.stderr
        assert "Traceback" not in result.stderr


def test_an_untrusted_run_url_is_not_linked(tmp_path: Path) -> None:
    many = json.dumps({"include": [{"key": f"org-{i:03d}"} for i in range(200)]})
    for i in range(200):
        section(tmp_path, f"org-{i:03d}", "2", "y" * 1_000)
    linked = wxc(
        "comment", "--matrix", many, "--run-url", "https://github.com/o/r/actions/runs/1", str(tmp_path)
    )
    assert "[this workflow run](https://github.com/o/r/actions/runs/1)" in linked.stdout
    forged = wxc("comment", "--matrix", many, "--run-url", "javascript:alert(1)", str(tmp_path))
    assert "javascript" not in forged.stdout
    assert "not shown" in forged.stdout
