"""Routing-prefix jobs: wait for one to end, say how it ended, and wait out another one's.

A details PUT that changes `routingPrefix` starts an organization-wide job; only one may run at a time,
so `apply` runs such steps one after another and waits for each job. Nothing here waits forever: every
wait has a deadline, and running out of it is reported as such.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

FINAL_STATUSES = ("COMPLETED", "FAILED")
# The only exit code that means success: FAILED, STOPPED, COMPLETED_WITH_ERRORS, UNKNOWN, a code the
# reference does not list, or none at all is a failed job.
SUCCESS_EXIT_CODE = "COMPLETED"
TIMED_OUT = "TIMED_OUT"


class JobReader(Protocol):
    """The two job endpoints (CallingApi has them)."""

    async def get_routing_prefix_job(self, job_id: str) -> dict[str, Any]: ...

    async def list_routing_prefix_job_errors(self, job_id: str) -> list[dict[str, Any]]: ...


StatusCallback = Callable[[str, str], None]  # (job id, latest status), e.g. for progress on a terminal


@dataclass(frozen=True)
class JobPolling:
    first_interval: float = 0.25
    max_interval: float = 5.0
    deadline: float = 900.0  # seconds per job, and for waiting out another job (409)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    on_status: StatusCallback | None = None

    def intervals(self) -> Intervals:
        return Intervals(self)


class Intervals:
    """Growing waits until the deadline: `await wait()` is False once the next wait would pass it."""

    def __init__(self, polling: JobPolling) -> None:
        self.polling = polling
        self.give_up = polling.clock() + polling.deadline
        self.next = polling.first_interval

    async def wait(self) -> bool:
        if self.polling.clock() + self.next > self.give_up:
            return False
        await self.polling.sleep(self.next)
        self.next = min(self.next * 2, self.polling.max_interval)
        return True


@dataclass(frozen=True)
class JobOutcome:
    job_id: str
    status: str  # latestExecutionStatus, or TIMED_OUT when the deadline passed
    exit_code: str | None = None
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def succeeded(self) -> bool:
        return self.status == "COMPLETED" and self.exit_code == SUCCESS_EXIT_CODE

    def failure(self) -> str:
        """Why the job counts as failed, naming its status and exit code."""
        if self.status == TIMED_OUT:
            return f"routing-prefix job {self.job_id} had not ended when the wait ran out ({TIMED_OUT})"
        code = f"exit code {self.exit_code}" if self.exit_code else "no exit code"
        return (
            f"routing-prefix job {self.job_id} ended {self.status} with {code} "
            f"(only exit code {SUCCESS_EXIT_CODE} is success)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.job_id,
            "status": self.status,
            "exitCode": self.exit_code,
            "errors": list(self.errors),
        }


def not_started(failure_reason: str, old_prefix: Any, new_prefix: Any) -> str:
    """A 206 in plain words: what the API said, the state it leaves the org in, and what to do.

    The location PUT answered 206 has saved the new prefix (GET shows it at once) but started no
    org-wide job, so a plan made now sees nothing left to change there.
    """
    old = f'the old prefix "{old_prefix}"' if old_prefix else "no prefix"
    return (
        f'routing-prefix job not started: {failure_reason}. The new routing prefix "{new_prefix}" is saved, '
        f"but the org-wide job that moves existing numbers to it did not start, so they still route with "
        f"{old}. Start the routing-prefix update for this location in Control Hub: another apply will "
        "not send the prefix again, because the location already shows it"
    )


async def wait_for_job(
    api: JobReader,
    job_id: str,
    polling: JobPolling = JobPolling(),
    location_names: Mapping[str, str] | None = None,
) -> JobOutcome:
    """Poll the job until it ends (or the deadline passes); a failed job comes with its errors,
    each naming its location (by name when `location_names` knows the ID)."""
    intervals = polling.intervals()
    while True:
        job = await api.get_routing_prefix_job(job_id)
        status = str(job.get("latestExecutionStatus") or "UNKNOWN")
        exit_code = job.get("latestExecutionExitCode")
        if polling.on_status:
            polling.on_status(job_id, status)
        if status in FINAL_STATUSES:
            outcome = JobOutcome(job_id, status, str(exit_code) if exit_code else None)
            if outcome.succeeded:
                return outcome
            errors = await api.list_routing_prefix_job_errors(job_id)
            described = tuple(describe_error(e, location_names or {}) for e in errors)
            return JobOutcome(job_id, status, outcome.exit_code, described)
        if not await intervals.wait():
            return JobOutcome(job_id, TIMED_OUT, None, (f"still {status} after {polling.deadline:.0f}s",))


def describe_error(item: Mapping[str, Any], location_names: Mapping[str, str]) -> str:
    """One job error as people read it: what, which code, which location, and the trackingId."""
    error = item.get("error") or {}
    messages = error.get("message") if isinstance(error, Mapping) else None
    parts = []
    for message in messages if isinstance(messages, list) else ():
        if not isinstance(message, Mapping):
            continue
        # The documented examples send null codes and location IDs: say only what is known.
        location, code = message.get("locationId"), message.get("code")
        where = f"{location_names.get(location, location)}: " if isinstance(location, str) else ""
        what = f" (code {code})" if code is not None else ""
        parts.append(f"{where}{message.get('description', '')}{what}")
    key = error.get("key") if isinstance(error, Mapping) else None
    text = "; ".join(parts) or str(key or "unknown error")
    tracking = item.get("trackingId")
    return f"{text} [trackingId {tracking}]" if tracking else text
