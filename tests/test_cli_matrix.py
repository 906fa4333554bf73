"""`wxc-reconcile matrix`: which orgs a change touches (real git repositories), batches and drift slots."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from reconciler.changed import ChangeError, changed_orgs
from reconciler.cli.matrix import MAX_JOBS, entries, in_slot, stable_hash
from reconciler.desired.loader import load_file
from reconciler.project import Project, load_project
from tests.clirun import wxc

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is needed for --changed-since")


def project_yaml(orgs: dict[str, list[str]]) -> str:
    lines = ["version: 1", "defaults:", "  announcementLanguage: en_us", "orgs:"]
    for key, paths in orgs.items():
        lines += [f"  {key}:", f"    orgId: id-{key}", f"    paths: [{', '.join(paths)}]"]
    return "\n".join(lines) + "\n"


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
    }
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config repo of three orgs (acme and globex by directory, initech by file), committed once."""
    for org in ("acme", "globex"):
        write(tmp_path / "orgs" / org / "sites.yaml", f"version: 1\nlocations: []  # {org}\n")
    write(tmp_path / "initech.yaml", "version: 1\nlocations: []\n")
    write(
        tmp_path / "wxc-reconcile.yaml",
        project_yaml({"acme": ["orgs/acme"], "globex": ["orgs/globex"], "initech": ["initech.yaml"]}),
    )
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def changed(ref: str = "main") -> list[str]:
    project = load_project("wxc-reconcile.yaml")
    document, _ = load_file("wxc-reconcile.yaml")
    assert document is not None
    return changed_orgs(project.path, document.plain, project.orgs, ref)


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


# --- which orgs a change touches ---------------------------------------------------------------------


@needs_git
def test_nothing_changed_is_no_org(repo: Path) -> None:
    assert changed() == []


@needs_git
def test_a_changed_file_touches_its_org_only(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    write(repo / "orgs" / "globex" / "sites.yaml", "version: 1\nlocations: [] # edited\n")
    commit(repo)
    assert changed(base) == ["globex"]
    write(repo / "initech.yaml", "version: 1\nlocations: [] # edited, not committed\n")
    assert changed(base) == ["globex", "initech"]  # the work tree is what is compared


@needs_git
def test_a_new_file_and_an_untracked_one_touch_their_orgs(repo: Path) -> None:
    write(repo / "orgs" / "acme" / "more" / "paris.yaml", "version: 1\nlocations: []\n")
    assert changed() == ["acme"]  # untracked
    commit(repo)
    assert changed("HEAD~1") == ["acme"]


@needs_git
def test_a_deleted_file_touches_its_org(repo: Path) -> None:
    write(repo / "orgs" / "acme" / "old.yaml", "version: 1\nlocations: []\n")
    commit(repo, "add old")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "orgs" / "acme" / "old.yaml").unlink()
    commit(repo, "drop old")
    assert changed(base) == ["acme"]


@needs_git
def test_a_file_moved_from_one_org_to_another_touches_both(repo: Path) -> None:
    write(repo / "orgs" / "acme" / "keep.yaml", "version: 1\nlocations: []\n")  # acme keeps a file
    commit(repo, "two files")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "orgs/acme/sites.yaml", "orgs/globex/from-acme.yaml")
    commit(repo, "move")
    assert changed(base) == ["acme", "globex"]


@needs_git
def test_a_file_outside_every_org_touches_none(repo: Path) -> None:
    write(repo / "README.md", "notes\n")
    write(repo / "orgs" / "acme-old" / "x.yaml", "a sibling directory whose name starts like acme's\n")
    commit(repo)
    assert changed("HEAD~1") == []


@needs_git
def test_a_changed_project_entry_touches_that_org(repo: Path) -> None:
    text = (repo / "wxc-reconcile.yaml").read_text(encoding="utf-8")
    write(
        repo / "wxc-reconcile.yaml",
        text.replace("orgId: id-globex", "orgId: id-globex-eu"),
    )
    commit(repo)
    assert changed("HEAD~1") == ["globex"]


@needs_git
def test_a_new_org_in_the_project_is_touched_and_a_removed_one_is_not_an_error(repo: Path) -> None:
    write(repo / "orgs" / "hooli" / "a.yaml", "version: 1\nlocations: []\n")
    write(
        repo / "wxc-reconcile.yaml",
        project_yaml({"acme": ["orgs/acme"], "globex": ["orgs/globex"], "hooli": ["orgs/hooli"]}),
    )
    commit(repo)
    assert changed("HEAD~1") == ["hooli"]  # initech is gone: nothing to plan for it


@needs_git
@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("announcementLanguage: en_us", "announcementLanguage: fr_fr"),
        lambda t: t.replace("orgs:", "credentials:\n  accessToken: PARTNER_TOKEN\norgs:"),
    ],
    ids=["defaults", "credentials"],
)
def test_a_change_to_the_shared_parts_touches_every_org(repo: Path, edit: object) -> None:
    assert callable(edit)
    path = repo / "wxc-reconcile.yaml"
    write(path, edit(path.read_text(encoding="utf-8")))
    commit(repo)
    assert changed("HEAD~1") == ["acme", "globex", "initech"]


@needs_git
def test_a_project_file_new_since_ref_touches_every_org(repo: Path) -> None:
    git(repo, "mv", "wxc-reconcile.yaml", "moved.yaml")
    commit(repo, "no project yet")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "moved.yaml", "wxc-reconcile.yaml")
    commit(repo, "the project file")
    assert changed(base) == ["acme", "globex", "initech"]


@needs_git
def test_an_old_project_file_that_does_not_parse_touches_every_org(repo: Path) -> None:
    good = (repo / "wxc-reconcile.yaml").read_text(encoding="utf-8")
    write(repo / "wxc-reconcile.yaml", "orgs: [unclosed\n")
    commit(repo, "broken")
    base = git(repo, "rev-parse", "HEAD")
    write(repo / "wxc-reconcile.yaml", good)
    commit(repo, "fixed")
    assert changed(base) == ["acme", "globex", "initech"]


@needs_git
@pytest.mark.parametrize("ref", ["no-such-branch", "0" * 40, "--output=x", ""])
def test_an_unknown_ref_is_a_clear_error(repo: Path, ref: str) -> None:
    with pytest.raises(ChangeError, match="changed-since"):
        changed(ref)


@needs_git
def test_cli_lists_the_changed_orgs_and_refuses_an_unknown_ref(repo: Path) -> None:
    write(repo / "initech.yaml", "version: 1\nlocations: [] # edited\n")
    commit(repo)
    result = wxc("matrix", "--changed-since", "HEAD~1", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"include": [{"key": "initech", "orgs": "initech"}]}
    assert len(result.stdout.splitlines()) == 1  # one line for $GITHUB_OUTPUT

    bad = wxc("matrix", "--changed-since", "v9.9.9", cwd=repo)
    assert bad.returncode == 3
    assert "v9.9.9" in bad.stderr
    assert "no such commit" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert bad.stdout == ""


def test_cli_outside_a_git_repository_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.yaml", "version: 1\nlocations: []\n")
    write(tmp_path / "wxc-reconcile.yaml", project_yaml({"acme": ["a"]}))
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    result = wxc("matrix", "--changed-since", "main", cwd=tmp_path, env=env)
    assert result.returncode == 3
    assert "not a git repository" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_without_git_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.yaml", "version: 1\nlocations: []\n")
    write(tmp_path / "wxc-reconcile.yaml", project_yaml({"acme": ["a"]}))
    result = wxc("matrix", "--changed-since", "main", cwd=tmp_path, env={"PATH": str(tmp_path / "empty")})
    assert result.returncode == 3
    assert "needs git" in result.stderr
    assert "Traceback" not in result.stderr


# --- selection without git ---------------------------------------------------------------------------


def test_cli_without_a_project_file_prints_one_entry_for_the_workflows_paths(tmp_path: Path) -> None:
    result = wxc("matrix", "--changed-since", "whatever", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"include": [{"key": "default", "orgs": ""}]}
    refused = wxc("matrix", "--org", "acme", cwd=tmp_path)
    assert refused.returncode == 3
    assert "--org needs a project file" in refused.stderr


def test_cli_selects_orgs_by_glob_and_comma_list(tmp_path: Path) -> None:
    for key in ("acme", "acme-eu", "globex"):
        write(tmp_path / key / "x.yaml", "version: 1\nlocations: []\n")
    write(tmp_path / "wxc-reconcile.yaml", project_yaml({k: [k] for k in ("acme", "acme-eu", "globex")}))
    result = wxc("matrix", "--org", "acme*", cwd=tmp_path)
    assert [e["key"] for e in json.loads(result.stdout)["include"]] == ["acme", "acme-eu"]
    result = wxc("matrix", "--org", "globex,acme", cwd=tmp_path)
    assert [e["key"] for e in json.loads(result.stdout)["include"]] == ["acme", "globex"]
    typo = wxc("matrix", "--org", "acne", cwd=tmp_path)
    assert typo.returncode == 3
    assert "names no org" in typo.stderr


def test_cli_empty_selection_is_an_empty_matrix(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.yaml", "version: 1\nlocations: []\n")
    write(tmp_path / "wxc-reconcile.yaml", project_yaml({"acme": ["a"]}))
    slot = next(f"{i}/7" for i in range(7) if not in_slot("acme", i, 7))
    result = wxc("matrix", "--slot", slot, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"include": []}


@pytest.mark.parametrize("slot", ["3", "3/3", "-1/4", "a/b", "1/0"])
def test_cli_refuses_a_bad_slot(tmp_path: Path, slot: str) -> None:
    result = wxc("matrix", "--slot", slot, cwd=tmp_path)
    assert result.returncode == 3
    assert "--slot" in result.stderr


def test_cli_refuses_an_invalid_project_file_naming_its_line(tmp_path: Path) -> None:
    write(tmp_path / "wxc-reconcile.yaml", "version: 1\norgs:\n  Bad Key:\n    paths: [x]\n")
    result = wxc("matrix", cwd=tmp_path)
    assert result.returncode == 3
    assert "wxc-reconcile.yaml:3" in result.stderr
    assert "Traceback" not in result.stderr


# --- batches over GitHub's job limit -------------------------------------------------------------------


def many(n: int) -> Project:
    from reconciler.project import OrgEntry

    orgs = tuple(OrgEntry(key=f"org-{i:04d}", org_id=None, paths=(), credentials={}) for i in range(n))
    return Project("wxc-reconcile.yaml", orgs)


def test_up_to_256_orgs_get_a_job_each() -> None:
    project = many(MAX_JOBS)
    result = entries(project, project.keys, 1)
    assert result == [{"key": k, "orgs": k} for k in project.keys]


@pytest.mark.parametrize("n", [257, 1000, 5000])
def test_over_256_orgs_are_packed_into_at_most_256_batches_covering_each_org_once(n: int) -> None:
    project = many(n)
    result = entries(project, project.keys, 1)
    assert len(result) <= MAX_JOBS
    assert len({e["key"] for e in result}) == len(result)
    packed = Counter(org for e in result for org in e["orgs"].split(","))
    assert sorted(packed) == project.keys
    assert set(packed.values()) == {1}
    assert all(e["key"].startswith("batch-") for e in result)


def test_an_orgs_batch_is_the_same_whatever_else_is_selected() -> None:
    # The apply lock is keyed by the batch: a batch must never depend on the run's selection.
    project = many(600)
    everything = {e["key"]: e["orgs"] for e in entries(project, project.keys, 1)}
    some = entries(project, ["org-0007", "org-0420"], 1)
    assert 1 <= len(some) <= 2
    for entry in some:
        assert everything[entry["key"]] == entry["orgs"]  # the whole batch, changed or not
    assert {"org-0007", "org-0420"} <= {o for e in some for o in e["orgs"].split(",")}


def test_batch_size_packs_even_a_small_project() -> None:
    project = many(40)
    result = entries(project, project.keys, 10)
    assert len(result) <= 4
    assert sorted(o for e in result for o in e["orgs"].split(",")) == project.keys


# --- drift slots ---------------------------------------------------------------------------------------


def test_each_org_is_in_exactly_one_slot() -> None:
    keys = many(500).keys
    for slots in (1, 4, 24):
        hits = Counter(key for key in keys for slot in range(slots) if in_slot(key, slot, slots))
        assert set(hits.values()) == {1}
        assert set(hits) == set(keys)
    per_slot = Counter(slot for key in keys for slot in range(24) if in_slot(key, slot, 24))
    assert len(per_slot) == 24  # every slot gets some orgs: the spread is real


def test_the_hash_is_stable_across_processes() -> None:
    # sha256, not Python's hash(), which is salted per process.
    assert stable_hash("acme") == int(hashlib.sha256(b"acme").hexdigest()[:16], 16)
    code = "from reconciler.cli.matrix import stable_hash; print(stable_hash('acme'))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert runs == {f"{stable_hash('acme')}\n"}
