"""resources/pstn.py: the PSTN connection in the file's own terms (routes by name), its diff, and the
request body by connection option."""

from typing import Any

import pytest
from test_resolve import loc

from reconciler.desired.model import DesiredPstn, InputError
from reconciler.diff import FieldChange
from reconciler.resources.pstn import (
    RESOURCE,
    RouteFromDetails,
    current_pstn_view,
    diff_pstn,
    option_types,
    pstn_body,
    route_from_details,
)
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import ConnectionOption

CCP = {"id": "O1", "displayName": "Pure IP Cloud", "pstnConnectionType": "NON_INTEGRATED_CCP"}
LGW = {"pstnConnectionType": "LOCAL_GATEWAY", "routeType": "TRUNK", "routeId": "T1", "id": "LG"}
ROUTES = {"T1": "Denver-LGW", "R1": "US-RG"}


def test_pstn_same_provider_by_name_is_no_change() -> None:
    assert diff_pstn(DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud"), CCP, ROUTES) == ()


def test_pstn_same_provider_by_id_is_no_change() -> None:
    assert diff_pstn(DesiredPstn("NON_INTEGRATED_CCP", connection_id="O1"), CCP, ROUTES) == ()


def test_pstn_same_trunk_is_no_change_whatever_the_option_id() -> None:
    assert diff_pstn(DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), LGW, ROUTES) == ()


def test_pstn_from_cloud_to_trunk_shows_routes_by_name() -> None:
    changes = diff_pstn(DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), CCP, ROUTES)
    assert changes == (
        FieldChange("pstn.type", "NON_INTEGRATED_CCP", "LOCAL_GATEWAY"),
        FieldChange("pstn.trunk", None, "Denver-LGW"),
        FieldChange("pstn.provider", "Pure IP Cloud", None),
    )


def test_pstn_from_trunk_to_route_group_clears_the_trunk() -> None:
    changes = diff_pstn(DesiredPstn("LOCAL_GATEWAY", route_group="US-RG"), LGW, ROUTES)
    assert changes == (
        FieldChange("pstn.trunk", "Denver-LGW", None),
        FieldChange("pstn.routeGroup", None, "US-RG"),
    )


def test_pstn_unknown_route_id_is_shown_as_the_id() -> None:
    view = current_pstn_view({**LGW, "routeId": "T9"}, ROUTES, {"trunk": None})
    assert view == {"trunk": "T9"}


def test_pstn_unknown_connection_type_is_read_not_crashed_on() -> None:
    live = {"pstnConnectionType": "SOMETHING_NEW", "displayName": "X"}
    changes = diff_pstn(DesiredPstn("NON_INTEGRATED_CCP", provider="X"), live, ROUTES)
    assert changes == (FieldChange("pstn.type", "SOMETHING_NEW", "NON_INTEGRATED_CCP"),)


UNTYPED = (
    ConnectionOption("OPT-LGW", "Local Gateway", None),
    ConnectionOption("OPT-PURE", "Pure IP Cloud", None),
    ConnectionOption("OPT-PREM", "Premises-based PSTN", None),
)
LGW_ANSWER = {"id": "OPT-LGW", "pstnConnectionType": "LOCAL_GATEWAY", "routeType": "TRUNK", "routeId": "T1"}


def provider_body(provider: str, **pstn_by_location: dict[str, Any]) -> dict[str, Any] | InputError:
    """The PSTN body for Denver to use `provider`, with UNTYPED offered and these PSTN answers read."""
    states = {n: LocationState(f"ID-{n}", n, pstn=p, options=UNTYPED) for n, p in pstn_by_location.items()}
    current = CurrentState(calling_locations=(), locations=states)
    wanted = DesiredPstn("NON_INTEGRATED_CCP", provider=provider)
    desired = loc("Denver", wanted)
    return pstn_body(desired, wanted, states["Denver"], current)


def test_an_untyped_option_is_taken_as_a_cloud_provider_by_its_name() -> None:
    assert provider_body("Pure IP Cloud", Denver={}) == {"id": "OPT-PURE"}


def test_an_option_a_pstn_answer_reports_as_a_local_gateway_is_refused_as_a_provider() -> None:
    # Paris uses "Local Gateway": its PSTN answer says of which type that option is.
    refused = provider_body("Local Gateway", Denver={}, Paris=LGW_ANSWER)
    assert isinstance(refused, InputError)
    assert "'Local Gateway' is the local gateway connection, not a cloud provider" in refused.message
    assert "type: LOCAL_GATEWAY" in refused.message


def test_the_premises_based_option_is_a_local_gateway_by_its_documented_name() -> None:
    refused = provider_body("Premises-based PSTN", Denver={})
    assert isinstance(refused, InputError) and "is the local gateway connection" in refused.message


def test_the_providers_offered_leave_out_the_options_known_to_be_local_gateways() -> None:
    refused = provider_body("Pure IP", Denver={}, Paris=LGW_ANSWER)
    assert isinstance(refused, InputError)
    assert "non-integrated CCP options offered: Pure IP Cloud" in refused.message
    assert "Local Gateway" not in refused.message and "Premises" not in refused.message


def test_an_option_type_is_read_when_the_api_sends_it() -> None:
    typed = (ConnectionOption("OPT-CISCO", "Cisco Calling Plan", "CISCO_PSTN"),)
    state = LocationState("ID-Denver", "Denver", pstn={}, options=typed)
    wanted = DesiredPstn("NON_INTEGRATED_CCP", provider="Cisco Calling Plan")
    current = CurrentState(calling_locations=(), locations={"Denver": state})
    refused = pstn_body(loc("Denver", wanted), wanted, state, current)
    assert isinstance(refused, InputError) and "is a CISCO_PSTN connection" in refused.message


def test_option_types_are_learned_only_from_well_formed_pstn_answers() -> None:
    answers = {
        "A": LGW_ANSWER,
        "B": {},  # no PSTN connection yet
        "C": {"id": "OPT-X", "pstnConnectionType": None},
        "D": {"id": 7, "pstnConnectionType": "NON_INTEGRATED_CCP"},
        "E": {"id": "OPT-PURE", "pstnConnectionType": "NON_INTEGRATED_CCP"},
    }
    states = {n: LocationState(f"ID-{n}", n, pstn=p) for n, p in answers.items()}
    current = CurrentState(calling_locations=(), locations={**states, "F": LocationState("ID-F", "F")})
    assert option_types(current) == {"OPT-LGW": "LOCAL_GATEWAY", "OPT-PURE": "NON_INTEGRATED_CCP"}


# --- the route as the location details name it ------------------------------------------------------


@pytest.mark.parametrize("route_type", ["TRUNK", "ROUTE_GROUP"])
def test_the_details_connection_of_a_local_gateway_is_its_route(route_type: str) -> None:
    shown = route_from_details({"connection": {"type": route_type, "id": "T1"}})
    assert isinstance(shown, RouteFromDetails)
    assert shown == {"pstnConnectionType": "LOCAL_GATEWAY", "routeType": route_type, "routeId": "T1"}


@pytest.mark.parametrize(
    "details",
    [
        {},  # no PSTN set up
        {"connection": {"type": "CLOUD_CONNECTED_PSTN"}},
        {"connection": {"type": "CISCO_PSTN"}},
        {"connection": {"type": "TRUNK"}},
        {"connection": {"type": "TRUNK", "id": ""}},
        {"connection": {"type": "TRUNK", "id": 7}},
        {"connection": "TRUNK"},
    ],
)
def test_details_that_name_no_local_gateway_route_give_none(details: dict[str, Any]) -> None:
    assert route_from_details(details) is None


def test_the_details_route_compares_as_the_pstn_answer_does() -> None:
    shown = route_from_details({"connection": {"type": "TRUNK", "id": "T1"}})
    assert shown is not None
    assert diff_pstn(DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), shown, ROUTES) == ()
    assert diff_pstn(DesiredPstn("LOCAL_GATEWAY", route_group="US-RG"), shown, ROUTES)
    # A route group of the trunk's name is another route: the type tells them apart.
    assert diff_pstn(DesiredPstn("LOCAL_GATEWAY", route_group="Denver-LGW"), shown, ROUTES)


def test_a_saved_basis_is_compared_with_the_details_route_only_on_what_it_says() -> None:
    basis = {"pstnConnectionType": "LOCAL_GATEWAY", "routeType": "TRUNK", "routeId": "T0", "id": "LG"}
    shown = RouteFromDetails(pstnConnectionType="LOCAL_GATEWAY", routeType="TRUNK", routeId="T1")
    assert RESOURCE.changed_since(basis, shown) == (FieldChange("routeId", "T0", "T1"),)
    # An API answer without `id` is another matter: the id is gone (read as null), and says so.
    answer = dict(shown)
    assert RESOURCE.changed_since(basis, answer) == (
        FieldChange("routeId", "T0", "T1"),
        FieldChange("id", "LG", None),
    )
