"""bench/soak.py's accounting: short soaks over real HTTP with mild faults, and its sums on made-up logs.

No timing here: only that what the soak reports adds up, that a converged run is seen as converged, a
divergent one as divergent, and that a killed apply is re-run with only the PUTs still needed.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `bench`

from bench.scenario import TOKEN
from bench.soak import (
    MALFORMED_RETRY_AFTER,
    Kill,
    RunResult,
    Soak,
    SoakOptions,
    Traffic,
    Verdicts,
    retry_after_of,
    run_table,
    soak,
)
from reconciler.sandbox import RecordedRequest
from reconciler.sandbox.settings import RateWindow

QUIET = SoakOptions(
    runs=1,
    locations=4,
    fail_rate=0.0,
    drop_rate=0.0,
    latency_ms=0.0,
    jitter_ms=0.0,
    rate_window=None,
    prefix_drift=0,
    prefix_conflicts=0,
    job_seconds=0.1,
    timeout=120.0,
)
MILD = dataclasses.replace(
    QUIET,
    runs=2,
    locations=6,
    fail_rate=0.05,
    drop_rate=0.02,
    rate_window=RateWindow(15, 1.0),  # the CLI sends more than that in its first second: 429s
    prefix_drift=1,
    prefix_conflicts=1,
)


def request(method: str, path: str, status: int, body: Any = None) -> RecordedRequest:
    return RecordedRequest(method, path, {}, body, {}, status)


def assert_no_token(result: RunResult) -> None:
    for apply in result.applies:
        assert TOKEN not in apply.finished.stdout + apply.finished.stderr
    assert TOKEN not in repr(result.problems)


# --- the sums, on made-up logs ---------------------------------------------------------------------------


def test_a_failed_answer_counts_as_retried_only_when_the_same_request_follows() -> None:
    details, pstn = "/v1/telephony/config/locations/L1", "/v1/telephony/pstn/locations/L1/connection"
    log = [
        request("GET", details, 429),
        request("GET", details, 200),
        request("PUT", pstn, 503, {"id": "A"}),
        request("PUT", pstn, 0, {"id": "A"}),  # dropped, then sent again
        request("PUT", pstn, 204, {"id": "A"}),
        request("PUT", details, 409, {"routingPrefix": "9"}),
        request("PUT", details, 409, {"routingPrefix": "9"}),  # never sent again: given up
        request("PUT", details, 500, {"outsideDialDigit": "8"}),  # another body: not a retry of the 409
        request("GET", "/v1/locations", 404),
    ]
    traffic = Traffic.of(log)
    assert (traffic.requests, traffic.throttled, traffic.other_errors) == (9, 1, 1)
    assert traffic.retried == {"429": 1, "5xx": 1, "dropped": 1, "409 job": 1}
    assert traffic.not_retried == {"409 job": 1, "5xx": 1}
    assert traffic.puts == {("L1", "pstn"), ("L1", "details")}
    total = traffic + Traffic.of(log[:2])
    assert (total.requests, total.throttled, total.retried["429"]) == (11, 2, 2)


def test_a_rerun_put_is_unneeded_when_either_plan_did_not_call_for_it() -> None:
    kill = Kill(
        at_put=3,
        killed=True,
        first_plan={("A", "details"), ("B", "pstn"), ("C", "details")},
        still_needed={("B", "pstn"), ("D", "pstn")},
        rerun_puts={("B", "pstn"), ("C", "details"), ("D", "pstn")},
    )
    assert kill.unneeded == {("C", "details"), ("D", "pstn")}


# --- short soaks over HTTP -------------------------------------------------------------------------------


def test_a_soak_under_mild_faults_accounts_for_every_step_and_request() -> None:
    soaker = Soak(MILD)
    # Runs 1 and 3: whole-seconds Retry-After (the CLI waits 5 s after a malformed one, run 2's).
    indexes = (0, 2)
    assert [retry_after_of(MILD, index) for index in (0, 1, 2)] == [None, MALFORMED_RETRY_AFTER, None]
    results = [soaker.run(index) for index in indexes]
    for index, result in zip(indexes, results, strict=True):
        expected = soaker.scenario(index).drifted_endpoints
        assert_no_token(result)
        assert result.problems == [], result.problems
        assert result.final.reported and result.steps == len(expected)
        assert result.final.summary == {"applied": len(expected), "failed": 0, "skipped": 0}
        assert (result.converged, result.remaining) == (True, 0)
        traffic = result.traffic
        assert traffic.puts == expected  # every drifted endpoint PUT, and nothing else
        assert traffic.throttled > 0
        assert traffic.retried["429"] + traffic.not_retried["429"] == traffic.throttled
        assert traffic.retried["409 job"] == 1 and traffic.not_retried["409 job"] == 0  # the one injected
        assert traffic.requests > traffic.throttled + len(expected)

    table = run_table(results, kill=False)
    columns = dict(zip(table.header, zip(*table.rows, strict=True), strict=True))
    assert columns["run"] == ("1", "3", "total")
    for name in ("steps", "applied", "requests", "429s", "retried 429", "retried 5xx", "retried 409 job"):
        first, second, total = map(int, columns[name])
        assert first + second == total, name
    assert columns["converged"] == ("yes", "yes", "2/2")
    assert Verdicts.of(results) == Verdicts(failed_steps=0, divergent=0, unneeded=None)


def test_a_run_that_does_not_converge_is_reported_divergent(capsys: pytest.CaptureFixture[str]) -> None:
    # The routing-prefix job fails and the old prefix comes back: one failed step, and the org differs.
    options = dataclasses.replace(QUIET, prefix_drift=1, failing_jobs=1)
    results, verdicts = soak(options)
    (result,) = results
    assert_no_token(result)
    assert result.final.summary["failed"] == 1 and result.failed_steps == 1
    assert (result.converged, result.remaining) == (False, 1)
    assert verdicts == Verdicts(failed_steps=1, divergent=1, unneeded=None) and not verdicts.met
    failure, divergence = result.problems
    assert "details" in failure and "FAILED" in failure and "trackingId" in failure
    assert divergence.startswith("divergent: the plan afterwards still shows 1 steps: Site-")
    printed = capsys.readouterr().out
    assert "0 divergent final states" in printed and "1 of 1 runs" in printed and "target missed" in printed


def test_a_killed_apply_is_rerun_with_only_the_puts_still_needed() -> None:
    options = dataclasses.replace(QUIET, locations=6, kill=True)
    (result,) = [Soak(options).run(0)]
    assert_no_token(result)
    kill = result.kill
    assert kill is not None and kill.killed
    killed, rerun = result.applies
    assert killed.finished.returncode == -9 and not killed.reported
    assert kill.first_plan == Soak(options).scenario(0).drifted_endpoints
    # The server had made the PUT it was answering when the apply died, so less is needed afterwards.
    assert kill.still_needed < kill.first_plan
    assert kill.rerun_puts == kill.still_needed and kill.unneeded == set()
    assert rerun.summary == {"applied": len(kill.still_needed), "failed": 0, "skipped": 0}
    assert result.converged and result.problems == []
