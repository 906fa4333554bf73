"""Saved plans: what `plan --out` writes and `apply --plan` reads, and the checks that refuse a plan
that no longer fits (another org or base URL, another format version, other desired-state files).

A saved plan holds the steps with, for each, the live values it was computed from (`Step.basis`) and
their fingerprint, and the digests of the desired-state files. It never holds the token. Whoever can
write the file can forge all of it, so nothing in it is ever sent: `apply --plan` plans afresh and
applies only when the fresh steps equal the saved ones (`verify`); what is recorded here serves to say,
in plain words, why a plan no longer fits. Reading it is strict and bounded: anything that is not
exactly a saved plan is a PlanFileError naming the file, never a crash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.desired.display import printable
from reconciler.plan import Plan, Step
from reconciler.selection import EVERYTHING, Selection
from reconciler.shape import Node, ShapeError, check_plain
from reconciler.target import Target

KIND = "wxc-reconcile-plan"
# A project's plan: one saved plan per org it was made for, each as a file of KIND would hold it.
KIND_ORGS = "wxc-reconcile-plans"
FILE_FORMAT_VERSION = 1
# Far more than a plan for the largest org (a few hundred bytes per step), far less than what would
# exhaust memory when parsed: no more of a file is read.
MAX_FILE_BYTES = 64 * 2**20
# A saved plan nests seven levels at most (the file, plan, steps, a step, changes, a change, a value),
# a project's two more (its orgs and one of them).
MAX_DEPTH = 18


class PlanFileError(Exception):
    """The file is not a usable saved plan (unreadable, not ours, edited by hand): invalid input."""


class StalePlan(Exception):
    """The saved plan no longer fits the org or the desired state; every reason is listed."""

    def __init__(self, reasons: Sequence[str], headline: str = "The saved plan is stale") -> None:
        self.reasons = list(reasons)
        self.headline = headline
        super().__init__("\n".join(self.reasons))


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    target: Target
    desired_files: Mapping[str, str]  # path as given -> sha256 of its content
    tool_version: str
    created_at: str
    org: str | None = None  # the project's key for the org; None: made without a project
    selection: Selection = EVERYTHING


def canonical(value: Any) -> str:
    """One spelling of a JSON value: sorted keys, no spaces; `1`, `1.0`, `true` and `"1"` all differ."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(values: Mapping[str, Any]) -> str:
    """A stable digest of a step's basis: its canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical(values).encode()).hexdigest()


def file_digests(files: Iterable[str]) -> dict[str, str]:
    return {path: "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in files}


def save(
    plan: Plan,
    target: Target,
    desired_files: Sequence[str],
    tool_version: str,
    org: str | None = None,
    selection: Selection = EVERYTHING,
) -> SavedPlan:
    return SavedPlan(
        plan,
        target,
        file_digests(desired_files),
        tool_version,
        datetime.now(UTC).isoformat(timespec="seconds"),
        org,
        selection,
    )


def to_json(saved: SavedPlan) -> str:
    return json.dumps(_document(saved), indent=2, ensure_ascii=False) + "\n"


def to_json_orgs(parts: Sequence[SavedPlan]) -> str:
    """A project's plan: each org's saved plan, in the order the orgs were planned."""
    document = {
        "kind": KIND_ORGS,
        "formatVersion": FILE_FORMAT_VERSION,
        "orgs": [_document(p) for p in parts],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _document(saved: SavedPlan) -> dict[str, Any]:
    digests = saved.desired_files
    return {
        "kind": KIND,
        "formatVersion": FILE_FORMAT_VERSION,
        "toolVersion": saved.tool_version,
        "createdAt": saved.created_at,
        "org": saved.org,
        "selection": saved.selection.to_dict(),
        "target": {"baseUrl": saved.target.base_url, "orgId": saved.target.org_id},
        "desired": {
            "fingerprint": fingerprint(dict(digests)),
            "files": [{"path": path, "sha256": digest} for path, digest in digests.items()],
        },
        "currentState": [_state_entry(step) for step in saved.plan.steps],
        "plan": saved.plan.to_dict(),
    }


def _state_entry(step: Step) -> dict[str, Any]:
    return {
        "location": step.location,
        "locationId": step.location_id,
        "endpoint": step.kind,
        "fingerprint": fingerprint(step.basis),
    }


def read(path: Path) -> SavedPlan:
    """Read a saved plan from a file the user named: bounded in size, checked in every part."""
    return from_json(_read_text(path), str(path))


def read_orgs(path: Path) -> list[SavedPlan]:
    """Read a project's saved plan (`plan --out` in a project): one saved plan per org."""
    return orgs_from_json(_read_text(path), str(path))


def _read_text(path: Path) -> str:
    source = str(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PlanFileError(f"{source}: cannot read the saved plan: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise PlanFileError(f"{source}: not a saved plan (larger than {MAX_FILE_BYTES // 2**20} MiB)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(f"{source}: not a saved plan (not UTF-8 at byte {exc.start})") from None


def from_json(text: str, source: str) -> SavedPlan:
    """Read a saved plan; PlanFileError when it isn't one, StalePlan when its format is another one."""
    root = _root(text, source, KIND)
    try:
        return _part(root, source)
    except ShapeError as exc:
        raise PlanFileError(f"{source}: damaged saved plan: {exc}") from None


def orgs_from_json(text: str, source: str) -> list[SavedPlan]:
    """Read a project's saved plan; the same refusals as `from_json`, and two parts for one org."""
    root = _root(text, source, KIND_ORGS)
    try:
        parts = [_part(node, source) for node in root["orgs"].items(non_empty=True)]
    except ShapeError as exc:
        raise PlanFileError(f"{source}: damaged saved plan: {exc}") from None
    keys = [part.org for part in parts]
    if None in keys or len(set(keys)) != len(keys):
        raise PlanFileError(f"{source}: damaged saved plan: each org's part must name a different org")
    return parts


def _root(text: str, source: str, kind: str) -> Node:
    try:
        document = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise PlanFileError(f"{source}: not a saved plan (nested too deeply)") from None
    except ValueError as exc:
        raise PlanFileError(f"{source}: not a saved plan (not JSON: {exc})") from None
    found = document.get("kind") if isinstance(document, dict) else None
    if found != kind and found in (KIND, KIND_ORGS):
        raise PlanFileError(
            f"{source} is the plan of a project's orgs: apply it in the project, without PATHS"
            if found == KIND_ORGS
            else f"{source} is the plan of one org made without a project: apply it with the PATHS it names"
        )
    if found != kind:
        raise PlanFileError(f"{source}: not a saved plan (write one with `wxc-reconcile plan --out FILE`)")
    try:
        check_plain(document, MAX_DEPTH)
        root = Node(document)
        _check_version(root, source)
    except ShapeError as exc:
        raise PlanFileError(f"{source}: damaged saved plan: {exc}") from None
    return root


def _part(node: Node, source: str) -> SavedPlan:
    if node.where:  # an org's part of a project's plan: a saved plan of its own
        if node["kind"].text() != KIND:
            raise ShapeError(f"{node.where}.kind is not {KIND!r}")
        _check_version(node, source)
    saved = _parse(node)
    _check_untouched(node, saved.plan, source)
    return saved


def _check_version(document: Node, source: str) -> None:
    version = document["formatVersion"].integer()
    if version != FILE_FORMAT_VERSION:
        writer = f"wxc-reconcile {printable(str(document.get('toolVersion').value))}"
        raise StalePlan(
            [
                f"{source} has plan format {version} (written by {writer}); "
                f"this wxc-reconcile reads format {FILE_FORMAT_VERSION}: plan again"
            ]
        )


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key, value in pairs:
        if key in members:
            # ASCII: the text is not checked yet, and may hold what no terminal should get
            raise ValueError(f"the key {json.dumps(key[:60])} appears twice in one object")
        members[key] = value
    return members


def _parse(document: Node) -> SavedPlan:
    target = document["target"]
    files = document["desired"]["files"].items()
    return SavedPlan(
        plan=Plan.from_dict(document["plan"].value, "plan"),
        target=Target(target["baseUrl"].text(), target.get("orgId").optional_text()),
        desired_files={f["path"].text(): f["sha256"].text() for f in files},
        tool_version=document.get("toolVersion").optional_text() or "unknown",
        created_at=document.get("createdAt").optional_text() or "unknown",
        org=document.get("org").optional_text(),
        selection=Selection.from_node(document["selection"])
        if document.get("selection").value
        else EVERYTHING,
    )


def _check_untouched(document: Node, plan: Plan, source: str) -> None:
    """The recorded fingerprints must match the steps: a hand-edited plan is not the plan reviewed."""
    recorded = [entry["fingerprint"].text() for entry in document["currentState"].items()]
    if recorded != [fingerprint(step.basis) for step in plan.steps]:
        raise PlanFileError(f"{source}: the steps do not match their recorded fingerprints (edited by hand?)")


def check_selection(saved: SavedPlan, selection: Selection, source: str) -> list[str]:
    """Why the plan can't be applied to these locations: a plan is applied for what it was made for."""
    if saved.selection == selection:
        return []
    return [f"{source} was made for {saved.selection}, not {selection}: apply it with the same selection"]


def check_target(saved: SavedPlan, target: Target, source: str) -> list[str]:
    """Why the plan can't be applied with these connection settings (empty when it can)."""
    reasons = []
    if saved.target.base_url != target.base_url:
        reasons.append(f"{source} was made against {saved.target.base_url}, not {target.base_url}")
    if saved.target.org_id != target.org_id:
        made, now = saved.target.org_id or "the token's own org", target.org_id or "the token's own org"
        reasons.append(f"{source} was made for org {made}, not {now}")
    return reasons


def check_desired(saved: SavedPlan, files: Sequence[str], source: str) -> list[str]:
    """Why the desired-state files differ from the ones the plan was made from (empty when they match)."""
    now = file_digests(files)
    planned = set(saved.desired_files.values())
    current = set(now.values())
    if planned == current:
        return []
    changed = sorted(path for path, digest in now.items() if digest not in planned)
    gone = sorted(path for path, digest in saved.desired_files.items() if digest not in current)
    parts = [f"changed or new: {', '.join(changed)}"] if changed else []
    parts += [f"no longer given as planned: {', '.join(gone)}"] if gone else []
    return [f"the desired-state files differ from the ones {source} was made from ({'; '.join(parts)})"]
