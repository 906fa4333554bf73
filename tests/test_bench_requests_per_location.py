"""bench/requests_per_location.py: the requests of a no-drift plan of local-gateway sites, counted by the
benchmark's own accounting on a small org (no timing)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `bench`

from bench.requests_per_location import LISTED_FIELDS, local_gateway_org, main, profile
from bench.scenario import build_scenario

N = 6


def test_every_site_of_the_org_is_a_local_gateway() -> None:
    org = local_gateway_org(N)
    routes = [loc.pstn.route_type for loc in org.locations.values() if loc.pstn is not None]
    assert len(routes) == N and set(routes) == {"TRUNK"}


def test_the_profiles_manage_what_they_say() -> None:
    scenario = build_scenario(local_gateway_org(N))
    listed = profile(scenario, "listed fields and PSTN")
    assert all(set(e.details) <= set(LISTED_FIELDS) and e.pstn is not None for e in listed.entries)
    assert all(e.pstn is None for e in profile(scenario, "listed fields").entries)
    assert profile(scenario, "details and PSTN").entries == scenario.entries


def test_a_plan_of_local_gateways_costs_one_get_per_location_and_the_listed_fields_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--locations", str(N)]) == 0
    out = capsys.readouterr().out
    lists = 3  # calling locations, trunks, route groups: one page each
    assert f"details and PSTN        since 2025 (with the route)  {N + lists} ({lists}), 1.50" in out, out
    assert f"details and PSTN        before 2025 (without)        {N + lists} ({lists}), 1.50" in out, out
    # The details are not read for the listed fields: the PSTN answer alone, or with the details before.
    assert f"listed fields and PSTN  before 2025 (without)        {2 * N + lists} ({lists}), 2.50" in out, out
    assert "listed fields           since 2025 (with the route)  1 (1), 0.17" in out, out
