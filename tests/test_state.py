"""state.py against the real simulator, in-process: what is read, how often, and how PSTN answers are read.

A calling location with no PSTN connection reads as `{}`; a local gateway's route comes from the PSTN
answer, or from the location details when the answer is of the shape before 2025; connection options
are read only for a change to a cloud provider. Counts are taken from the simulator's request log.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from inprocess import run

from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, Position
from reconciler.sandbox import webex_id
from reconciler.state import CurrentState, fetch_current
from reconciler.webex.api import details_path, pstn_connection_path
from reconciler.webex.errors import WebexError

CHICAGO, PARIS, DENVER = (webex_id("LOCATION", n) for n in ("Chicago", "Paris", "Denver"))
PARIS_LGW = webex_id("TRUNK", "Paris-LGW")


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
