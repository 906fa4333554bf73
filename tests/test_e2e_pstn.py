"""End to end: PSTN connections as real orgs answer them, through the installed CLI over real HTTP.

A new site is calling-enabled before its PSTN is chosen; PSTN answers before 2025 name no route; the
location details name a cloud PSTN by a type without an id. Each is a state of the simulator's org.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from clirun import EXAMPLE, TOKEN, gets, loc_id, puts, wxc

from reconciler.sandbox import ServerThread, webex_id

CHICAGO_LGW = (
    "version: 1\nlocations:\n"
    "  - name: Chicago\n    pstn:\n      type: LOCAL_GATEWAY\n      routeGroup: US-RG\n"
)
MATCHING_LGW = (
    "version: 1\nlocations:\n"
    "  - name: Paris\n    pstn:\n      type: LOCAL_GATEWAY\n      trunk: Paris-LGW\n"
    "  - name: Berlin\n    pstn:\n      type: LOCAL_GATEWAY\n      routeGroup: EU-RG\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def admin_sets_pstn(server: ServerThread, location: str, body: dict[str, str]) -> None:
    """Someone else's PSTN PUT, straight to the org."""
    answer = httpx.put(
        f"{server.base_url}/telephony/pstn/locations/{loc_id(location)}/connection",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert answer.status_code == 204


def test_a_new_site_gets_its_first_pstn_connection_from_a_saved_plan(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, "chicago.yaml", CHICAGO_LGW)
    saved = tmp_path / "plan.json"
    plan = wxc("plan", str(desired), "--out", str(saved), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert 'pstn.type        null → "LOCAL_GATEWAY"' in plan.stdout
    assert 'pstn.routeGroup  null → "US-RG"' in plan.stdout

    applied = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert puts(server) == [
        (
            f"/v1/telephony/pstn/locations/{loc_id('Chicago')}/connection",
            {"premiseRouteType": "ROUTE_GROUP", "premiseRouteId": webex_id("ROUTE_GROUP", "US-RG")},
        )
    ]
    again = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_saved_plan_for_a_site_without_pstn_is_stale_once_someone_sets_one(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, "chicago.yaml", CHICAGO_LGW)
    saved = tmp_path / "plan.json"
    assert wxc("plan", str(desired), "--out", str(saved), base_url=server.base_url).returncode == 0
    # Meanwhile an admin gives Chicago a cloud provider.
    admin_sets_pstn(server, "Chicago", {"id": webex_id("PSTN_CONNECTION", "Pure IP Cloud")})
    stale = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert stale.returncode == 5, stale.stdout + stale.stderr
    assert 'pstnConnectionType was null when planned, is "NON_INTEGRATED_CCP" now' in stale.stderr
    assert "Traceback" not in stale.stderr
    assert len(puts(server)) == 1  # only the admin's


def test_a_new_site_exports_without_pstn_and_the_file_validates(server: ServerThread, tmp_path: Path) -> None:
    out = tmp_path / "chicago.yaml"
    exported = wxc("export", "--location", "Chicago", "--output", str(out), base_url=server.base_url)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    text = out.read_text(encoding="utf-8")
    assert "# Chicago, US. PSTN: none set up; `pstn` is left out (unmanaged)" in text
    assert "pstn:" not in text
    assert wxc("validate", str(out)).returncode == 0
    assert wxc("plan", str(out), "--detailed-exitcode", base_url=server.base_url).returncode == 0


@pytest.mark.parametrize("with_route", [True, False], ids=["answers since 2025", "answers before 2025"])
def test_a_matching_local_gateway_plans_no_change_in_either_answer_shape(
    server: ServerThread, tmp_path: Path, with_route: bool
) -> None:
    server.settings.pstn_connection_route = with_route
    desired = write(tmp_path, "lgw.yaml", MATCHING_LGW)
    for _ in range(2):  # no disruptive PUT on every run
        plan = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
        assert plan.returncode == 0, plan.stdout + plan.stderr
        assert "No changes" in plan.stdout
    assert puts(server) == []


@pytest.mark.parametrize("with_route", [True, False], ids=["answers since 2025", "answers before 2025"])
def test_the_example_applies_then_plans_clean_in_either_answer_shape(
    server: ServerThread, tmp_path: Path, with_route: bool
) -> None:
    server.settings.pstn_connection_route = with_route
    applied = wxc("apply", str(EXAMPLE), "--format", "json", base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert json.loads(applied.stdout)["summary"]["applied"] == 17  # 6 PSTN and details, 10 settings, 1 action
    again = wxc("plan", str(EXAMPLE), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr
    exported = tmp_path / "after.yaml"
    assert wxc("export", "--output", str(exported), base_url=server.base_url).returncode == 0
    text = exported.read_text(encoding="utf-8")
    assert "trunk: Denver-LGW" in text and "routeGroup: US-RG" in text  # routes read back in both shapes
    assert wxc("plan", str(exported), "--detailed-exitcode", base_url=server.base_url).returncode == 0


def test_a_one_digit_routing_prefix_is_accepted_and_applied(server: ServerThread, tmp_path: Path) -> None:
    desired = write(
        tmp_path, "prefix.yaml", 'version: 1\nlocations:\n  - name: London\n    routingPrefix: "4"\n'
    )
    assert wxc("validate", str(desired)).returncode == 0
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url).returncode == 0


# --- requests saved: the details name a local gateway's route; the list carries some detail fields ------

LGW_WITH_DETAILS = (
    "version: 1\nlocations:\n"
    "  - name: Paris\n    pstn:\n      type: LOCAL_GATEWAY\n      trunk: Paris-LGW\n"
    "    externalCallerIdName: Big Corp\n"
    "  - name: Berlin\n    pstn:\n      type: LOCAL_GATEWAY\n      routeGroup: EU-RG\n"
    "    announcementLanguage: de_de\n"
)
LISTED_ONLY = (
    "version: 1\nlocations:\n"
    '  - name: Paris\n    routingPrefix: "200"\n    outsideDialDigit: "0"\n'
    "    enforceOutsideDialDigit: true\n"
    '    callingLineId: {name: Paris, phoneNumber: "+33142685300"}\n'
)


def location_gets(server: ServerThread) -> list[str]:
    """The GETs of single locations' endpoints (the lists left out), as `details` or `pstn` and the name."""
    names = {loc_id(n): n for n in ("Paris", "Berlin", "Denver", "London", "Chicago")}
    found = []
    for path in gets(server):
        for location, name in names.items():
            if path == f"/v1/telephony/config/locations/{location}":
                found.append(f"details {name}")
            elif path.startswith(f"/v1/telephony/pstn/locations/{location}/"):
                found.append(f"pstn {name}")
    return sorted(found)


@pytest.mark.parametrize("with_route", [True, False])
def test_a_no_drift_plan_of_local_gateways_reads_only_their_details(
    server: ServerThread, tmp_path: Path, with_route: bool
) -> None:
    server.settings.pstn_connection_route = with_route
    desired = write(tmp_path, "lgw.yaml", LGW_WITH_DETAILS)
    plan = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
    assert location_gets(server) == ["details Berlin", "details Paris"]


def test_a_no_drift_plan_of_fields_the_list_carries_reads_no_location(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, "listed.yaml", LISTED_ONLY)
    plan = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert location_gets(server) == []
    # A drifted value of the list is planned, from the list's values.
    drifted = write(
        tmp_path, "drifted.yaml", LISTED_ONLY.replace('outsideDialDigit: "0"', 'outsideDialDigit: "9"')
    )
    plan = wxc("plan", str(drifted), "--format", "json", "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    (step,) = json.loads(plan.stdout)["steps"]
    assert (step["kind"], step["body"]) == ("details", {"outsideDialDigit": "9"})
    assert location_gets(server) == []


def test_a_saved_pstn_step_made_meanwhile_is_stale_naming_the_route_only(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, "paris.yaml", LGW_WITH_DETAILS.replace("trunk: Paris-LGW", "routeGroup: EU-RG"))
    saved = tmp_path / "plan.json"
    plan = wxc("plan", str(desired), "--out", str(saved), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    # Meanwhile an admin moves Paris to the route group: a fresh plan reads only the details now.
    admin_sets_pstn(
        server,
        "Paris",
        {"premiseRouteType": "ROUTE_GROUP", "premiseRouteId": webex_id("ROUTE_GROUP", "EU-RG")},
    )
    stale = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert stale.returncode == 5, stale.stdout + stale.stderr
    assert 'routeType was "TRUNK" when planned, is "ROUTE_GROUP" now' in stale.stderr
    assert "routeId was" in stale.stderr
    assert "id was" not in stale.stderr.replace("routeId was", "")  # the option's id was not read: not said
    assert len(puts(server)) == 1  # only the admin's
