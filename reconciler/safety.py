"""Pure: whether a plan changes too much to apply without `--force` (octoDNS-style thresholds).

The share of managed locations that would change is only judged from 10 managed locations up, where
a percentage means something; an absolute `--max-changes` applies at any size.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.plan import Plan

MIN_MANAGED_FOR_PCT = 10


@dataclass(frozen=True)
class Thresholds:
    max_changes_pct: float = 30.0
    max_changes: int | None = None


class UnsafePlan(Exception):
    """The plan exceeds a safety threshold; applying needs `--force`."""


def check(plan: Plan, thresholds: Thresholds) -> str | None:
    """Why the plan is unsafe to apply, or None when it is within the thresholds."""
    changed = len(plan.changed_locations)
    managed = changed + len(plan.unchanged)
    if thresholds.max_changes is not None and changed > thresholds.max_changes:
        return f"{changed} locations would change, more than --max-changes {thresholds.max_changes}"
    if managed >= MIN_MANAGED_FOR_PCT:
        share = 100.0 * changed / managed
        if share > thresholds.max_changes_pct:
            return (
                f"{changed} of {managed} managed locations ({share:.0f}%) would change, "
                f"more than --max-changes-pct {thresholds.max_changes_pct:g}%"
            )
    return None
