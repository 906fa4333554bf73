"""Execute a plan: per location in order, locations concurrently, each step by its own resource.

Concurrency itself is bounded by the Webex client; here only the ordering rules live (what a step sends
and how it waits for a job is its resource's). A dry run goes through exactly the same path and stops
short of sending the PUT.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.jobs import JobOutcome, JobPolling
from reconciler.plan import Plan, Step
from reconciler.resources import resource_of
from reconciler.resources.base import ApplyContext, Outcome
from reconciler.webex.api import CallingApi
from reconciler.webex.errors import WebexError


@dataclass(frozen=True)
class StepResult:
    step: Step
    outcome: Outcome
    error: WebexError | None = None
    reason: str | None = None  # why a step failed without an HTTP error, or was skipped
    batch_job_id: str | None = None
    job: JobOutcome | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.step.location,
            "kind": self.step.kind,
            "method": self.step.method,
            "path": self.step.path,
            "outcome": self.outcome,
            "error": self.error.to_dict() if self.error else None,
            "reason": self.reason,
            "batchJobId": self.batch_job_id,
            "job": self.job.to_dict() if self.job else None,
        }


@dataclass(frozen=True)
class ApplyReport:
    results: tuple[StepResult, ...]
    dry_run: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def failed(self) -> bool:
        return any(r.outcome == "failed" for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dryRun": self.dry_run,
            "summary": {o: self.count(o) for o in ("applied", "failed", "skipped", "dry-run")},
            "results": [r.to_dict() for r in self.results],
        }


StepCallback = Callable[[StepResult], None]


async def apply_plan(
    api: CallingApi,
    plan: Plan,
    *,
    dry_run: bool = False,
    polling: JobPolling = JobPolling(),
    on_step: StepCallback | None = None,
) -> ApplyReport:
    """Run every step of `plan`; a location's failure never stops the others."""
    names = {step.location_id: step.location for step in plan.steps}
    runner = _Runner(api, dry_run, polling, on_step, names)
    by_location: dict[str, list[int]] = {}
    for index, step in enumerate(plan.steps):
        by_location.setdefault(step.location_id, []).append(index)
    results: list[StepResult | None] = [None] * len(plan.steps)
    await asyncio.gather(*(runner.location(plan.steps, indexes, results) for indexes in by_location.values()))
    return ApplyReport(tuple(r for r in results if r is not None), dry_run)


class _Runner:
    def __init__(
        self,
        api: CallingApi,
        dry_run: bool,
        polling: JobPolling,
        on_step: StepCallback | None,
        location_names: Mapping[str, str],
    ) -> None:
        self.dry_run = dry_run
        self.on_step = on_step
        self.context = ApplyContext(api, polling, location_names, job_slot=asyncio.Lock())

    async def location(
        self, steps: tuple[Step, ...], indexes: list[int], results: list[StepResult | None]
    ) -> None:
        failed: Step | None = None
        for index in indexes:
            step = steps[index]
            if failed is not None:
                result = StepResult(step, "skipped", reason=f"the {failed.kind} step of this location failed")
            else:
                result = await self.step(step)
                if result.outcome == "failed":
                    failed = step
            results[index] = result
            if self.on_step:
                self.on_step(result)

    async def step(self, step: Step) -> StepResult:
        if self.dry_run:
            return StepResult(step, "dry-run")
        try:
            done = await resource_of(step.kind).apply(self.context, step)
        except WebexError as error:
            return StepResult(step, "failed", error=error)
        return StepResult(
            step, done.outcome, reason=done.reason, batch_job_id=done.batch_job_id, job=done.job
        )
