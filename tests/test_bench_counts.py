"""Request counts of plan and apply against the sandbox over HTTP, as bench/plan_bench.py sets them up.

No timing here at all: only how many requests of each kind the reconciler sends, which is what makes
its time (issue: performance and scale). The org is generated (30 locations), the CLI runs as a user
runs it, and the sandbox's request log is counted by kind with the benchmark's own helpers.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `bench`

from bench.scenario import (
    TOKEN,
    BenchServer,
    RequestCounts,
    Scenario,
    build_estate,
    build_scenario,
    cli_env,
    cli_path,
    kind_of,
    location_of,
    org_of,
    put_problems,
)
from reconciler.sandbox import RecordedRequest, SandboxOrg, SandboxSettings

N = 30
PAGE = 7  # the sandbox's largest `max` here, so that the lists take several pages
NO_PSTN = frozenset({"Site-00003", "Site-00010", "Site-00021"})  # desired state leaves `pstn` unmanaged
LISTS = ("list calling locations", "list trunks", "list route groups", "list locations")


@pytest.fixture
def org() -> SandboxOrg:
    return SandboxOrg.generate(N)


@pytest.fixture
def server(org: SandboxOrg) -> Iterator[BenchServer]:
    settings = SandboxSettings(max_page_size=PAGE, default_page_size=PAGE, job_seconds=0.1)
    with BenchServer(org, settings) as running:
        yield running


def wxc(server: BenchServer, *args: str) -> tuple[subprocess.CompletedProcess[str], list[RecordedRequest]]:
    """Run the CLI against the server; the requests it sent, from the server's log."""
    mark = server.mark()
    result = subprocess.run(
        [cli_path(), *args], env=cli_env(server.base_url), capture_output=True, text=True, timeout=120
    )
    assert TOKEN not in result.stdout + result.stderr
    return result, server.requests_since(mark)


def plan(server: BenchServer, scenario: Scenario, tmp_path: Path) -> tuple[dict[str, object], RequestCounts]:
    result, requests = wxc(server, "plan", str(scenario.write(tmp_path)), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), RequestCounts.of(requests)


def per_location(requests: list[RecordedRequest], kind: str) -> Counter[str]:
    return Counter(location_of(r) or "?" for r in requests if kind_of(r) == kind)


def counts_of_details(requests: list[RecordedRequest]) -> int:
    return sum(per_location(requests, "GET details").values())


def test_a_no_drift_plan_reads_each_managed_endpoint_at_most_once_and_puts_nothing(
    server: BenchServer, org: SandboxOrg, tmp_path: Path
) -> None:
    scenario = build_scenario(org, pstn_unmanaged=NO_PSTN)
    result, requests = wxc(server, "plan", str(scenario.write(tmp_path)), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["steps"] == 0
    counts = RequestCounts.of(requests)

    assert counts.sent["PUT details"] == counts.sent["PUT PSTN"] == 0
    assert not [r for r in requests if r.method != "GET"]
    ids = {e.name: e.location_id for e in scenario.entries}
    assert per_location(requests, "GET details") == Counter({i: 1 for i in ids.values()})
    # The PSTN GET of a cloud provider only: the details name a local gateway's route, as desired.
    cloud = {e.name for e in scenario.entries if e.pstn is not None and e.pstn.type == "NON_INTEGRATED_CCP"}
    assert cloud and len(cloud) < N - len(NO_PSTN)  # local gateways too
    assert per_location(requests, "GET PSTN") == Counter({ids[n]: 1 for n in cloud})
    assert counts.total - sum(counts.sent[kind] for kind in LISTS) == scenario.managed_gets()
    assert counts.sent["GET options"] == 0  # only wanted when a PSTN connection must change
    assert counts.sent["job polls"] == 0
    assert not counts.throttled and not counts.failed
    assert set(counts.sent) <= {*LISTS, "GET details", "GET PSTN"}, counts.sent


def test_each_list_is_read_once_page_after_page(server: BenchServer, org: SandboxOrg, tmp_path: Path) -> None:
    scenario = build_scenario(org, pstn_unmanaged=NO_PSTN)
    _, counts = plan(server, scenario, tmp_path)

    # Once each: exactly the pages a list of that many items has, at the largest `max` the API accepts.
    needed = scenario.needed_lists()
    assert set(needed) == {"list calling locations", "list trunks"}
    for kind, items in needed.items():
        assert counts.answered(kind) == math.ceil(items / PAGE), kind
    # Lists this desired state needs no name from: read once if at all.
    assert counts.sent["list route groups"] in (0, math.ceil(len(org.route_groups) / PAGE))
    assert counts.sent["list locations"] == 0  # countries are wanted only for pAccessNetworkInfo
    assert counts.list_max <= {"1000", str(PAGE)}  # asks for large pages (the sandbox caps them at PAGE)


def test_a_plan_with_drift_reads_options_only_where_pstn_drifted_to_a_provider_and_puts_nothing(
    server: BenchServer, org: SandboxOrg, tmp_path: Path
) -> None:
    scenario = build_scenario(org, drift=9, seed=3, pstn_unmanaged=NO_PSTN)
    result, requests = wxc(server, "plan", str(scenario.write(tmp_path)), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["steps"] == len(scenario.drifted_endpoints)
    assert not [r for r in requests if r.method != "GET"]
    ids = {e.name: e.location_id for e in scenario.entries}
    # Only a cloud provider is named by a connection option; a local gateway's PUT names its route.
    to_provider = {
        e.name for e in scenario.entries if e.name in scenario.drift_pstn and e.pstn and e.pstn.provider
    }
    assert to_provider and to_provider != scenario.drift_pstn  # both kinds of PSTN drift are here
    assert per_location(requests, "GET options") == Counter({ids[n]: 1 for n in to_provider})
    # A local gateway whose details name another route than the desired one has its PSTN GET too.
    moved_to_trunk = scenario.drift_pstn - to_provider
    pstn_reads = per_location(requests, "GET PSTN")
    assert moved_to_trunk and all(pstn_reads[ids[n]] == 1 for n in moved_to_trunk)
    assert sum(pstn_reads.values()) + counts_of_details(requests) == scenario.managed_gets()


@pytest.mark.parametrize("drifted", [1, 7])
def test_apply_sends_exactly_one_put_per_endpoint_with_drift(
    server: BenchServer, org: SandboxOrg, tmp_path: Path, drifted: int
) -> None:
    scenario = build_scenario(org, drift=drifted, seed=drifted, pstn_unmanaged=NO_PSTN)
    endpoints = scenario.drifted_endpoints
    assert scenario.drifted_locations == drifted
    path = str(scenario.write(tmp_path))

    result, requests = wxc(server, "apply", path, "--format", "json", "--force")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["applied"] == len(endpoints)
    assert put_problems(requests, scenario) == []
    puts = Counter((location_of(r), kind_of(r)) for r in requests if r.method == "PUT")
    assert sum(puts.values()) == len(endpoints)
    assert {(loc, kind.removeprefix("PUT ").lower()) for loc, kind in puts} == endpoints

    # Applied: the same desired state now plans to nothing, and applying again sends no PUT.
    result, requests = wxc(server, "apply", path, "--format", "json", "--force")
    assert result.returncode == 0, result.stderr
    assert not [r for r in requests if r.method == "PUT"]


def test_the_drift_is_where_the_scenario_says(org: SandboxOrg) -> None:
    scenario = build_scenario(org, drift=9, seed=3, pstn_unmanaged=NO_PSTN)
    assert scenario.drifted_locations == 9
    assert not scenario.drift_pstn & NO_PSTN
    # both endpoints, details only, PSTN only, in turn (details only where PSTN is unmanaged)
    assert scenario.drift_details & scenario.drift_pstn
    assert scenario.drift_details - scenario.drift_pstn
    assert scenario.drift_pstn - scenario.drift_details
    # Every location's details; the PSTN connection of the cloud providers and of the drifted ones.
    pstn_gets = {
        e.name
        for e in scenario.entries
        if e.pstn is not None and (e.pstn.type == "NON_INTEGRATED_CCP" or e.name in scenario.drift_pstn)
    }
    assert scenario.managed_gets() == N + len(pstn_gets)


def test_an_estates_orgs_each_plan_in_their_own_org(tmp_path: Path) -> None:
    estate = build_estate(3, 8, drift=2)
    project = estate.write(tmp_path)
    assert project.read_text(encoding="utf-8").count("orgId: ") == 3
    settings = SandboxSettings(max_page_size=PAGE, default_page_size=PAGE, job_seconds=0.1)
    with BenchServer(estate.orgs, settings) as running:
        for key, scenario in estate.scenarios.items():
            result, requests = wxc(
                running,
                "plan",
                str(tmp_path / "orgs" / key),
                "--org-id",
                scenario.org.id,
                "--format",
                "json",
            )
            assert result.returncode == 0, result.stderr
            steps = json.loads(result.stdout)["steps"]
            # The org's own drift, and every request of its plan in that org.
            assert {step["location"] for step in steps} == scenario.drift_details | scenario.drift_pstn
            assert {step["locationId"] for step in steps} <= set(scenario.org.locations)
            assert {org_of(r) for r in requests} == {scenario.org.id}
