import asyncio
from typing import Any

import pytest

from reconciler.jobs import JobOutcome, JobPolling, not_started, wait_for_job


class FakeJobs:
    """Plays the two job endpoints: a scripted series of job states, then its errors."""

    def __init__(self, states: list[dict[str, Any]], errors: list[dict[str, Any]] | None = None) -> None:
        self.states = states
        self.errors = errors or []
        self.polls = 0
        self.error_reads = 0

    async def get_routing_prefix_job(self, job_id: str) -> dict[str, Any]:
        state = self.states[min(self.polls, len(self.states) - 1)]
        self.polls += 1
        return state

    async def list_routing_prefix_job_errors(self, job_id: str) -> list[dict[str, Any]]:
        self.error_reads += 1
        return self.errors


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def wait(api: FakeJobs, clock: Clock, deadline: float = 60.0) -> JobOutcome:
    polling = JobPolling(
        first_interval=1.0, max_interval=4.0, deadline=deadline, sleep=clock.sleep, clock=clock
    )
    return asyncio.run(wait_for_job(api, "JOB", polling))


def test_polls_with_growing_intervals_until_completed() -> None:
    api = FakeJobs(
        [{"latestExecutionStatus": "STARTING"}] * 2
        + [{"latestExecutionStatus": "STARTED"}] * 3
        + [{"latestExecutionStatus": "COMPLETED", "latestExecutionExitCode": "COMPLETED"}]
    )
    clock = Clock()
    outcome = wait(api, clock)
    assert outcome.succeeded and outcome.status == "COMPLETED"
    assert clock.waits == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert api.error_reads == 0


def test_a_failed_job_comes_with_its_errors() -> None:
    errors = [
        {
            "itemNumber": 1,
            "trackingId": "ROUTER_1",
            "error": {
                "key": "500",
                "message": [{"description": "prefix busy", "code": 5601, "locationId": "L1"}],
            },
        }
    ]
    api = FakeJobs([{"latestExecutionStatus": "FAILED", "latestExecutionExitCode": "FAILED"}], errors)
    outcome = wait(api, Clock())
    assert not outcome.succeeded
    assert outcome.errors == ("L1: prefix busy (code 5601) [trackingId ROUTER_1]",)


def test_completed_with_errors_is_not_a_success() -> None:
    api = FakeJobs(
        [{"latestExecutionStatus": "COMPLETED", "latestExecutionExitCode": "COMPLETED_WITH_ERRORS"}]
    )
    outcome = wait(api, Clock())
    assert not outcome.succeeded and api.error_reads == 1


def test_the_deadline_ends_the_wait_and_says_so() -> None:
    api = FakeJobs([{"latestExecutionStatus": "STARTED"}])
    clock = Clock()
    outcome = wait(api, clock, deadline=10.0)
    assert outcome.status == "TIMED_OUT"
    assert "still STARTED" in outcome.errors[0]
    assert clock.now <= 10.0


def test_unknown_statuses_are_read_and_waited_on() -> None:
    done = {"latestExecutionStatus": "COMPLETED", "latestExecutionExitCode": "COMPLETED"}
    api = FakeJobs([{"latestExecutionStatus": "QUEUED_SOMEWHERE"}, done])
    outcome = wait(api, Clock())
    assert outcome.succeeded and api.polls == 2


@pytest.mark.parametrize(
    "exit_code", [None, "", "UNKNOWN", "STOPPED", "FAILED", "SOMETHING_NEW", "completed"]
)
def test_only_exit_code_completed_is_success(exit_code: str | None) -> None:
    job: dict[str, Any] = {"latestExecutionStatus": "COMPLETED"}
    if exit_code is not None:
        job["latestExecutionExitCode"] = exit_code
    api = FakeJobs([job])
    outcome = wait(api, Clock())
    assert not outcome.succeeded and api.error_reads == 1  # its errors are fetched, as for any failure
    named = f"exit code {exit_code}" if exit_code else "no exit code"
    assert outcome.failure() == (
        f"routing-prefix job JOB ended COMPLETED with {named} (only exit code COMPLETED is success)"
    )


def test_a_failed_status_fails_whatever_the_exit_code_says() -> None:
    api = FakeJobs([{"latestExecutionStatus": "FAILED", "latestExecutionExitCode": "COMPLETED"}])
    outcome = wait(api, Clock())
    assert not outcome.succeeded
    assert "ended FAILED with exit code COMPLETED" in outcome.failure()


def test_a_timed_out_job_says_the_wait_ran_out() -> None:
    outcome = wait(FakeJobs([{"latestExecutionStatus": "STARTED"}]), Clock(), deadline=3.0)
    assert outcome.failure() == "routing-prefix job JOB had not ended when the wait ran out (TIMED_OUT)"


def test_not_started_says_what_the_org_is_left_with_and_what_to_do() -> None:
    reason = not_started("UpdateRoutingPrefix batch job not triggered", "100", "212")
    assert reason.startswith("routing-prefix job not started: UpdateRoutingPrefix batch job not triggered. ")
    assert 'The new routing prefix "212" is saved' in reason
    assert 'still route with the old prefix "100"' in reason
    assert "in Control Hub" in reason and "will not send the prefix again" in reason
    assert "still route with no prefix" in not_started("x", None, "212")
