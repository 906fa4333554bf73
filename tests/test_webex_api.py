"""CallingApi: each typed call hits the documented method + path and reads the answer leniently."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.webex import api as api_module
from reconciler.webex.api import CallingApi, ConnectionOption, Location, Named, UpdateResult
from reconciler.webex.client import WebexClient
from reconciler.webex.errors import WebexError

BASE = "https://webexapis.com/v1"
TOKEN = "tok-SECRET-0123456789"
LOC = "Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OLzEyMzQ"
JOB = "Y2lzY29zcGFyazovL3VzL0pPQl9JRC85ODc2"


class Server:
    """Answers (method, path) with a canned response and records every request."""

    def __init__(
        self, routes: dict[tuple[str, str], httpx.Response | Callable[[httpx.Request], httpx.Response]]
    ):
        self.routes = routes
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        key = (request.method, request.url.path)
        if key not in self.routes:
            return httpx.Response(404, json={"message": f"no route {key}"})
        answer = self.routes[key]
        return answer(request) if callable(answer) else answer


def call(server: Server, fn: Callable[[CallingApi], Any], org_id: str | None = None) -> Any:
    async def nap(seconds: float) -> None:
        return None

    async def go() -> Any:
        client = WebexClient(BASE, TOKEN, org_id=org_id, transport=httpx.MockTransport(server), sleep=nap)
        async with client:
            return await fn(CallingApi(client))

    return asyncio.run(go())


def sent_json(request: httpx.Request) -> Any:
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


# --- path helpers ------------------------------------------------------------------------------------


def test_path_helpers() -> None:
    assert api_module.LOCATIONS == "/locations"
    assert api_module.CALLING_LOCATIONS == "/telephony/config/locations"
    assert api_module.TRUNKS == "/telephony/config/premisePstn/trunks"
    assert api_module.ROUTE_GROUPS == "/telephony/config/premisePstn/routeGroups"
    assert api_module.details_path("L1") == "/telephony/config/locations/L1"
    assert api_module.pstn_connection_path("L1") == "/telephony/pstn/locations/L1/connection"
    assert api_module.connection_options_path("L1") == "/telephony/pstn/locations/L1/connectionOptions"
    assert api_module.routing_prefix_job_path("J1") == "/telephony/config/jobs/updateRoutingPrefix/J1"


@pytest.mark.parametrize("bad", ["", ".", ".."])
def test_an_id_that_is_no_path_segment_is_refused_before_any_request(bad: str) -> None:
    """Quoted, `..` would still be `..`: /locations/.. is /locations' parent, another resource."""
    server = Server({})
    with pytest.raises(WebexError, match="refusing to use"):
        call(server, lambda api: api.get_location_details(bad))
    with pytest.raises(WebexError, match="refusing to use"):
        call(server, lambda api: api.setup_pstn_connection(bad, {"premiseRouteType": "TRUNK"}))
    assert server.seen == []


def test_ids_with_reserved_characters_stay_one_segment_of_the_path_sent() -> None:
    server = Server({})
    for an_id in ("a/b", "%2E%2E", "..a", "a?b#c"):
        with pytest.raises(WebexError):  # the canned server knows no such location: 404
            call(server, functools.partial(CallingApi.get_location_details, location_id=an_id))
    sent = [request.url.raw_path for request in server.seen]
    assert sent == [
        b"/v1/telephony/config/locations/a%2Fb",
        b"/v1/telephony/config/locations/%252E%252E",
        b"/v1/telephony/config/locations/..a",
        b"/v1/telephony/config/locations/a%3Fb%23c",
    ]


# --- lists -------------------------------------------------------------------------------------------


def test_list_locations_reads_country_and_city_from_the_address() -> None:
    body = {
        "items": [
            {
                "id": "L1",
                "name": "Paris",
                "orgId": "O",
                "timeZone": "Europe/Paris",
                "address": {"address1": "1 rue", "city": "Paris", "country": "FR"},
                "latitude": "48.8",
                "somethingNew": {"x": 1},
            },
            {"id": "L2", "name": "No address"},
            {"id": "L3", "name": "Null address", "address": None},
            {"id": "L4", "name": "Address without country", "address": {"city": "X"}},
            {"id": "L5"},  # no name: skipped
            {"name": "no id"},  # no id: skipped
        ]
    }
    server = Server({("GET", "/v1/locations"): httpx.Response(200, json=body)})
    locations = call(server, lambda a: a.list_locations())
    assert locations == [
        Location("L1", "Paris", "FR", "Paris"),
        Location("L2", "No address", None),
        Location("L3", "Null address", None),
        Location("L4", "Address without country", None, "X"),
    ]
    assert len(server.seen) == 1
    assert server.seen[0].url.params["max"]


def test_list_locations_follows_pages() -> None:
    def page(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("start") == "1":
            return httpx.Response(
                200, json={"items": [{"id": "L2", "name": "B", "address": {"country": "DE"}}]}
            )
        return httpx.Response(
            200,
            json={"items": [{"id": "L1", "name": "A", "address": {"country": "BE"}}]},
            headers={"Link": f'<{BASE}/locations?start=1&max=1>; rel="next"'},
        )

    server = Server({("GET", "/v1/locations"): page})
    assert call(server, lambda a: a.list_locations()) == [
        Location("L1", "A", "BE"),
        Location("L2", "B", "DE"),
    ]
    assert len(server.seen) == 2


def test_list_calling_locations() -> None:
    body = {
        "locations": [
            {
                "id": "L1",
                "name": "Paris",
                "routingPrefix": "12",
                "outsideDialDigit": "9",
                "callingLineId": {"phoneNumber": "+33100000000"},
                "e911SetupRequired": False,
            },
            {"id": "L2", "name": "Lyon"},
            {"id": "L3"},
        ]
    }
    server = Server({("GET", "/v1/telephony/config/locations"): httpx.Response(200, json=body)})
    listed = call(server, lambda a: a.list_calling_locations())
    assert [(loc.id, loc.name) for loc in listed] == [("L1", "Paris"), ("L2", "Lyon")]
    # Each with its item as sent: the fields beyond id and name are the resources' to read.
    assert [loc.listed for loc in listed] == body["locations"][:2]
    assert [r.method for r in server.seen] == ["GET"]
    assert "max" in server.seen[0].url.params


def test_list_calling_locations_reads_the_locations_key_not_items() -> None:
    body = {"items": [{"id": "L1", "name": "Paris"}]}
    server = Server({("GET", "/v1/telephony/config/locations"): httpx.Response(200, json=body)})
    assert call(server, lambda a: a.list_calling_locations()) == []


def test_list_trunks() -> None:
    body = {
        "trunks": [
            {
                "id": "T1",
                "name": "LGW-1",
                "location": {"id": "L1", "name": "Paris"},
                "inUse": True,
                "trunkType": "REGISTERING",
            },
            {"id": "T2", "name": "CUBE", "trunkType": "SOMETHING_NEW"},
            "junk",
        ]
    }
    server = Server({("GET", "/v1/telephony/config/premisePstn/trunks"): httpx.Response(200, json=body)})
    assert call(server, lambda a: a.list_trunks()) == [Named("T1", "LGW-1"), Named("T2", "CUBE")]
    assert len(server.seen) == 1


def test_list_route_groups() -> None:
    body = {"routeGroups": [{"id": "R1", "name": "RG-EU", "inUse": False}, {"id": "R2", "name": "RG-US"}]}
    server = Server({("GET", "/v1/telephony/config/premisePstn/routeGroups"): httpx.Response(200, json=body)})
    assert call(server, lambda a: a.list_route_groups()) == [Named("R1", "RG-EU"), Named("R2", "RG-US")]
    assert len(server.seen) == 1


def test_list_with_no_items_at_all() -> None:
    server = Server({("GET", "/v1/telephony/config/premisePstn/routeGroups"): httpx.Response(200, json={})})
    assert call(server, lambda a: a.list_route_groups()) == []


def test_items_without_a_string_id_and_name_are_skipped() -> None:
    # A null name must not become the string "None" and match something a user named so.
    body = {"trunks": [{"id": 42, "name": 7}, {"id": "T1", "name": None}, {"id": "T2", "name": "ok"}]}
    server = Server({("GET", "/v1/telephony/config/premisePstn/trunks"): httpx.Response(200, json=body)})
    assert call(server, lambda a: a.list_trunks()) == [Named("T2", "ok")]


# --- location details --------------------------------------------------------------------------------


def test_get_location_details_returns_the_object() -> None:
    body = {
        "id": LOC,
        "name": "Paris",
        "announcementLanguage": "fr_fr",
        "connection": {"type": "SOMETHING_NEW", "id": "X"},
        "routingPrefix": "12",
        "futureField": [1, 2],
    }
    server = Server({("GET", f"/v1/telephony/config/locations/{LOC}"): httpx.Response(200, json=body)})
    assert call(server, lambda a: a.get_location_details(LOC)) == body
    assert server.seen[0].method == "GET"


def test_update_location_details_204() -> None:
    server = Server({("PUT", f"/v1/telephony/config/locations/{LOC}"): httpx.Response(204)})
    body = {"outsideDialDigit": "9", "callingLineId": {"name": "Paris", "phoneNumber": "+33100000000"}}
    assert call(server, lambda a: a.update_location_details(LOC, body)) == UpdateResult(204)
    assert len(server.seen) == 1
    assert server.seen[0].method == "PUT"
    assert sent_json(server.seen[0]) == body


def test_update_location_details_200_with_a_batch_job() -> None:
    server = Server(
        {
            ("PUT", f"/v1/telephony/config/locations/{LOC}"): httpx.Response(
                200, json={"batchJobId": JOB, "x": 1}
            )
        }
    )
    result = call(server, lambda a: a.update_location_details(LOC, {"routingPrefix": "34"}))
    assert result == UpdateResult(200, batch_job_id=JOB, failure_reason=None)
    assert sent_json(server.seen[0]) == {"routingPrefix": "34"}


def test_update_location_details_206_with_a_failure_reason() -> None:
    reason = "Routing prefix job was not triggered"
    server = Server(
        {
            ("PUT", f"/v1/telephony/config/locations/{LOC}"): httpx.Response(
                206, json={"failureReason": reason}
            )
        }
    )
    result = call(server, lambda a: a.update_location_details(LOC, {"routingPrefix": None}))
    assert result == UpdateResult(206, batch_job_id=None, failure_reason=reason)
    assert sent_json(server.seen[0]) == {"routingPrefix": None}  # null clears it: sent as JSON null


def test_update_location_details_409_raises_with_the_failure_reason() -> None:
    server = Server(
        {
            ("PUT", f"/v1/telephony/config/locations/{LOC}"): httpx.Response(
                409, json={"failureReason": "Another routing prefix job is in progress"}
            )
        }
    )
    with pytest.raises(WebexError) as info:
        call(server, lambda a: a.update_location_details(LOC, {"routingPrefix": "34"}))
    assert info.value.status == 409
    assert info.value.message == "Another routing prefix job is in progress"
    assert len(server.seen) == 1


# --- PSTN --------------------------------------------------------------------------------------------


def test_get_pstn_connection_passes_unknown_values_through() -> None:
    body = {
        "id": "P1",
        "displayName": "Local gateway",
        "pstnServices": ["GEOGRAPHIC_NUMBERS"],
        "pstnConnectionType": "BRAND_NEW_TYPE",
        "routeType": "TRUNK",
        "routeId": "T1",
    }
    server = Server(
        {("GET", f"/v1/telephony/pstn/locations/{LOC}/connection"): httpx.Response(200, json=body)}
    )
    assert call(server, lambda a: a.get_pstn_connection(LOC)) == body
    assert server.seen[0].method == "GET"


def test_get_pstn_connection_without_optional_fields() -> None:
    server = Server({("GET", f"/v1/telephony/pstn/locations/{LOC}/connection"): httpx.Response(200, json={})})
    assert call(server, lambda a: a.get_pstn_connection(LOC)) == {}


def test_list_connection_options() -> None:
    body = {
        "items": [
            {
                "id": "C1",
                "displayName": "Acme CCP",
                "pstnServices": ["GEOGRAPHIC_NUMBERS", "TOLL_FREE_NUMBERS"],
                "pstnConnectionType": "NON_INTEGRATED_CCP",
                "unknown": True,
            },
            {"id": "C2", "displayName": "No type"},
            {"id": "C3", "pstnConnectionType": "FUTURE_TYPE", "pstnServices": None},
            {"displayName": "no id"},
            "junk",
        ]
    }
    server = Server(
        {("GET", f"/v1/telephony/pstn/locations/{LOC}/connectionOptions"): httpx.Response(200, json=body)}
    )
    assert call(server, lambda a: a.list_connection_options(LOC)) == [
        ConnectionOption("C1", "Acme CCP", "NON_INTEGRATED_CCP", ("GEOGRAPHIC_NUMBERS", "TOLL_FREE_NUMBERS")),
        ConnectionOption("C2", "No type", None, ()),
        ConnectionOption("C3", "", "FUTURE_TYPE", ()),
    ]
    assert [r.method for r in server.seen] == ["GET"]


def test_list_connection_options_without_items() -> None:
    server = Server(
        {("GET", f"/v1/telephony/pstn/locations/{LOC}/connectionOptions"): httpx.Response(200, json={"x": 1})}
    )
    assert call(server, lambda a: a.list_connection_options(LOC)) == []


def test_setup_pstn_connection_sends_the_body_as_json() -> None:
    server = Server({("PUT", f"/v1/telephony/pstn/locations/{LOC}/connection"): httpx.Response(204)})
    body = {"premiseRouteType": "ROUTE_GROUP", "premiseRouteId": "R1"}
    assert call(server, lambda a: a.setup_pstn_connection(LOC, body)) is None
    assert len(server.seen) == 1
    assert server.seen[0].method == "PUT"
    assert sent_json(server.seen[0]) == body


def test_setup_pstn_connection_error_is_raised() -> None:
    server = Server(
        {
            ("PUT", f"/v1/telephony/pstn/locations/{LOC}/connection"): httpx.Response(
                400, json={"errorMessage": "id is required for NON_INTEGRATED_CCP"}
            )
        }
    )
    with pytest.raises(WebexError) as info:
        call(server, lambda a: a.setup_pstn_connection(LOC, {}))
    assert info.value.status == 400
    assert info.value.message == "id is required for NON_INTEGRATED_CCP"
    assert info.value.path == f"/telephony/pstn/locations/{LOC}/connection"


# --- routing-prefix jobs -----------------------------------------------------------------------------


def test_get_routing_prefix_job() -> None:
    body = {
        "id": JOB,
        "name": "updateroutingprefix",
        "trackingId": "T",
        "latestExecutionStatus": "SOMETHING_ELSE",
        "latestExecutionExitCode": "COMPLETED_WITH_ERRORS",
        "counts": {"routingPrefixUpdated": 3, "routingPrefixFailed": 1},
        "jobExecutionStatus": [{"id": 1}],
    }
    server = Server(
        {("GET", f"/v1/telephony/config/jobs/updateRoutingPrefix/{JOB}"): httpx.Response(200, json=body)}
    )
    assert call(server, lambda a: a.get_routing_prefix_job(JOB)) == body
    assert server.seen[0].method == "GET"


def test_list_routing_prefix_job_errors() -> None:
    item = {
        "itemNumber": 1,
        "trackingId": "T",
        "error": {"key": "5600", "message": [{"description": "dup", "code": "5600", "locationId": LOC}]},
    }
    server = Server(
        {
            ("GET", f"/v1/telephony/config/jobs/updateRoutingPrefix/{JOB}/errors"): httpx.Response(
                200, json={"items": [item, "junk"]}
            )
        }
    )
    assert call(server, lambda a: a.list_routing_prefix_job_errors(JOB)) == [item]
    assert len(server.seen) == 1
    assert "max" not in server.seen[0].url.params  # the reference documents no page size here


# --- orgId through the typed calls -------------------------------------------------------------------


def test_typed_calls_carry_org_id() -> None:
    server = Server(
        {
            ("GET", "/v1/telephony/config/premisePstn/trunks"): httpx.Response(200, json={"trunks": []}),
            ("PUT", f"/v1/telephony/pstn/locations/{LOC}/connection"): httpx.Response(204),
            ("GET", f"/v1/telephony/config/jobs/updateRoutingPrefix/{JOB}"): httpx.Response(200, json={}),
        }
    )

    async def calls(a: CallingApi) -> None:
        await a.list_trunks()
        await a.setup_pstn_connection(LOC, {"id": "C1"})
        await a.get_routing_prefix_job(JOB)

    call(server, calls, org_id="ORG-7")
    assert [r.url.params.get_list("orgId") for r in server.seen] == [["ORG-7"]] * 3


# --- a calling location whose PSTN connection was never set ----------------------------------------------

NOT_CONFIGURED = {"errorMessage": "PSTN for the location is not configured.", "errorCode": 4009}


def pstn_answer(response: httpx.Response, calling_enabled: bool) -> Any:
    server = Server({("GET", f"/v1/telephony/pstn/locations/{LOC}/connection"): response})
    return call(server, lambda a: a.get_pstn_connection(LOC, calling_enabled=calling_enabled))


@pytest.mark.parametrize("status", [404, 400, 409])
@pytest.mark.parametrize("calling_enabled", [True, False])
def test_the_pstn_services_not_configured_answer_reads_as_no_connection(
    status: int, calling_enabled: bool
) -> None:
    # Recognised by its text whatever its status (which is not on record).
    assert pstn_answer(httpx.Response(status, json=NOT_CONFIGURED), calling_enabled) == {}


def test_a_404_reads_as_no_connection_only_for_a_location_known_to_be_calling_enabled() -> None:
    unknown = httpx.Response(404, json={"message": "Location not found", "trackingId": "T1"})
    assert pstn_answer(unknown, calling_enabled=True) == {}
    with pytest.raises(WebexError) as raised:
        pstn_answer(unknown, calling_enabled=False)
    assert raised.value.status == 404 and raised.value.message == "Location not found"


@pytest.mark.parametrize(
    "body",
    [
        {"message": "PSTN for the location is not configured.", "trackingId": "T"},
        {"errors": [{"description": "PSTN for the location is not configured."}]},
        {"errorMessage": "pstn for the location is NOT configured"},
    ],
)
def test_the_not_configured_text_is_read_wherever_the_body_puts_it(body: dict[str, Any]) -> None:
    assert pstn_answer(httpx.Response(400, json=body), calling_enabled=False) == {}


@pytest.mark.parametrize("status", [400, 403, 500])
def test_other_pstn_errors_stay_errors_even_for_a_calling_location(status: int) -> None:
    with pytest.raises(WebexError) as raised:
        pstn_answer(httpx.Response(status, json={"errorMessage": "Something else", "errorCode": 1}), True)
    assert raised.value.status == status and raised.value.message == "Something else"


# --- the route of a local gateway: in the PSTN answer since 2025, always in the details ---------------

OLD_LGW = {"id": "P1", "displayName": "LGW", "pstnServices": [], "pstnConnectionType": "LOCAL_GATEWAY"}


@pytest.mark.parametrize(
    ("connection", "lacks"),
    [
        (OLD_LGW, True),
        ({**OLD_LGW, "routeType": "TRUNK"}, True),
        ({**OLD_LGW, "routeType": "TRUNK", "routeId": None}, True),
        ({**OLD_LGW, "routeType": "TRUNK", "routeId": "T1"}, False),
        ({"id": "C", "pstnConnectionType": "NON_INTEGRATED_CCP"}, False),
        ({}, False),
    ],
)
def test_lacks_route_only_for_a_local_gateway_without_one(connection: dict[str, Any], lacks: bool) -> None:
    assert api_module.lacks_route(connection) is lacks


@pytest.mark.parametrize(
    ("details", "route"),
    [
        ({"connection": {"type": "TRUNK", "id": "T1"}}, ("TRUNK", "T1")),
        ({"connection": {"type": "ROUTE_GROUP", "id": "R1"}}, ("ROUTE_GROUP", "R1")),
        # Other types, seen without an id on live orgs, name no route; odd shapes neither.
        ({"connection": {"type": "CISCO_PSTN"}}, None),
        ({"connection": {"type": "CLOUD_CONNECTED_PSTN"}}, None),
        ({"connection": {"type": "TRUNK"}}, None),
        ({"connection": {"type": "TRUNK", "id": ""}}, None),
        ({"connection": {"type": "TRUNK", "id": 7}}, None),
        ({"connection": {"type": "SOMETHING", "id": "X"}}, None),
        ({"connection": "TRUNK"}, None),
        ({"connection": None}, None),
        ({}, None),
        (None, None),
    ],
)
def test_details_route_is_read_leniently(details: Any, route: tuple[str, str] | None) -> None:
    assert api_module.details_route(details) == route


def test_with_details_route_fills_in_only_a_missing_route() -> None:
    details = {"connection": {"type": "ROUTE_GROUP", "id": "R1"}}
    assert api_module.with_details_route(OLD_LGW, details) == {
        **OLD_LGW,
        "routeType": "ROUTE_GROUP",
        "routeId": "R1",
    }
    own = {**OLD_LGW, "routeType": "TRUNK", "routeId": "T1"}
    assert api_module.with_details_route(own, details) == own  # the PSTN answer's own route wins
    assert api_module.with_details_route(OLD_LGW, {"connection": {"type": "CISCO_PSTN"}}) == OLD_LGW
    ccp = {"id": "C", "pstnConnectionType": "NON_INTEGRATED_CCP"}
    assert api_module.with_details_route(ccp, details) == ccp
