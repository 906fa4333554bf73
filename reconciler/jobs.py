"""Routing-prefix jobs: wait for one to end and say how it ended.

A details PUT that changes `routingPrefix` starts an organization-wide job; only one may run at a time,
so `apply` waits for each before starting the next.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

FINAL_STATUSES = ("COMPLETED", "FAILED")
FAILED_EXIT_CODES = ("FAILED", "COMPLETED_WITH_ERRORS", "STOPPED")


class JobReader(Protocol):
    """The two job endpoints (CallingApi has them)."""

    async def get_routing_prefix_job(self, job_id: str) -> dict[str, Any]: ...

    async def list_routing_prefix_job_errors(self, job_id: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class JobPolling:
    first_interval: float = 0.25
    max_interval: float = 5.0
    deadline: float = 900.0  # seconds; a job still running then is reported, never waited on forever
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class JobOutcome:
    job_id: str
    status: str  # latestExecutionStatus, or TIMED_OUT when the deadline passed
    exit_code: str | None = None
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def succeeded(self) -> bool:
        return self.status == "COMPLETED" and self.exit_code not in FAILED_EXIT_CODES

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.job_id,
            "status": self.status,
            "exitCode": self.exit_code,
            "errors": list(self.errors),
        }


async def wait_for_job(
    api: JobReader,
    job_id: str,
    polling: JobPolling = JobPolling(),
) -> JobOutcome:
    """Poll the job until it ends (or the deadline passes); a failed job comes with its errors."""
    give_up = polling.clock() + polling.deadline
    interval = polling.first_interval
    while True:
        job = await api.get_routing_prefix_job(job_id)
        status = str(job.get("latestExecutionStatus") or "UNKNOWN")
        exit_code = job.get("latestExecutionExitCode")
        if status in FINAL_STATUSES:
            outcome = JobOutcome(job_id, status, str(exit_code) if exit_code else None)
            if outcome.succeeded:
                return outcome
            errors = await api.list_routing_prefix_job_errors(job_id)
            return JobOutcome(job_id, status, outcome.exit_code, tuple(_describe(e) for e in errors))
        if polling.clock() + interval > give_up:
            return JobOutcome(job_id, "TIMED_OUT", None, (f"still {status} after {polling.deadline:.0f}s",))
        await polling.sleep(interval)
        interval = min(interval * 2, polling.max_interval)


def _describe(item: dict[str, Any]) -> str:
    error = item.get("error") or {}
    messages = error.get("message") or []
    parts = [
        f"{m.get('description', '')} (code {m.get('code')}, location {m.get('locationId')})"
        for m in messages
        if isinstance(m, dict)
    ]
    tracking = item.get("trackingId")
    text = "; ".join(parts) or str(error.get("key") or "unknown error")
    return f"{text} [trackingId {tracking}]" if tracking else text
