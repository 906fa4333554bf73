"""resources/internal_dialing.py: unknown-extension routing by route name, its rules at their file
positions, the diff and the minimal body, export; the documented examples replayed against the client;
and end to end through the installed CLI against the simulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from clirun import loc_id, puts, wxc
from denver_file import errors, write
from test_contract_support import LOCATION_ID, REPLAY, response_body, run_api

from reconciler.desired import load_desired
from reconciler.diff import FieldChange
from reconciler.export.document import LiveLocation
from reconciler.jobs import JobPolling
from reconciler.plan import Step
from reconciler.resources.base import ApplyContext, Done, Reads
from reconciler.resources.internal_dialing import RESOURCE
from reconciler.sandbox import ServerThread, webex_id
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import CallingApi, Named

TRUNK = Named("T1", "Denver-LGW")
GROUP = Named("R1", "US-RG")
CURRENT = CurrentState(
    (), {}, trunks=(TRUNK,), route_groups=(GROUP,), route_names={"T1": "Denver-LGW", "R1": "US-RG"}
)
VIA_TRUNK = {
    "enableUnknownExtensionRoutePolicy": True,
    "unknownExtensionRouteIdentity": {"id": "T1", "name": "Denver-LGW", "type": "TRUNK"},
}
OFF = {"enableUnknownExtensionRoutePolicy": False}


# --- offline rules, at their file positions -----------------------------------------------------------


def test_a_route_names_a_trunk_or_a_route_group_not_both(tmp_path: Path) -> None:
    body = "    internalDialing:\n      unknownExtensionRoute: {trunk: A, routeGroup: B}\n"
    assert errors(tmp_path, body) == [
        "d.yaml:5:41: internalDialing.unknownExtensionRoute takes exactly one of 'trunk' or 'routeGroup', "
        "not both"
    ]


def test_an_empty_route_or_an_empty_setting_says_what_to_give(tmp_path: Path) -> None:
    assert errors(tmp_path, "    internalDialing: {}\n") == [
        "d.yaml:4:22: internalDialing must not be empty: give enableUnknownExtensionRoutePolicy or "
        "unknownExtensionRoute (or leave internalDialing out)"
    ]
    assert errors(tmp_path, "    internalDialing:\n      unknownExtensionRoute: {}\n") == [
        "d.yaml:5:30: internalDialing.unknownExtensionRoute must not be empty: give trunk or routeGroup "
        "(or leave internalDialing.unknownExtensionRoute out)"
    ]


def test_the_policy_cannot_be_null_but_the_route_can(tmp_path: Path) -> None:
    assert errors(tmp_path, "    internalDialing: {enableUnknownExtensionRoutePolicy: null}\n") == [
        "d.yaml:4:58: internalDialing.enableUnknownExtensionRoutePolicy cannot be null "
        "(it cannot be cleared): give true or false, or leave it out"
    ]
    (location,) = load_desired(
        write(tmp_path, "    internalDialing: {unknownExtensionRoute: null}\n")
    ).locations
    assert RESOURCE.desired(location) == {"unknownExtensionRoute": None}


def test_an_unknown_field_names_the_allowed_ones(tmp_path: Path) -> None:
    (message,) = errors(tmp_path, "    internalDialing: {enableUnknownExtensionRoute: true}\n")
    assert "unknown field 'enableUnknownExtensionRoute' in internalDialing; did you mean " in message
    assert "'enableUnknownExtensionRoutePolicy'?" in message


def test_a_route_name_the_org_does_not_have_is_an_error_at_its_place(tmp_path: Path) -> None:
    body = "    internalDialing:\n      unknownExtensionRoute:\n        trunk: Denver-LGX\n"
    (location,) = load_desired(write(tmp_path, body)).locations
    (problem,) = RESOURCE.org_problems(location, CURRENT)
    assert str(problem).endswith(
        "d.yaml:6:16: trunk 'Denver-LGX' not found in the org; did you mean 'Denver-LGW'? trunks: Denver-LGW"
    )
    group = load_desired(write(tmp_path, body.replace("trunk: Denver-LGX", "routeGroup: US-RG"))).locations[0]
    assert RESOURCE.org_problems(group, CURRENT) == []


def test_the_route_lists_are_needed_only_for_a_route_by_name(tmp_path: Path) -> None:
    by_name = load_desired(write(tmp_path, "    internalDialing: {unknownExtensionRoute: {trunk: A}}\n"))
    cleared = load_desired(write(tmp_path, "    internalDialing: {unknownExtensionRoute: null}\n"))
    policy = load_desired(write(tmp_path, "    internalDialing: {enableUnknownExtensionRoutePolicy: true}\n"))
    assert RESOURCE.lookups(by_name) == {"routes"}
    assert RESOURCE.lookups(cleared) == RESOURCE.lookups(policy) == frozenset()


# --- diff and body --------------------------------------------------------------------------------------


def plan_of(wanted: dict[str, Any], live: dict[str, Any]) -> tuple[tuple[FieldChange, ...], Any]:
    changes = RESOURCE.diff(wanted, live, CURRENT)
    state = LocationState("L1", "Denver", settings={"internalDialing": live})
    body = RESOURCE.body(None, wanted, state, CURRENT, changes) if changes else None  # type: ignore[arg-type]
    return changes, body


def test_the_same_route_by_name_is_no_change_even_when_renamed_since() -> None:
    assert plan_of({"unknownExtensionRoute": {"trunk": "Denver-LGW"}}, VIA_TRUNK) == ((), None)
    renamed = {
        **VIA_TRUNK,
        "unknownExtensionRouteIdentity": {"id": "T1", "name": "old name", "type": "TRUNK"},
    }
    assert plan_of({"unknownExtensionRoute": {"trunk": "Denver-LGW"}}, renamed) == ((), None)


def test_turning_the_policy_on_sends_it_alone() -> None:
    changes, body = plan_of({"enableUnknownExtensionRoutePolicy": True}, OFF)
    assert changes == (FieldChange("internalDialing.enableUnknownExtensionRoutePolicy", False, True),)
    assert body == {"enableUnknownExtensionRoutePolicy": True}


def test_a_first_route_sends_its_id_and_type() -> None:
    changes, body = plan_of(
        {"enableUnknownExtensionRoutePolicy": False, "unknownExtensionRoute": {"routeGroup": "US-RG"}}, OFF
    )
    assert changes == (FieldChange("internalDialing.unknownExtensionRoute", None, {"routeGroup": "US-RG"}),)
    assert body == {"unknownExtensionRouteIdentity": {"id": "R1", "type": "ROUTE_GROUP"}}


def test_another_trunk_is_shown_as_the_trunk_changing() -> None:
    other = {**VIA_TRUNK, "unknownExtensionRouteIdentity": {"id": "T9", "name": "Paris-LGW", "type": "TRUNK"}}
    changes, body = plan_of({"unknownExtensionRoute": {"trunk": "Denver-LGW"}}, other)
    assert changes == (FieldChange("internalDialing.unknownExtensionRoute.trunk", "Paris-LGW", "Denver-LGW"),)
    assert body == {"unknownExtensionRouteIdentity": {"id": "T1", "type": "TRUNK"}}


def test_from_a_trunk_to_a_route_group_is_shown_whole() -> None:
    changes, _ = plan_of({"unknownExtensionRoute": {"routeGroup": "US-RG"}}, VIA_TRUNK)
    assert changes == (
        FieldChange(
            "internalDialing.unknownExtensionRoute", {"trunk": "Denver-LGW"}, {"routeGroup": "US-RG"}
        ),
    )


def test_null_clears_the_route_and_sends_null() -> None:
    changes, body = plan_of({"unknownExtensionRoute": None}, VIA_TRUNK)
    assert changes == (FieldChange("internalDialing.unknownExtensionRoute", {"trunk": "Denver-LGW"}, None),)
    assert body == {"unknownExtensionRouteIdentity": None}
    assert plan_of({"unknownExtensionRoute": None}, OFF) == ((), None)


def test_the_basis_holds_only_the_managed_fields_by_id_and_type() -> None:
    assert RESOURCE.basis({"unknownExtensionRoute": None}, VIA_TRUNK) == {
        "unknownExtensionRouteIdentity": {"id": "T1", "type": "TRUNK"}
    }
    assert RESOURCE.basis({"enableUnknownExtensionRoutePolicy": True}, OFF) == {
        "enableUnknownExtensionRoutePolicy": False
    }


def test_an_answer_of_odd_types_is_read_leniently() -> None:
    odd = {
        "enableUnknownExtensionRoutePolicy": "yes",
        "unknownExtensionRouteIdentity": {"id": 7, "type": "X"},
    }
    changes, _ = plan_of({"enableUnknownExtensionRoutePolicy": True, "unknownExtensionRoute": None}, odd)
    assert changes == (FieldChange("internalDialing.enableUnknownExtensionRoutePolicy", "yes", True),)


# --- export ---------------------------------------------------------------------------------------------


def exported(live: dict[str, Any]) -> tuple[Any, list[str]]:
    notes: list[str] = []
    location = LiveLocation("Denver", {}, None, settings={"internalDialing": live})
    fields, _ = RESOURCE.export(location, CURRENT.route_names, notes)
    return json.loads(json.dumps(fields)), notes


def test_export_names_the_route_and_writes_none_as_null() -> None:
    assert exported(VIA_TRUNK) == (
        {
            "internalDialing": {
                "enableUnknownExtensionRoutePolicy": True,
                "unknownExtensionRoute": {"trunk": "Denver-LGW"},
            }
        },
        [],
    )
    assert exported(OFF) == (
        {"internalDialing": {"enableUnknownExtensionRoutePolicy": False, "unknownExtensionRoute": None}},
        [],
    )


def test_export_leaves_a_route_it_cannot_name_unmanaged_never_null() -> None:
    unknown = {**VIA_TRUNK, "unknownExtensionRouteIdentity": {"id": "T9", "type": "TRUNK"}}
    fields, notes = exported(unknown)
    assert fields == {"internalDialing": {"enableUnknownExtensionRoutePolicy": True}}
    assert notes == [
        "internalDialing.unknownExtensionRoute is left out (unmanaged): the org routes unknown extensions to "
        "T9, which the file cannot name (not one of the org's trunks or route groups by a name of one "
        "line of printable text)."
    ]


# --- the documented examples, replayed against the client -------------------------------------------------

CASSETTE = "internal_dialing.yaml"
DOCUMENTED = response_body(CASSETTE, 0)
DOCUMENTED_GROUP = Named(DOCUMENTED["unknownExtensionRouteIdentity"]["id"], "route_identity_name")
DOCUMENTED_ORG = CurrentState((), {}, route_groups=(DOCUMENTED_GROUP,), route_names={})


def test_the_documented_answer_reads_as_the_route_group_by_name() -> None:
    with REPLAY.use_cassette(CASSETTE) as played:
        read = run_api(lambda api: RESOURCE.read(Reads(api, LOCATION_ID), None, {}))
    assert played.play_count == 1
    live = read["settings"]["internalDialing"]
    assert live == DOCUMENTED
    wanted = {
        "enableUnknownExtensionRoutePolicy": True,
        "unknownExtensionRoute": {"routeGroup": "route_identity_name"},
    }
    assert RESOURCE.diff(wanted, live, DOCUMENTED_ORG) == ()


@pytest.mark.parametrize(
    ("wanted", "live"),
    [
        ({"unknownExtensionRoute": {"routeGroup": "route_identity_name"}}, OFF),
        ({"unknownExtensionRoute": None}, DOCUMENTED),
    ],
    ids=["a route by id and type", "the route cleared"],
)
def test_the_client_sends_the_bodies_of_the_contract(wanted: dict[str, Any], live: dict[str, Any]) -> None:
    changes = RESOURCE.diff(wanted, live, DOCUMENTED_ORG)
    state = LocationState(LOCATION_ID, "Denver", settings={"internalDialing": live})
    step = Step("Denver", LOCATION_ID, RESOURCE.kind, "PUT", RESOURCE.path(LOCATION_ID), {}, changes)
    body = RESOURCE.body(None, wanted, state, DOCUMENTED_ORG, changes)  # type: ignore[arg-type]
    assert isinstance(body, dict)
    done = replay_one(CASSETTE, lambda api: RESOURCE.apply(context(api), replace(step, body=body)))
    assert done == Done("applied")


def context(api: CallingApi) -> ApplyContext:
    return ApplyContext(api, JobPolling(), {}, asyncio.Lock())


def replay_one(cassette: str, work: Callable[[CallingApi], Awaitable[Any]]) -> Any:
    with REPLAY.use_cassette(cassette) as played:
        result = run_api(work)
    assert played.play_count == 1
    return result


# --- end to end: the installed CLI against the simulator over real HTTP ------------------------------------

ROUTED = (
    "version: 1\nlocations:\n  - name: Berlin\n    internalDialing:\n"
    "      enableUnknownExtensionRoutePolicy: true\n      unknownExtensionRoute: {routeGroup: EU-RG}\n"
)


def test_plan_apply_plan_routes_unknown_extensions_then_nothing_is_left(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = tmp_path / "berlin.yaml"
    desired.write_text(ROUTED, encoding="utf-8")
    plan = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "unknown-extension routing" in plan.stdout
    assert 'internalDialing.unknownExtensionRoute              null → {"routeGroup": "EU-RG"}' in plan.stdout
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert puts(server) == [
        (
            f"/v1/telephony/config/locations/{loc_id('Berlin')}/internalDialing",
            {
                "enableUnknownExtensionRoutePolicy": True,
                "unknownExtensionRouteIdentity": {
                    "id": webex_id("ROUTE_GROUP", "EU-RG"),
                    "type": "ROUTE_GROUP",
                },
            },
        )
    ]
    again = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr


def test_the_route_lists_are_read_once_with_the_pstn_connection_and_an_unknown_name_stops_before_any_put(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = tmp_path / "both.yaml"
    desired.write_text(
        ROUTED.replace("EU-RG", "EU-RX") + "    pstn: {type: LOCAL_GATEWAY, routeGroup: EU-RG}\n",
        encoding="utf-8",
    )
    plan = wxc("plan", str(desired), base_url=server.base_url)
    assert plan.returncode == 3, plan.stdout + plan.stderr
    assert (
        "both.yaml:6:43: route group 'EU-RX' not found in the org; did you mean 'EU-RG', 'US-RG'?"
        in plan.stderr
    )
    paths = [r.path for r in server.requests]
    assert paths.count("/v1/telephony/config/premisePstn/trunks") == 1
    assert paths.count("/v1/telephony/config/premisePstn/routeGroups") == 1
    assert puts(server) == []


def test_a_file_that_does_not_manage_it_sends_no_get_to_it(server: ServerThread, tmp_path: Path) -> None:
    desired = tmp_path / "other.yaml"
    desired.write_text(
        'version: 1\nlocations:\n  - name: Berlin\n    outsideDialDigit: "0"\n', encoding="utf-8"
    )
    assert wxc("plan", str(desired), base_url=server.base_url).returncode == 0
    assert not [r for r in server.requests if r.path.endswith("/internalDialing")]
