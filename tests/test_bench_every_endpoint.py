"""bench/every_endpoint.py: a plan of the org's own export reads each managed endpoint once per location.

Request counts only (no timing): the benchmark's own accounting, on a small generated org at no latency.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `bench`

from bench.every_endpoint import endpoint_of, every_endpoint_bench
from reconciler.resources import RESOURCES
from reconciler.sandbox import RecordedRequest


def request(path: str) -> RecordedRequest:
    return RecordedRequest("GET", path, {}, None, {}, 200)


def test_requests_are_told_apart_by_endpoint_and_location() -> None:
    assert endpoint_of(request("/v1/telephony/config/locations/L1")) == ("details", "L1")
    assert endpoint_of(request("/v1/telephony/config/locations/L1/voicemail")) == ("config /voicemail", "L1")
    assert endpoint_of(request("/v1/telephony/pstn/locations/L1/connection")) == ("pstn /connection", "L1")
    assert endpoint_of(request("/v1/telephony/config/locations")) == ("/v1/telephony/config/locations", None)


def test_a_plan_of_the_export_reads_every_endpoint_once_per_location(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = argparse.Namespace(locations=4, concurrency=10, latency_ms=0.0, seed=0, markdown=False)
    assert every_endpoint_bench(args) == 0
    out = capsys.readouterr().out
    one_get, no_change = (line for line in out.splitlines() if line.startswith(("one GET", "no change")))
    assert one_get.endswith("target met"), out
    assert no_change.endswith("target met"), out
    stateful = sum(resource.method == "PUT" for resource in RESOURCES)  # an action (a POST) reads nothing
    # SandboxOrg.generate: even sites on a local gateway, whose route the details name.
    assert f"{stateful} endpoints x 4 locations - 2 local gateways = {stateful * 4 - 2} GETs" in one_get
