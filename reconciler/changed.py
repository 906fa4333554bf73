"""Which orgs of a project a change since a git commit touches: what `matrix --changed-since` plans.

An org is touched when a file below one of its paths differs between the commit and the work tree
(added, changed, deleted, or renamed from or to there: renames are read as a deletion and an addition,
so a file moved from one org to another touches both), or when its own entry in the project file
differs. When anything else in the project file differs (`version`, the shared `defaults` or
`credentials`), or the file is new since the commit, every org is touched: those parts reach them all.

The work tree, not HEAD, is compared, so a partner sees locally what a commit would plan; in CI the two
are the same. git itself is asked (never a parse of its files), with a bounded wait.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.desired.display import printable
from reconciler.desired.loader import load_file
from reconciler.project import OrgEntry

GIT_TIMEOUT = 120  # seconds; a diff of a config repo takes far less, but a hung git must not hang CI


class ChangeError(Exception):
    """The change since REF cannot be told: git missing, not a repository, an unknown REF."""


def changed_orgs(
    project_path: str, project_plain: Mapping[str, Any], orgs: Sequence[OrgEntry], ref: str
) -> list[str]:
    """The keys of `orgs` (in their order) that the change since `ref` touches."""
    if not ref or ref.startswith("-"):  # never an option to git
        raise ChangeError(f"--changed-since {printable(repr(ref), 80)} is not a commit")
    top = _git(["rev-parse", "--show-toplevel"], os.path.dirname(os.path.abspath(project_path))).strip()
    if _git_ok(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top) is None:
        raise ChangeError(
            f"--changed-since {printable(repr(ref), 80)}: no such commit in this clone "
            "(in GitHub Actions, check out with fetch-depth: 0 so the history is there)"
        )
    old = _old_project(top, project_path, ref)
    if old is None or _shared(old) != _shared(project_plain):
        return [org.key for org in orgs]
    old_orgs = old["orgs"]  # a mapping: _old_project says so
    new_orgs = project_plain["orgs"]
    files = _changed_files(top, ref)
    return [
        org.key
        for org in orgs
        if old_orgs.get(org.key) != new_orgs.get(org.key) or _touches(org.paths, files)
    ]


def _shared(plain: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in plain.items() if key != "orgs"}


def _old_project(top: str, project_path: str, ref: str) -> dict[str, Any] | None:
    """The project file as it was at `ref`, parsed; None when it was not there or is no mapping."""
    relative = os.path.relpath(os.path.realpath(project_path), os.path.realpath(top))
    spec = f"{ref}:{relative.replace(os.sep, '/')}"
    if _git_ok(["cat-file", "-e", spec], top) is None:
        return None
    text = _git(["cat-file", "blob", spec], top, raw=True)
    with tempfile.TemporaryDirectory() as scratch:  # read by the same guarded loader as every input
        path = os.path.join(scratch, os.path.basename(project_path))
        with open(path, "wb") as old:
            old.write(text)
        document, _ = load_file(path)
    if document is None or not isinstance(document.plain.get("orgs"), dict):
        return None
    return document.plain


def _changed_files(top: str, ref: str) -> set[str]:
    """Real paths of every file that differs from `ref`: tracked changes, deletions, untracked files."""
    diff = _git(["diff", "--name-only", "--no-renames", "--no-ext-diff", "-z", ref, "--"], top, raw=True)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top, raw=True)
    names = [os.fsdecode(name) for name in (diff + untracked).split(b"\0") if name]
    return {os.path.realpath(os.path.join(top, name)) for name in names}


def _touches(paths: Iterable[str], files: set[str]) -> bool:
    for path in paths:
        real = os.path.realpath(path)
        below = real.rstrip(os.sep) + os.sep
        if any(file == real or file.startswith(below) for file in files):
            return True
    return False


def _git(args: list[str], cwd: str, *, raw: bool = False) -> Any:
    """git's output (bytes when `raw`); ChangeError with git's own message when it fails."""
    result = _run(args, cwd)
    if result.returncode != 0:
        message = os.fsdecode(result.stderr).strip().splitlines()
        raise ChangeError(f"git {args[0]} failed: {printable(message[-1] if message else 'no message', 300)}")
    return result.stdout if raw else os.fsdecode(result.stdout)


def _git_ok(args: list[str], cwd: str) -> bytes | None:
    """git's output when it succeeds, None when it says no (exit 1 or 128 for a missing object)."""
    result = _run(args, cwd)
    return result.stdout if result.returncode == 0 else None


def _run(args: list[str], cwd: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise ChangeError("--changed-since needs git, which is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise ChangeError(f"git {args[0]} did not answer within {GIT_TIMEOUT} seconds") from None
    except OSError as error:
        raise ChangeError(f"cannot run git: {printable(str(error), 200)}") from None
