"""state.py against the real simulator, in-process: what is read, how often, and how PSTN answers are read.

A calling location with no PSTN connection reads as `{}`; a local gateway's route comes from the PSTN
answer, or from the location details when the answer is of the shape before 2025; connection options
are read only for a change to a cloud provider. Requests are saved where the answer is known already: no
PSTN GET for a local gateway the details (read anyway) show as desired, no details GET when the
calling-locations list carries every managed detail field. Counts are taken from the simulator's
request log.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from inprocess import run

from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, Position
from reconciler.plan import make_plan
from reconciler.resources.pstn import RouteFromDetails
from reconciler.sandbox import webex_id
from reconciler.state import CurrentState, fetch_current
from reconciler.webex.api import details_path, pstn_connection_path
from reconciler.webex.errors import WebexError

CHICAGO, PARIS, DENVER, BERLIN = (webex_id("LOCATION", n) for n in ("Chicago", "Paris", "Denver", "Berlin"))
PARIS_LGW = webex_id("TRUNK", "Paris-LGW")
PARIS_TRUNK = DesiredPstn("LOCAL_GATEWAY", trunk="Paris-LGW")
BERLIN_RG = DesiredPstn("LOCAL_GATEWAY", route_group="EU-RG")
# Paris's detail fields as the seed org has them, those the calling-locations list carries.
PARIS_LISTED = {
    "routingPrefix": "200",
    "outsideDialDigit": "0",
    "enforceOutsideDialDigit": True,
    "callingLineId": {"name": "Paris", "phoneNumber": "+33142685300"},
}


def loc(name: str, pstn: DesiredPstn | None = None, **details: Any) -> DesiredLocation:
    return DesiredLocation(name, Position("t.yaml"), details, pstn)


def fetched(app: Any, *locations: DesiredLocation) -> CurrentState:
    return run(app, lambda api: fetch_current(api, DesiredState(locations)))


def reads_of(app: Any, location_id: str) -> Counter[str]:
    """The GETs of one location's endpoints, by endpoint."""
    kinds = {
        f"/v1{details_path(location_id)}": "details",
        f"/v1{pstn_connection_path(location_id)}": "pstn",
        f"/v1{pstn_connection_path(location_id)}Options": "options",
    }
    return Counter(kinds[r.path] for r in app.state.requests if r.method == "GET" and r.path in kinds)


# --- a calling location without a PSTN connection ----------------------------------------------------------


def test_a_calling_location_without_pstn_reads_as_an_empty_connection(app: Any) -> None:
    current = fetched(app, loc("Chicago", DesiredPstn("LOCAL_GATEWAY", route_group="US-RG")))
    assert current.locations["Chicago"].pstn == {}
    # One GET, the PSTN connection's: a local gateway needs neither the details nor the options.
    assert reads_of(app, CHICAGO) == Counter({"pstn": 1})


def test_a_first_cloud_provider_reads_the_options_it_is_chosen_from(app: Any) -> None:
    current = fetched(app, loc("Chicago", DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud")))
    state = current.locations["Chicago"]
    assert state.pstn == {} and state.options
    assert reads_of(app, CHICAGO) == Counter({"pstn": 1, "options": 1})


def test_the_404_for_an_unknown_location_stays_an_error(app: Any) -> None:
    # Not the PSTN service's "not configured", and the location is not known to be calling-enabled.
    def gone(api: Any) -> Any:
        return api.get_pstn_connection(webex_id("LOCATION", "Nowhere"))

    with pytest.raises(WebexError) as raised:
        run(app, gone)
    assert raised.value.status == 404


# --- the route of a local gateway: PSTN answers since 2025, or the details before ------------------------


@pytest.mark.parametrize("with_route", [True, False])
def test_a_matching_local_gateway_plans_no_change_in_either_answer_shape(app: Any, with_route: bool) -> None:
    app.state.settings.pstn_connection_route = with_route
    current = fetched(app, loc("Paris", DesiredPstn("LOCAL_GATEWAY", trunk="Paris-LGW")))
    pstn = current.locations["Paris"].pstn
    assert pstn is not None and (pstn["routeType"], pstn["routeId"]) == ("TRUNK", PARIS_LGW)
    assert current.locations["Paris"].details is None  # read for the route only: not managed, not diffed
    # Since 2025 the PSTN answer is enough; before, the details' `connection` names the route.
    assert reads_of(app, PARIS) == Counter({"pstn": 1} if with_route else {"pstn": 1, "details": 1})


def test_the_older_shape_costs_no_extra_call_when_the_details_are_managed(app: Any) -> None:
    app.state.settings.pstn_connection_route = False
    current = fetched(app, loc("Paris", DesiredPstn("LOCAL_GATEWAY", trunk="Paris-LGW"), routingPrefix="200"))
    pstn = current.locations["Paris"].pstn
    assert pstn is not None and pstn["routeId"] == PARIS_LGW
    assert reads_of(app, PARIS) == Counter({"pstn": 1, "details": 1})


def test_a_cloud_provider_needs_no_route_whatever_the_shape(app: Any) -> None:
    app.state.settings.pstn_connection_route = False
    fetched(app, loc("Denver", DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud")))
    assert reads_of(app, DENVER) == Counter({"pstn": 1})  # no drift: no options either


# --- no PSTN GET for a local gateway whose details, read anyway, name the desired route ---------------


@pytest.mark.parametrize("with_route", [True, False])
@pytest.mark.parametrize(
    ("name", "pstn", "route"),
    [("Paris", PARIS_TRUNK, ("TRUNK", PARIS_LGW)), ("Berlin", BERLIN_RG, ("ROUTE_GROUP", None))],
)
def test_a_local_gateway_the_details_show_as_desired_needs_no_pstn_get(
    app: Any, with_route: bool, name: str, pstn: DesiredPstn, route: tuple[str, str | None]
) -> None:
    app.state.settings.pstn_connection_route = with_route  # the PSTN answer is never asked for
    location = loc(name, pstn, externalCallerIdName="Big Corp" if name == "Paris" else "Big Corp-Berlin")
    current = fetched(app, location)
    state = current.locations[name]
    assert isinstance(state.pstn, RouteFromDetails)
    assert (state.pstn["pstnConnectionType"], state.pstn["routeType"]) == ("LOCAL_GATEWAY", route[0])
    assert route[1] is None or state.pstn["routeId"] == route[1]
    assert reads_of(app, state.id) == Counter({"details": 1})
    assert make_plan(DesiredState((location,)), current).steps == ()


def test_a_local_gateway_on_another_route_reads_the_pstn_connection_and_plans_its_step(app: Any) -> None:
    wanted = DesiredPstn("LOCAL_GATEWAY", route_group="EU-RG")  # Paris is on its trunk
    location = loc("Paris", wanted, externalCallerIdName="Big Corp")
    current = fetched(app, location)
    state = current.locations["Paris"]
    assert not isinstance(state.pstn, RouteFromDetails)
    assert state.pstn is not None and state.pstn["id"]  # the PSTN answer, with the option's id
    assert reads_of(app, PARIS) == Counter({"details": 1, "pstn": 1})
    (step,) = make_plan(DesiredState((location,)), current).steps
    assert step.kind == "pstn"
    assert step.body == {
        "premiseRouteType": "ROUTE_GROUP",
        "premiseRouteId": webex_id("ROUTE_GROUP", "EU-RG"),
    }
    assert step.basis["routeId"] == PARIS_LGW and step.basis["id"] == state.pstn["id"]


def test_the_older_shape_takes_no_third_get_when_the_route_differs(app: Any) -> None:
    app.state.settings.pstn_connection_route = False
    location = loc("Paris", DesiredPstn("LOCAL_GATEWAY", trunk="Berlin-LGW"), externalCallerIdName="Big Corp")
    current = fetched(app, location)
    pstn = current.locations["Paris"].pstn
    assert pstn is not None and pstn["routeId"] == PARIS_LGW  # the details' route, on the PSTN answer
    assert reads_of(app, PARIS) == Counter({"details": 1, "pstn": 1})
    assert [s.kind for s in make_plan(DesiredState((location,)), current).steps] == ["pstn"]


def test_a_cloud_provider_is_read_from_the_pstn_connection_even_with_the_details(app: Any) -> None:
    # The details name no cloud provider (a type without an id): the PSTN GET is the only source.
    location = loc("Denver", DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud"), chargeNumber=None)
    current = fetched(app, location)
    assert not isinstance(current.locations["Denver"].pstn, RouteFromDetails)
    assert reads_of(app, DENVER) == Counter({"details": 1, "pstn": 1})
    assert make_plan(DesiredState((location,)), current).steps == ()


def test_a_site_without_pstn_is_read_from_the_pstn_connection(app: Any) -> None:
    location = loc("Chicago", DesiredPstn("LOCAL_GATEWAY", route_group="US-RG"), chargeNumber=None)
    current = fetched(app, location)
    assert current.locations["Chicago"].pstn == {}  # the details name no route: the PSTN GET says none
    assert reads_of(app, CHICAGO) == Counter({"details": 1, "pstn": 1})
    assert [s.kind for s in make_plan(DesiredState((location,)), current).steps] == ["pstn"]


# --- no details GET when the calling-locations list carries every managed detail field ----------------


def test_detail_fields_the_list_carries_need_no_details_get(app: Any) -> None:
    location = loc("Paris", **PARIS_LISTED)
    current = fetched(app, location)
    assert current.locations["Paris"].details == PARIS_LISTED
    assert reads_of(app, PARIS) == Counter()
    assert make_plan(DesiredState((location,)), current).steps == ()


def test_a_drifted_list_value_plans_its_details_step(app: Any) -> None:
    location = loc(
        "Paris", **{**PARIS_LISTED, "outsideDialDigit": "9", "callingLineId": {"name": "Paris Main"}}
    )
    current = fetched(app, location)
    assert reads_of(app, PARIS) == Counter()
    (step,) = make_plan(DesiredState((location,)), current).steps
    assert [(c.field, c.before, c.after) for c in step.changes] == [
        ("outsideDialDigit", "0", "9"),
        ("callingLineId.name", "Paris", "Paris Main"),
    ]
    # The number goes with the name, from the list's callingLineId.
    assert step.body == {
        "outsideDialDigit": "9",
        "callingLineId": {"name": "Paris Main", "phoneNumber": "+33142685300"},
    }
    assert step.basis == {**PARIS_LISTED, "callingLineId": {"name": "Paris"}}  # every managed field


def test_a_field_the_list_does_not_carry_takes_the_details_get(app: Any) -> None:
    current = fetched(app, loc("Paris", routingPrefix="200", chargeNumber=None))
    assert reads_of(app, PARIS) == Counter({"details": 1})
    assert current.locations["Paris"].details is not None
    assert current.locations["Paris"].details["userLimit"]  # the details answer, not the list's values


@pytest.mark.parametrize("with_route", [True, False])
def test_list_values_and_a_local_gateway_take_one_get_with_either_answer_shape_but_the_older_two(
    app: Any, with_route: bool
) -> None:
    # The details GET is not made for the details: the PSTN answer names the route since 2025, before
    # it the details do.
    app.state.settings.pstn_connection_route = with_route
    location = loc("Berlin", BERLIN_RG, routingPrefix="300", enforceOutsideDialDigit=True)
    current = fetched(app, location)
    assert reads_of(app, BERLIN) == Counter({"pstn": 1} if with_route else {"pstn": 1, "details": 1})
    assert make_plan(DesiredState((location,)), current).steps == ()
