"""Saved plans: what `plan --out` writes and `apply --plan` reads, and the checks that refuse a plan
that no longer fits (another org or base URL, another format version, other desired-state files).

A saved plan holds the steps with, for each, the live values it was computed from (`Step.basis`) and
their fingerprint, so `apply --plan` can re-read exactly those endpoints and say what changed. It never
holds the token.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.diff import changed_since
from reconciler.plan import Plan, Step
from reconciler.render.text import STEP_TITLES, show_value

KIND = "wxc-reconcile-plan"
FILE_FORMAT_VERSION = 1


class PlanFileError(Exception):
    """The file is not a usable saved plan (unreadable, not ours, edited by hand): invalid input."""


class StalePlan(Exception):
    """The saved plan no longer fits the org or the desired state; every reason is listed."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


@dataclass(frozen=True)
class Target:
    """Which org a plan was made against; `org_id` None means the token's own org."""

    base_url: str
    org_id: str | None


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    target: Target
    desired_files: Mapping[str, str]  # path as given -> sha256 of its content
    tool_version: str
    created_at: str


def fingerprint(values: Mapping[str, Any]) -> str:
    """A stable digest of a step's basis: canonical JSON, sorted keys."""
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def file_digests(files: Iterable[str]) -> dict[str, str]:
    return {path: "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in files}


def save(plan: Plan, target: Target, desired_files: Sequence[str], tool_version: str) -> SavedPlan:
    return SavedPlan(
        plan,
        target,
        file_digests(desired_files),
        tool_version,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )


def to_json(saved: SavedPlan) -> str:
    digests = saved.desired_files
    document = {
        "kind": KIND,
        "formatVersion": FILE_FORMAT_VERSION,
        "toolVersion": saved.tool_version,
        "createdAt": saved.created_at,
        "target": {"baseUrl": saved.target.base_url, "orgId": saved.target.org_id},
        "desired": {
            "fingerprint": fingerprint(dict(digests)),
            "files": [{"path": path, "sha256": digest} for path, digest in digests.items()],
        },
        "currentState": [_state_entry(step) for step in saved.plan.steps],
        "plan": saved.plan.to_dict(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _state_entry(step: Step) -> dict[str, Any]:
    return {
        "location": step.location,
        "locationId": step.location_id,
        "endpoint": step.kind,
        "fingerprint": fingerprint(step.basis),
    }


def from_json(text: str, source: str) -> SavedPlan:
    """Read a saved plan; PlanFileError when it isn't one, StalePlan when its format is another one."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PlanFileError(f"{source}: not a saved plan (not JSON: {exc})") from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise PlanFileError(f"{source}: not a saved plan (write one with `wxc-reconcile plan --out FILE`)")
    version = document.get("formatVersion")
    if version != FILE_FORMAT_VERSION:
        writer = f"wxc-reconcile {document.get('toolVersion')}"
        raise StalePlan(
            [
                f"{source} has plan format {version} (written by {writer}); "
                f"this wxc-reconcile reads format {FILE_FORMAT_VERSION}: plan again"
            ]
        )
    try:
        saved = _parse(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanFileError(f"{source}: damaged saved plan ({type(exc).__name__}: {exc})") from None
    _check_untouched(document, saved.plan, source)
    return saved


def _parse(document: Mapping[str, Any]) -> SavedPlan:
    target = document["target"]
    files = {str(f["path"]): str(f["sha256"]) for f in document["desired"]["files"]}
    return SavedPlan(
        plan=Plan.from_dict(document["plan"]),
        target=Target(str(target["baseUrl"]), target.get("orgId")),
        desired_files=files,
        tool_version=str(document.get("toolVersion")),
        created_at=str(document.get("createdAt")),
    )


def _check_untouched(document: Mapping[str, Any], plan: Plan, source: str) -> None:
    """The recorded fingerprints must match the steps: a hand-edited plan is not the plan reviewed."""
    recorded = [entry.get("fingerprint") for entry in document.get("currentState") or ()]
    if recorded != [fingerprint(step.basis) for step in plan.steps]:
        raise PlanFileError(f"{source}: the steps do not match their recorded fingerprints (edited by hand?)")


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


def check_current(plan: Plan, now: Sequence[Mapping[str, Any] | None]) -> list[str]:
    """What changed in the org since the plan was made, for each step's endpoint (`now` in step order)."""
    reasons: list[str] = []
    for step, live in zip(plan.steps, now, strict=True):
        where = f"{step.location} {STEP_TITLES[step.kind]}"
        if live is None:
            reasons.append(f"{where}: the location no longer exists (404)")
            continue
        for change in changed_since(step.basis, live):
            reasons.append(
                f"{where}: {change.field} was {show_value(change.before)} when planned, "
                f"is {show_value(change.after)} now"
            )
    return reasons
