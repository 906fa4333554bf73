"""Fault injection in the sandbox, in-process (httpx.ASGITransport): every switch, reproducible by seed.

Nothing sleeps: job time moves with the fake clock, latency goes through an injected sleep.
"""

from __future__ import annotations

import asyncio
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_sandbox_app import (
    AUTH,
    DENVER,
    LONDON,
    ORG_ID,
    PARIS,
    FakeClock,
    Sandbox,
    assert_webex_error,
    sandbox_app,
)

from reconciler.sandbox import ConnectionDropped, SandboxOrg, SandboxSettings, create_app
from reconciler.sandbox.faults import FAILURE_STATUSES, describe
from reconciler.sandbox.settings import RateWindow

pytestmark = pytest.mark.anyio

DETAILS = f"/telephony/config/locations/{DENVER}"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class RecordingSleep:
    """An injected sleep: notes the delays, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class Rendezvous:
    """An injected sleep that returns only once `expected` requests are in it at the same time.

    An app that handled requests one at a time would never get them all in: the first would time out.
    """

    def __init__(self, expected: int = 2) -> None:
        self.expected = expected
        self.inside = 0
        self.most_inside = 0
        self._all_in: asyncio.Event | None = None

    async def __call__(self, seconds: float) -> None:
        if self._all_in is None:  # made here, in the loop that runs the app
            self._all_in = asyncio.Event()
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        if self.inside >= self.expected:
            self._all_in.set()
        try:
            await asyncio.wait_for(self._all_in.wait(), timeout=5)
        finally:
            self.inside -= 1


async def statuses(sandbox: Sandbox, count: int, path: str = "/locations") -> list[int | str]:
    """The statuses of `count` GETs in a row; "dropped" for a dropped request."""
    seen: list[int | str] = []
    for _ in range(count):
        try:
            seen.append((await sandbox.client.get(path)).status_code)
        except ConnectionDropped:
            seen.append("dropped")
    return seen


def assert_injected_failure(response: httpx.Response) -> None:
    assert response.status_code in FAILURE_STATUSES, response.text
    assert_webex_error(response, response.status_code, response.status_code, "injected")
    assert response.json()["trackingId"].startswith("ROUTER_")


# --- defaults ---------------------------------------------------------------------------------------------


async def test_every_fault_is_off_by_default() -> None:
    settings = SandboxSettings()
    assert (settings.fail_rate, settings.drop_rate, settings.latency_ms, settings.latency_jitter_ms) == (
        0,
    ) * 4
    assert (settings.retry_after, settings.seed, settings.fail_paths) == (None, None, ())
    counters = (settings.prefix_conflicts, settings.prefix_not_triggered, settings.failing_jobs)
    assert (*counters, settings.jobs_with_errors) == (0, 0, 0, 0)
    assert describe(settings) == []
    sleep = RecordingSleep()
    async with sandbox_app(sleep=sleep) as sandbox:
        assert await statuses(sandbox, 20) == [200] * 20
    assert sleep.delays == []


def test_describe_names_every_fault_that_is_on() -> None:
    settings = SandboxSettings(
        rate_limit_per_second=2,
        rate_limit_window=RateWindow(300, 60),
        retry_after="rand(30),add(30)",
        fail_rate=0.1,
        drop_rate=0.05,
        fail_paths=("/telephony/",),
        latency_ms=50,
        latency_jitter_ms=10,
        prefix_conflicts=1,
        failing_jobs=2,
        seed=7,
    )
    text = "\n".join(describe(settings))
    for part in (
        "rate limit 2/s (token bucket) and 300 requests per 60 s (sliding window) per org",
        "'rand(30),add(30)'",
        "10% of requests of paths matching '/telephony/' fail",
        "5% of requests of paths matching '/telephony/' dropped",
        "latency 50 ms ± 10 ms",
        "1 answer 409",
        "then 2 start a job that fails",
        "seed 7",
    ):
        assert part in text, text


# --- 5xx answers ------------------------------------------------------------------------------------------


async def test_fail_rate_one_answers_5xx_with_a_webex_body_and_a_put_changes_nothing() -> None:
    async with sandbox_app(fail_rate=1.0, seed=1) as sandbox:
        assert_injected_failure(await sandbox.client.get("/locations"))
        put = await sandbox.client.put(
            DETAILS, json={"routingPrefix": "212", "externalCallerIdName": "Changed"}
        )
        assert_injected_failure(put)
        pstn = await sandbox.client.put(f"/telephony/pstn/locations/{PARIS}/connection", json={"id": "x"})
        assert_injected_failure(pstn)
        assert {r.status for r in sandbox.requests} <= set(FAILURE_STATUSES)

        sandbox.app.state.settings.fail_rate = 0.0  # a running app follows its settings
        denver = await sandbox.details(DENVER)
    assert (denver["routingPrefix"], denver["externalCallerIdName"]) == ("100", "Big Corp")
    assert sandbox.org == SandboxOrg.seed() and sandbox.org.jobs == {}


async def test_failures_are_the_same_for_the_same_seed() -> None:
    async def run(seed: int) -> list[int | str]:
        async with sandbox_app(fail_rate=0.5, seed=seed) as sandbox:
            return await statuses(sandbox, 40)

    first = await run(42)
    assert first == await run(42)
    assert first != await run(43)
    assert first.count(200) not in (0, 40)
    assert {s for s in first if s != 200} <= set(FAILURE_STATUSES)
    assert len({s for s in first if s != 200}) > 1  # a random one of the four, not always the same


async def test_fail_paths_limit_failures_to_the_matching_paths() -> None:
    async with sandbox_app(fail_rate=1.0, fail_paths=(r"/pstn/",)) as sandbox:
        assert (await sandbox.client.get("/locations")).status_code == 200
        assert (await sandbox.client.get(DETAILS)).status_code == 200
        assert_injected_failure(await sandbox.client.get(f"/telephony/pstn/locations/{DENVER}/connection"))


async def test_only_api_requests_meet_faults() -> None:
    sleep = RecordingSleep()
    async with sandbox_app(fail_rate=1.0, drop_rate=1.0, latency_ms=50, sleep=sleep) as sandbox:
        outside = await sandbox.client.get("http://sandbox.test/admin/state")
    assert outside.status_code == 404 and outside.json()["errors"][0]["errorCode"] == 4008
    assert sleep.delays == []


async def test_a_failed_request_still_needs_a_token_first() -> None:
    async with sandbox_app(fail_rate=1.0, headers={}) as sandbox:
        assert_webex_error(await sandbox.client.get("/locations"), 401, 4001)


# --- dropped connections ----------------------------------------------------------------------------------


async def test_a_dropped_put_reaches_the_client_as_a_transport_error_and_changes_nothing() -> None:
    async with sandbox_app(drop_rate=1.0) as sandbox:
        with pytest.raises(httpx.TransportError):
            await sandbox.client.put(DETAILS, json={"routingPrefix": "212", "outsideDialDigit": "8"})
        with pytest.raises(httpx.RemoteProtocolError):
            await sandbox.client.get("/locations")
        assert [(r.method, r.status) for r in sandbox.requests] == [("PUT", 0), ("GET", 0)]
        sandbox.app.state.settings.drop_rate = 0.0
        denver = await sandbox.details(DENVER)
    assert (denver["routingPrefix"], denver["outsideDialDigit"]) == ("100", "9")
    assert sandbox.org.jobs == {}


async def test_drops_are_the_same_for_the_same_seed_and_mix_with_failures() -> None:
    async def run() -> list[int | str]:
        async with sandbox_app(drop_rate=0.3, fail_rate=0.3, seed=5) as sandbox:
            return await statuses(sandbox, 40)

    first = await run()
    assert first == await run()
    assert "dropped" in first and 200 in first and set(first) & set(FAILURE_STATUSES)


# --- latency ----------------------------------------------------------------------------------------------


async def test_latency_delays_every_api_answer_by_the_set_time() -> None:
    sleep = RecordingSleep()
    async with sandbox_app(latency_ms=50, sleep=sleep, headers={}) as sandbox:
        assert (await sandbox.client.get("/locations", headers=AUTH)).status_code == 200
        assert (await sandbox.client.get("/locations")).status_code == 401  # refusals are answers too
        put = await sandbox.client.put(DETAILS, json={"outsideDialDigit": "8"}, headers=AUTH)
        assert put.status_code == 204
    assert sleep.delays == [0.05, 0.05, 0.05]


async def test_latency_jitter_is_random_within_bounds_and_repeats_with_the_seed() -> None:
    async def run(seed: int) -> list[float]:
        sleep = RecordingSleep()
        async with sandbox_app(latency_ms=50, latency_jitter_ms=10, seed=seed, sleep=sleep) as sandbox:
            await statuses(sandbox, 20)
        return sleep.delays

    delays = await run(3)
    assert delays == await run(3) and delays != await run(4)
    assert all(0.04 <= d <= 0.06 for d in delays) and len(set(delays)) == 20


async def test_latency_does_not_serialise_concurrent_requests() -> None:
    rendezvous = Rendezvous(expected=2)
    async with sandbox_app(latency_ms=50, sleep=rendezvous) as sandbox:
        first, second = await asyncio.gather(
            sandbox.client.get("/locations"), sandbox.client.get(f"/telephony/config/locations/{PARIS}")
        )
    assert (first.status_code, second.status_code) == (200, 200)
    assert rendezvous.most_inside == 2


# --- rate limit -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["rand(30),add(30)", formatdate(1_700_000_060, usegmt=True), "194"])
async def test_retry_after_text_is_sent_verbatim(text: str) -> None:
    async with sandbox_app(rate_limit_per_second=1.0, retry_after=text) as sandbox:
        assert (await sandbox.client.get("/locations")).status_code == 200
        limited = await sandbox.client.get("/locations")
    assert_webex_error(limited, 429, 4029)
    assert limited.headers["Retry-After"] == text


async def test_rate_limit_can_be_switched_on_and_off_while_running() -> None:
    async with sandbox_app() as sandbox:
        assert await statuses(sandbox, 3) == [200] * 3
        sandbox.app.state.settings.rate_limit_per_second = 1.0
        assert await statuses(sandbox, 2) == [200, 429]
        sandbox.app.state.settings.rate_limit_per_second = None
        assert await statuses(sandbox, 3) == [200] * 3


async def test_the_token_bucket_is_per_org() -> None:
    async with sandbox_app(rate_limit_per_second=1.0) as sandbox:
        assert (await sandbox.client.get("/locations")).status_code == 200
        # The token's own org, named or not, is one org: its bucket is empty.
        assert_webex_error(await sandbox.client.get("/locations", params={"orgId": ORG_ID}), 429, 4029)
        # Another org has a bucket of its own (and then is refused: this sandbox has one org).
        assert (await sandbox.client.get("/locations", params={"orgId": "OTHER"})).status_code == 403
        assert (await sandbox.client.get("/locations", params={"orgId": "OTHER"})).status_code == 429


# --- sliding window ---------------------------------------------------------------------------------------


async def test_a_sliding_window_answers_429_until_its_oldest_request_leaves_it() -> None:
    async with sandbox_app(rate_limit_window=RateWindow(3, 10)) as sandbox:
        start = sandbox.clock.now
        for offset in (0.0, 1.0, 2.0):
            sandbox.clock.now = start + offset
            assert (await sandbox.client.get("/locations")).status_code == 200
        sandbox.clock.now = start + 2.5
        limited = await sandbox.client.get("/locations")
        assert_webex_error(limited, 429, 4029, "Retry-After: 8")
        assert limited.headers["Retry-After"] == "8"  # 7.5 s until the first request leaves, rounded up
        sandbox.clock.now = start + 9.75
        assert (await sandbox.client.get("/locations")).headers["Retry-After"] == "1"  # 0.25 s: at least 1
        sandbox.clock.now = start + 10.0  # the first one has left: one request may go
        assert await statuses(sandbox, 2) == [200, 429]
        sandbox.clock.now = start + 10.5
        assert (await sandbox.client.get("/locations")).headers[
            "Retry-After"
        ] == "1"  # the second leaves at 11


async def test_refused_requests_do_not_count_against_the_window() -> None:
    async with sandbox_app(rate_limit_window=RateWindow(2, 4)) as sandbox:
        assert await statuses(sandbox, 10) == [200, 200] + [429] * 8
        sandbox.clock.now += 4.0
        assert await statuses(sandbox, 3) == [200, 200, 429]


async def test_the_window_is_per_org() -> None:
    async with sandbox_app(rate_limit_window=RateWindow(2, 60)) as sandbox:
        assert await statuses(sandbox, 2) == [200, 200]
        other = [
            (await sandbox.client.get("/locations", params={"orgId": "OTHER"})).status_code for _ in range(3)
        ]
        assert other == [403, 403, 429]
        named = await sandbox.client.get("/locations", params={"orgId": ORG_ID})
        assert named.status_code == 429  # the token's own org, named: the same window


async def test_the_window_sends_the_configured_retry_after_text_verbatim() -> None:
    async with sandbox_app(rate_limit_window=RateWindow(1, 60), retry_after="rand(30),add(30)") as sandbox:
        assert (await sandbox.client.get("/locations")).status_code == 200
        limited = await sandbox.client.get("/locations")
    assert_webex_error(limited, 429, 4029)
    assert limited.headers["Retry-After"] == "rand(30),add(30)"


async def test_with_both_limits_the_longer_wait_is_told_and_a_refusal_uses_up_neither() -> None:
    async with sandbox_app(rate_limit_per_second=1.0, rate_limit_window=RateWindow(2, 30)) as sandbox:
        assert await statuses(sandbox, 2) == [200, 429]  # the bucket: 1 s
        sandbox.clock.now += 1.0
        assert await statuses(sandbox, 1) == [200]  # the window is full now
        sandbox.clock.now += 1.0  # the bucket has a token again, the window frees in 28 s
        limited = await sandbox.client.get("/locations")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "28"
        sandbox.clock.now += 28.0  # the refused request took no token: the bucket is full
        assert await statuses(sandbox, 2) == [200, 429]


async def test_the_window_can_be_changed_while_running() -> None:
    async with sandbox_app(rate_limit_window=RateWindow(1, 60)) as sandbox:
        assert await statuses(sandbox, 2) == [200, 429]
        sandbox.app.state.settings.rate_limit_window = RateWindow(2, 60)  # a new window starts empty
        assert await statuses(sandbox, 3) == [200, 200, 429]
        sandbox.app.state.settings.rate_limit_window = None
        assert await statuses(sandbox, 3) == [200] * 3


@pytest.mark.parametrize(
    ("text", "window"), [("300/60", RateWindow(300, 60)), (" 5/0.5", RateWindow(5, 0.5))]
)
def test_a_rate_window_is_written_requests_slash_seconds(text: str, window: RateWindow) -> None:
    assert RateWindow.parse(text) == window
    assert RateWindow.parse(str(window)) == window


@pytest.mark.parametrize(
    "text", ["300", "300/", "/60", "0/60", "300/0", "300/-1", "3.5/60", "x/y", "300/inf"]
)
def test_a_rate_window_refuses_what_is_not_one(text: str) -> None:
    with pytest.raises(ValueError, match="REQUESTS/SECONDS"):
        RateWindow.parse(text)


# --- routing-prefix job outcomes --------------------------------------------------------------------------


async def job(sandbox: Sandbox, job_id: str) -> dict[str, Any]:
    response = await sandbox.client.get(f"/telephony/config/jobs/updateRoutingPrefix/{job_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def job_errors(sandbox: Sandbox, job_id: str) -> list[dict[str, Any]]:
    response = await sandbox.client.get(f"/telephony/config/jobs/updateRoutingPrefix/{job_id}/errors")
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def assert_one_error_item_for(items: list[dict[str, Any]], location_id: str, tracking: str) -> None:
    assert len(items) == 1
    item = items[0]
    assert (item["itemNumber"], item["trackingId"]) == (1, tracking)
    (message,) = item["error"]["message"]
    assert message["locationId"] == location_id
    assert message["code"] == item["error"]["key"] == "6100"
    assert "Denver" in message["description"]


async def test_prefix_conflicts_answer_409_without_a_job_then_changes_go_through() -> None:
    async with sandbox_app(prefix_conflicts=1) as sandbox:
        other = await sandbox.client.put(DETAILS, json={"outsideDialDigit": "8"})
        assert other.status_code == 204  # not a prefix change: the counter is kept for one
        assert sandbox.app.state.settings.prefix_conflicts == 1
        body = {"routingPrefix": "212", "externalCallerIdName": "Changed"}
        busy = await sandbox.client.put(DETAILS, json=body)
        assert busy.status_code == 409
        assert "another routing prefix job is in progress" in busy.json()["failureReason"]
        assert busy.json()["trackingId"] == busy.headers["TrackingID"]
        denver = await sandbox.details(DENVER)
        assert (denver["routingPrefix"], denver["externalCallerIdName"]) == ("100", "Big Corp")
        assert sandbox.org.jobs == {} and sandbox.app.state.settings.prefix_conflicts == 0
        again = await sandbox.client.put(DETAILS, json=body)
        assert again.status_code == 200 and "batchJobId" in again.json()
        assert (await sandbox.details(DENVER))["routingPrefix"] == "212"


async def test_prefix_not_triggered_answers_206_saves_everything_and_starts_no_job() -> None:
    async with sandbox_app(prefix_not_triggered=1) as sandbox:
        body = {"routingPrefix": "212", "externalCallerIdName": "Changed", "outsideDialDigit": "8"}
        response = await sandbox.client.put(DETAILS, json=body)
        assert response.status_code == 206
        # The documented 206 example's failureReason, with this change's values.
        assert response.json()["failureReason"] == (
            f"UpdateRoutingPrefix batch job not triggered for Location: {DENVER}. "
            "OldRoutingPrefix : 100. NewRoutingPrefix: 212."
        )
        assert response.json()["trackingId"] == response.headers["TrackingID"]
        # As observed: the prefix is saved (GET shows it at once), only the org-wide job never started.
        denver = await sandbox.details(DENVER)
        assert (denver["routingPrefix"], denver["externalCallerIdName"], denver["outsideDialDigit"]) == (
            "212",
            "Changed",
            "8",
        )
        assert sandbox.org.jobs == {}
        again = {**body, "routingPrefix": "213"}
        assert (await sandbox.client.put(DETAILS, json=again)).status_code == 200  # used up: normal again


async def test_a_failing_job_ends_failed_with_an_error_item_and_restores_the_old_prefix(
    tmp_path: Path,
) -> None:
    state = tmp_path / "org.json"
    async with sandbox_app(failing_jobs=1, state_path=state) as sandbox:
        response = await sandbox.client.put(DETAILS, json={"routingPrefix": "212"})
        assert response.status_code == 200
        job_id = response.json()["batchJobId"]
        assert (await sandbox.details(DENVER))["routingPrefix"] == "212"  # shown at once, as ever
        running = await job(sandbox, job_id)
        assert (running["latestExecutionStatus"], running["latestExecutionExitCode"]) == (
            "STARTING",
            "UNKNOWN",
        )
        assert await job_errors(sandbox, job_id) == []

        sandbox.clock.now += 3.0
        failed = await job(sandbox, job_id)
        assert (failed["latestExecutionStatus"], failed["latestExecutionExitCode"]) == ("FAILED", "FAILED")
        assert failed["counts"] == {"routingPrefixUpdated": 0, "routingPrefixFailed": 1}
        assert_one_error_item_for(await job_errors(sandbox, job_id), DENVER, response.headers["TrackingID"])
        assert (await sandbox.details(DENVER))["routingPrefix"] == "100"
        assert SandboxOrg.load(state) == sandbox.org  # the restored prefix is saved

        # The failed prefix is free again, and the next change is a normal job.
        london = await sandbox.client.put(
            f"/telephony/config/locations/{LONDON}", json={"routingPrefix": "212"}
        )
        assert london.status_code == 200
        sandbox.clock.now += 3.0
        done = await job(sandbox, london.json()["batchJobId"])
        assert (done["latestExecutionStatus"], done["latestExecutionExitCode"]) == ("COMPLETED", "COMPLETED")
        assert (await sandbox.details(LONDON))["routingPrefix"] == "212"
        assert (await sandbox.details(DENVER))["routingPrefix"] == "100"


async def test_a_restarted_sandbox_still_restores_the_prefix_of_a_failed_job(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    async with sandbox_app(failing_jobs=1, state_path=state) as sandbox:
        assert (await sandbox.client.put(DETAILS, json={"routingPrefix": "212"})).status_code == 200
        ended = sandbox.clock.now + 3.0
    assert prefix_saved_in(state) == "212"
    settings = SandboxSettings(job_seconds=3.0, clock=FakeClock(ended))
    restarted = create_app(SandboxOrg.load(state), state_path=state, settings=settings)
    transport = httpx.ASGITransport(app=restarted)
    async with httpx.AsyncClient(transport=transport, base_url="http://s/v1", headers=AUTH) as client:
        assert (await client.get(DETAILS)).json()["routingPrefix"] == "100"
    assert prefix_saved_in(state) == "100"


def prefix_saved_in(state: Path) -> str | None:
    details = SandboxOrg.load(state).locations[DENVER].details
    assert details is not None
    prefix: str | None = details["routingPrefix"]
    return prefix


async def test_a_job_with_errors_completes_with_errors_and_keeps_the_new_prefix() -> None:
    async with sandbox_app(jobs_with_errors=1) as sandbox:
        response = await sandbox.client.put(DETAILS, json={"routingPrefix": "212"})
        assert response.status_code == 200
        job_id = response.json()["batchJobId"]
        sandbox.clock.now += 3.0
        done = await job(sandbox, job_id)
        assert (done["latestExecutionStatus"], done["latestExecutionExitCode"]) == (
            "COMPLETED",
            "COMPLETED_WITH_ERRORS",
        )
        assert done["jobExecutionStatus"][0]["exitCode"] == "COMPLETED_WITH_ERRORS"
        assert done["counts"] == {"routingPrefixUpdated": 1, "routingPrefixFailed": 1}
        assert_one_error_item_for(await job_errors(sandbox, job_id), DENVER, response.headers["TrackingID"])
        assert (await sandbox.details(DENVER))["routingPrefix"] == "212"


async def test_the_counters_are_used_in_order_and_only_by_changes_that_would_go_through() -> None:
    async with sandbox_app(prefix_conflicts=1, prefix_not_triggered=1, failing_jobs=1) as sandbox:
        settings = sandbox.app.state.settings
        invalid = await sandbox.client.put(DETAILS, json={"routingPrefix": "300"})  # Berlin's: 400
        assert invalid.status_code == 400 and settings.prefix_conflicts == 1
        put = f"/telephony/config/locations/{PARIS}"
        assert (await sandbox.client.put(put, json={"routingPrefix": "201"})).status_code == 409
        assert (await sandbox.client.put(put, json={"routingPrefix": "201"})).status_code == 206
        failing = await sandbox.client.put(put, json={"routingPrefix": "202"})
        assert failing.status_code == 200
        # A job runs now: a change is refused by the real job, and the counter set meanwhile waits.
        settings.prefix_conflicts = 1
        busy = await sandbox.client.put(DETAILS, json={"routingPrefix": "212"})
        assert busy.status_code == 409 and failing.json()["batchJobId"] in busy.json()["failureReason"]
        assert settings.prefix_conflicts == 1
        sandbox.clock.now += 3.0
        assert (await sandbox.details(PARIS))["routingPrefix"] == "201"  # the 206 saved it; the job failed
        assert (await sandbox.client.put(DETAILS, json={"routingPrefix": "212"})).status_code == 409
        ok = await sandbox.client.put(DETAILS, json={"routingPrefix": "212"})
        assert ok.status_code == 200
        assert (settings.prefix_conflicts, settings.prefix_not_triggered, settings.failing_jobs) == (0, 0, 0)
