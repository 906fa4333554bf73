"""`wxc-reconcile matrix`: the GitHub Actions matrix of the orgs to plan, apply or check for drift.

It prints one line of JSON for `$GITHUB_OUTPUT`, `{"include": [{"key": ..., "orgs": ...}, ...]}`: a job
per entry acts in the comma-separated `orgs`, and names its artifacts and its apply lock by `key`.

GitHub runs at most 256 jobs of one matrix. A project with more orgs is packed into at most 256 batches,
each job acting in its orgs in one process. A batch is the orgs whose stable hash of the key falls in it,
never a slice of the run's selection: so an org is in the same batch in every run, and the apply lock
keyed by the batch never lets two applies of one org overlap. For the same reason a batch acts in all
of its orgs, changed or not (a later run of the batch always includes what an earlier, queued one had,
so GitHub's replacing of a queued run by the next one loses nothing); it plans those unchanged ones as
no-ops. Whether a project is packed depends on its number of orgs, never on the selection.

Without a project file it prints one entry with empty `orgs`: the workflow then acts on its `paths`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from reconciler.changed import ChangeError, changed_orgs
from reconciler.cli.common import EXIT_INVALID, EXIT_OK, err, handles_user_errors
from reconciler.desired.loader import load_file
from reconciler.desired.model import InvalidInput
from reconciler.project import OrgEntry, Project, find_project, load_project

MAX_JOBS = 256  # GitHub's limit on the jobs one matrix makes
SINGLE_ORG_KEY = "default"  # the entry of a repo without a project file

Entry = dict[str, str]


def stable_hash(text: str) -> int:
    """The same number in every process and on every machine (Python's own hash() is salted per run)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def in_slot(key: str, slot: int, slots: int) -> bool:
    # Salted apart from the batches' hash, so that a slot spreads over every batch instead of a few.
    return stable_hash(f"slot:{key}") % slots == slot


def batch_count(total: int, batch_size: int) -> int:
    """How many jobs a project of `total` orgs takes, about `batch_size` orgs each; at most MAX_JOBS."""
    return max(1, min(MAX_JOBS, math.ceil(total / batch_size)))


def entries(project: Project, keys: Sequence[str], batch_size: int) -> list[Entry]:
    """The matrix entries for the selected `keys`: one per org, or one per batch that holds any."""
    batches = batch_count(len(project.orgs), batch_size)
    if batch_size == 1 and batches == len(project.orgs):
        return [{"key": key, "orgs": key} for key in keys]
    selected = set(keys)
    members: dict[int, list[str]] = {}
    for key in project.keys:  # the file's order within a batch
        members.setdefault(stable_hash(key) % batches, []).append(key)
    width = len(str(batches - 1))
    return [
        {"key": f"batch-{index:0{width}d}", "orgs": ",".join(members[index])}
        for index in sorted(members)
        if selected.intersection(members[index])
    ]


def parse_slot(text: str) -> tuple[int, int]:
    index, sep, count = text.partition("/")
    if not (sep and index.isdigit() and count.isdigit() and 0 <= int(index) < int(count)):
        raise click.BadParameter(f"{text!r} is not I/N with 0 <= I < N, such as 3/24", param_hint="--slot")
    return int(index), int(count)


@click.command()
@click.option(
    "--project",
    "project_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The project file (default: ./wxc-reconcile.yaml; without one, a single entry for PATHS).",
)
@click.option(
    "--changed-since", "ref", metavar="REF", help="Only the orgs a change since this commit touches."
)
@click.option("--org", "patterns", multiple=True, metavar="KEY", help="Only these orgs (globs, repeatable).")
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="About this many orgs per job; raised so that no more than 256 jobs are made.",
)
@click.option("--slot", metavar="I/N", help="Only the orgs whose stable hash of the key modulo N is I.")
@handles_user_errors
def matrix(
    project_file: Path | None, ref: str | None, patterns: tuple[str, ...], batch_size: int, slot: str | None
) -> int:
    """Print the GitHub Actions matrix (one line of JSON) of the orgs to act in."""
    slots = parse_slot(slot) if slot else None
    path = str(project_file) if project_file else find_project()
    if path is None:
        if patterns:
            err.print("error: --org needs a project file (wxc-reconcile.yaml); none is here", markup=False)
            return EXIT_INVALID
        return _print([{"key": SINGLE_ORG_KEY, "orgs": ""}])
    project = load_project(path)
    keys = [org.key for org in _patterns_split(project, patterns)]
    if ref is not None:
        try:
            keys = changed_orgs(path, _plain(path), [o for o in project.orgs if o.key in keys], ref)
        except ChangeError as exc:
            err.print(f"error: {exc}", soft_wrap=True, markup=False)
            return EXIT_INVALID
    if slots is not None:
        keys = [key for key in keys if in_slot(key, *slots)]
    result = entries(project, keys, batch_size)
    err.print(f"{len(keys)} of {len(project.orgs)} orgs selected, in {len(result)} job(s).", markup=False)
    return _print(result)


def _patterns_split(project: Project, patterns: Sequence[str]) -> list[OrgEntry]:
    # `--org "a,b"` is one way a workflow passes a list; the same as `--org a --org b`.
    return project.select([p for given in patterns for p in given.split(",") if p])


def _plain(path: str) -> dict[str, Any]:
    document, errors = load_file(path)
    if document is None:  # load_project read it a moment ago; only a file changed under us lands here
        raise InvalidInput(errors)
    return document.plain


def _print(result: list[Entry]) -> int:
    click.echo(json.dumps({"include": result}, separators=(",", ":")))
    return EXIT_OK
