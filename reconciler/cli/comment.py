"""`wxc-reconcile comment`: the one PR comment of a fanned-out plan, from each matrix job's section.

The plan workflow's last job runs it on the sections its matrix jobs uploaded (an `exitcode` and a
`plan.md` in `DIR/wxc-reconcile-section-KEY/`). Those are CI artifacts, written by jobs the pull request
steers, so nothing in them is trusted: the keys come from the matrix the run was made from, an exit code
is a small number or the section counts as failed, a plan larger than a comment is not shown, and the
text is shown as the org's section, never as the comment's marker or title (render/sections.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from reconciler.cli.common import EXIT_INVALID, EXIT_OK, err
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, _code
from reconciler.render.sections import WHERE, OrgSection, compose

SECTION_ARTIFACT = "wxc-reconcile-section-"
# Org keys, batch keys and the single-org key alike; nothing else may become a path below DIR.
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_RUN_URL = re.compile(r"https://[A-Za-z0-9.-]+(:\d+)?/[A-Za-z0-9._~/-]*")


def read_section(directory: Path, key: str) -> tuple[OrgSection, int]:
    """The section of the job keyed `key` and its exit code; a missing or unreadable one is a failed
    section (exit code 1) saying so."""
    where = directory / f"{SECTION_ARTIFACT}{key}"
    code = (_read(where / "exitcode", 8) or "").strip()
    markdown = _read(where / "plan.md", GITHUB_COMMENT_LIMIT + 1) or ""
    if not code.isdigit():
        return OrgSection(
            key, False, True, "No plan: the job ended before planning (cancelled, or it failed to start)."
        ), 1
    exit_code = int(code)
    failed = exit_code not in (0, 2)
    if len(markdown) > GITHUB_COMMENT_LIMIT:
        markdown = "The plan is too large for a comment: see the job summary."
    elif failed and not markdown.strip():
        markdown = f"{_code('wxc-reconcile plan')} exited {exit_code}: see the job's log and annotations."
    return OrgSection(key, exit_code == 2, failed, markdown), exit_code


def _read(path: Path, limit: int) -> str | None:
    if path.is_symlink() or not path.is_file():
        return None
    try:
        with path.open("rb") as file:
            return file.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return None


def severest(codes: list[int]) -> int:
    """The run's exit code: a failure over changes over none (the highest of the failures' codes)."""
    failures = [code for code in codes if code not in (0, 2)]
    return max(failures) if failures else 2 if 2 in codes else 0


@click.command()
@click.option(
    "--matrix", "matrix_json", required=True, help="The matrix (JSON) the run's plan jobs came from."
)
@click.option("--run-url", help="The workflow run, linked in the note on orgs left out.")
@click.option(
    "--outputs",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append has-changes=… and exitcode=… here (a workflow's $GITHUB_OUTPUT).",
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def comment(matrix_json: str, run_url: str | None, outputs: Path | None, directory: Path) -> int:
    """Print one PR comment composed of the plan sections below DIRECTORY, one per matrix entry."""
    keys = _keys(matrix_json)
    if keys is None:
        err.print('error: --matrix is not a matrix: expected {"include": [{"key": ...}, ...]}', markup=False)
        return EXIT_INVALID
    read = [read_section(directory, key) for key in keys]
    sections = [section for section, _ in read]
    where = WHERE
    if run_url and _RUN_URL.fullmatch(run_url):
        where = f"the job summaries and plan artifacts of [this workflow run]({run_url})"
    click.echo(compose(sections, where=where))
    if outputs is not None:
        codes = [code for _, code in read]
        has_changes = "true" if 2 in codes else "false"
        with outputs.open("a", encoding="utf-8") as file:
            file.write(f"has-changes={has_changes}\nexitcode={severest(codes)}\n")
    return EXIT_OK


def _keys(matrix_json: str) -> list[str] | None:
    try:
        include = json.loads(matrix_json)["include"]
        keys = [entry["key"] for entry in include]
    except (ValueError, TypeError, KeyError):
        return None
    if not all(isinstance(key, str) and _KEY.fullmatch(key) for key in keys):
        return None
    return list(dict.fromkeys(keys))
