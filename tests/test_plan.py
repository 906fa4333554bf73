import json
from typing import Any

import pytest

from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, InvalidInput, Position
from reconciler.plan import Plan, Step, make_plan
from reconciler.resources.details import details_body
from reconciler.shape import ShapeError
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import ConnectionOption, Named

TRUNKS = (Named("T1", "Denver-LGW"),)
GROUPS = (Named("R1", "US-RG"),)
OPTIONS = (
    ConnectionOption("OPT-LGW", "Local Gateway", "LOCAL_GATEWAY"),
    ConnectionOption("OPT-PURE", "Pure IP Cloud", "NON_INTEGRATED_CCP"),
    ConnectionOption("OPT-CISCO", "Cisco Calling Plan", "CISCO_PSTN"),
)
CCP = {"id": "OPT-PURE", "displayName": "Pure IP Cloud", "pstnConnectionType": "NON_INTEGRATED_CCP"}
DETAILS = {
    "routingPrefix": "100",
    "outsideDialDigit": "9",
    "callingLineId": {"name": "Main", "phoneNumber": "+12145555698"},
}


def loc(name: str, pstn: DesiredPstn | None = None, **details: Any) -> DesiredLocation:
    return DesiredLocation(name, Position("l.yaml", 1, 1), details, pstn)


def state(*locations: LocationState) -> CurrentState:
    return CurrentState(
        calling_locations=tuple(Named(s.id, s.name) for s in locations),
        locations={s.name: s for s in locations},
        trunks=TRUNKS,
        route_groups=GROUPS,
        route_names={"T1": "Denver-LGW", "R1": "US-RG"},
    )


def live(
    name: str, details: dict[str, Any] | None = None, pstn: dict[str, Any] | None = None
) -> LocationState:
    return LocationState(f"ID-{name}", name, details, pstn, OPTIONS if pstn else None)


def test_pstn_step_comes_before_details_step_for_each_location() -> None:
    desired = DesiredState(
        (
            loc("A", DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), routingPrefix="212"),
            loc("B", DesiredPstn("LOCAL_GATEWAY", route_group="US-RG"), outsideDialDigit="0"),
        )
    )
    plan = make_plan(desired, state(live("A", DETAILS, CCP), live("B", DETAILS, CCP)))
    assert [(s.location, s.kind) for s in plan.steps] == [
        ("A", "pstn"),
        ("A", "details"),
        ("B", "pstn"),
        ("B", "details"),
    ]
    assert plan.steps[0].path == "/telephony/pstn/locations/ID-A/connection"
    assert plan.steps[1].path == "/telephony/config/locations/ID-A"
    assert all(s.method == "PUT" for s in plan.steps)


def test_local_gateway_body_carries_the_route_only_even_when_an_lgw_option_is_offered() -> None:
    # As clients tested against live orgs send it; the option's id is never needed.
    desired = DesiredState((loc("A", DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW")),))
    (step,) = make_plan(desired, state(live("A", None, CCP))).steps
    assert step.body == {"premiseRouteType": "TRUNK", "premiseRouteId": "T1"}


def test_a_location_without_a_pstn_connection_plans_its_first_one_before_the_details() -> None:
    desired = DesiredState(
        (loc("New", DesiredPstn("LOCAL_GATEWAY", route_group="US-RG"), routingPrefix="212"),)
    )
    pstn, details = make_plan(desired, state(LocationState("ID-New", "New", DETAILS, {}))).steps
    assert (pstn.kind, details.kind) == ("pstn", "details")
    assert [(c.field, c.before, c.after) for c in pstn.changes] == [
        ("pstn.type", None, "LOCAL_GATEWAY"),
        ("pstn.routeGroup", None, "US-RG"),
    ]
    assert pstn.body == {"premiseRouteType": "ROUTE_GROUP", "premiseRouteId": "R1"}
    # What a saved plan's stale check compares: "no connection" is every PSTN field null.
    assert pstn.basis == {"pstnConnectionType": None, "routeType": None, "routeId": None, "id": None}


def test_a_location_without_a_pstn_connection_gets_its_first_cloud_provider() -> None:
    desired = DesiredState((loc("New", DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud")),))
    (step,) = make_plan(desired, state(LocationState("ID-New", "New", None, {}, OPTIONS))).steps
    assert step.body == {"id": "OPT-PURE"}
    assert ("pstn.type", None, "NON_INTEGRATED_CCP") in [(c.field, c.before, c.after) for c in step.changes]


def test_local_gateway_body_without_an_lgw_option_has_only_the_route() -> None:
    desired = DesiredState((loc("A", DesiredPstn("LOCAL_GATEWAY", route_group="US-RG")),))
    current = state(LocationState("ID-A", "A", None, CCP, OPTIONS[1:]))
    (step,) = make_plan(desired, current).steps
    assert step.body == {"premiseRouteType": "ROUTE_GROUP", "premiseRouteId": "R1"}


def test_ccp_body_carries_the_option_id_found_by_name() -> None:
    lgw = {"pstnConnectionType": "LOCAL_GATEWAY", "routeType": "TRUNK", "routeId": "T1"}
    desired = DesiredState((loc("A", DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud")),))
    (step,) = make_plan(desired, state(live("A", None, lgw))).steps
    assert step.body == {"id": "OPT-PURE"}


def test_details_body_has_only_changed_fields_and_never_connection() -> None:
    desired = DesiredState((loc("A", routingPrefix="212", outsideDialDigit="9"),))
    current = {**DETAILS, "connection": {"type": "TRUNK", "id": "T1"}}
    (step,) = make_plan(desired, state(live("A", current))).steps
    assert step.body == {"routingPrefix": "212"}
    assert step.starts_job


def test_calling_line_id_is_sent_whole() -> None:
    body = details_body(
        {"callingLineId": {"name": "New"}},
        DETAILS,
        make_plan(DesiredState((loc("A", callingLineId={"name": "New"}),)), state(live("A", DETAILS)))
        .steps[0]
        .changes,
    )
    assert body == {"callingLineId": {"name": "New", "phoneNumber": "+12145555698"}}


def test_calling_line_id_name_can_be_cleared() -> None:
    desired = DesiredState((loc("A", callingLineId={"name": None}),))
    (step,) = make_plan(desired, state(live("A", DETAILS))).steps
    assert step.body == {"callingLineId": {"name": None, "phoneNumber": "+12145555698"}}


def test_no_drift_no_steps_and_the_location_is_listed_unchanged() -> None:
    desired = DesiredState(
        (loc("A", DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud"), routingPrefix="100"),)
    )
    plan = make_plan(desired, state(live("A", DETAILS, CCP)))
    assert plan.steps == ()
    assert plan.unchanged == ("A",)


def test_org_errors_stop_the_whole_plan_with_every_error() -> None:
    desired = DesiredState(
        (
            loc("Nowhere", routingPrefix="212"),
            loc("A", DesiredPstn("NON_INTEGRATED_CCP", provider="Cisco Calling Plan")),
            loc("B", DesiredPstn("NON_INTEGRATED_CCP", provider="No Such Carrier")),
        )
    )
    lgw = {"pstnConnectionType": "LOCAL_GATEWAY", "routeType": "TRUNK", "routeId": "T1"}
    with pytest.raises(InvalidInput) as raised:
        make_plan(desired, state(live("A", None, lgw), live("B", None, lgw)))
    messages = [e.message for e in raised.value.errors]
    assert len(messages) == 3
    assert any("'Nowhere' not found" in m for m in messages)
    assert any("CISCO_PSTN" in m and "cannot be set" in m for m in messages)
    assert any("'No Such Carrier'" in m and "Pure IP Cloud" in m for m in messages)


def test_plan_round_trips_through_json() -> None:
    desired = DesiredState(
        (loc("A", DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), outsideDialDigit=None),)
    )
    plan = make_plan(desired, state(live("A", DETAILS, CCP)))
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["formatVersion"] == 1
    assert data["summary"] == {"locationsChanged": 1, "locationsUnchanged": 0, "steps": 2, "fields": 4}
    assert Plan.from_dict(data) == plan


def test_an_unknown_trunk_is_an_error_not_a_crash() -> None:
    desired = DesiredState((loc("A", DesiredPstn("LOCAL_GATEWAY", trunk="No-Such-Trunk")),))
    with pytest.raises(InvalidInput) as raised:
        make_plan(desired, state(live("A", None, CCP)))
    (error,) = raised.value.errors
    assert "trunk 'No-Such-Trunk' not found" in error.message


def test_each_step_records_the_live_values_it_was_computed_from() -> None:
    desired = DesiredState(
        (
            loc(
                "A",
                DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"),
                routingPrefix="212",
                outsideDialDigit="9",
            ),
        )
    )
    pstn, details = make_plan(desired, state(live("A", DETAILS, CCP))).steps
    assert pstn.basis == {
        "pstnConnectionType": "NON_INTEGRATED_CCP",
        "routeType": None,
        "routeId": None,
        "id": "OPT-PURE",
    }
    # every managed field, the unchanged outsideDialDigit too: a later change to it makes a saved plan stale
    assert details.basis == {"routingPrefix": "100", "outsideDialDigit": "9"}


def test_routing_prefix_and_pstn_changes_are_disruptive() -> None:
    desired = DesiredState(
        (
            loc("A", DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), outsideDialDigit="0"),
            loc("B", routingPrefix="299"),
        )
    )
    steps = make_plan(desired, state(live("A", DETAILS, CCP), live("B", DETAILS))).steps
    assert [(s.location, s.kind, s.disruptive) for s in steps] == [
        ("A", "pstn", True),
        ("A", "details", False),
        ("B", "details", True),
    ]


def test_a_step_of_an_unknown_kind_is_refused_never_read_as_details() -> None:
    desired = DesiredState((loc("A", outsideDialDigit=None),))
    (step,) = make_plan(desired, state(live("A", DETAILS, CCP))).steps
    data = json.loads(json.dumps(step.to_dict()))
    assert Step.from_dict(data) == step
    data["kind"] = "callQueue"
    with pytest.raises(ShapeError, match=r'^step\.kind is "callQueue", which this wxc-reconcile'):
        Step.from_dict(data)
