"""bench/partner_bench.py: a small estate planned one org alone and all orgs at once, judged by the
benchmark's own accounting (per-org request counts and bounds; no timing is asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `bench`

from bench.partner_bench import main, org_bound, parser, per_org
from bench.scenario import build_estate
from reconciler.sandbox import RecordedRequest

ORGS, LOCATIONS = 3, 4


def test_an_estate_is_planned_whole_with_no_org_failed(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--orgs", str(ORGS), "--locations", str(LOCATIONS), "--latency-ms", "0", "--rate-limit", "0"])
        == 0
    )
    out = capsys.readouterr().out
    assert f"{ORGS} orgs x {LOCATIONS} locations" in out
    failures = next(line for line in out.splitlines() if line.startswith("0 failures"))
    assert failures.split()[2:4] == ["0", "target"] and failures.endswith("target met"), failures
    orgs_failed = next(line for line in out.splitlines() if line.startswith("orgs failed"))
    assert orgs_failed.split()[-2:] == ["0", "0"], orgs_failed


def test_requests_are_counted_per_org_and_the_bound_is_the_rate_when_it_binds() -> None:
    estate = build_estate(2, LOCATIONS)
    first, second = (scenario.org.id for scenario in estate.scenarios.values())
    log = [
        RecordedRequest("GET", "/v1/x", {"orgId": first}, None, {}, 200),
        RecordedRequest("GET", "/v1/x", {"orgId": first}, None, {}, 429),
        RecordedRequest("GET", "/v1/x", {"orgId": second}, None, {}, 200),
    ]
    sent, throttled = per_org(log)
    assert sent == {first: 2, second: 1} and throttled == {first: 1}
    args = parser().parse_args(["--latency-ms", "0", "--rate-limit", "2"])
    scenario = next(iter(estate.scenarios.values()))
    assert org_bound(scenario, 300, args, page_size=100) == pytest.approx(150.0)
