"""The simulator's internalDialing endpoint: its PUT rules as ACCEPTED says them, partial updates, null
clearing the route, and the GET naming the route; over HTTP, the Webex error body of a refusal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from clirun import TOKEN, loc_id

from reconciler.sandbox import SandboxOrg, ServerThread, webex_id
from reconciler.sandbox.endpoints import internal_dialing as endpoint

TRUNK = {"id": webex_id("TRUNK", "Denver-LGW"), "type": "TRUNK"}
GROUP = {"id": webex_id("ROUTE_GROUP", "US-RG"), "type": "ROUTE_GROUP"}


@pytest.mark.parametrize(
    "body",
    [
        {"enableUnknownExtensionRoutePolicy": True},
        {"unknownExtensionRouteIdentity": TRUNK},
        {"unknownExtensionRouteIdentity": {**GROUP, "name": None}},  # as the SDK sends it
        {"unknownExtensionRouteIdentity": None},
        {},
    ],
)
def test_the_bodies_the_contract_describes_are_taken(body: dict[str, Any]) -> None:
    assert endpoint.check_update(body, SandboxOrg.seed()) == []


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"enableUnknownExtensionRoutePolicy": "true"}, "must be true or false"),
        ({"unknownExtensionRouteIdentity": {"id": TRUNK["id"]}}, "None is not one of TRUNK, ROUTE_GROUP"),
        ({"unknownExtensionRouteIdentity": {"type": "TRUNK"}}, "None is not the id of a TRUNK"),
        (
            {"unknownExtensionRouteIdentity": {**TRUNK, "type": "ROUTE_GROUP"}},
            "is not the id of a ROUTE_GROUP",
        ),
        ({"unknownExtensionRouteIdentity": "Denver-LGW"}, "must be an object with id and type, or null"),
        ({"unknownExtensionRoute": {"trunk": "Denver-LGW"}}, "unknown field 'unknownExtensionRoute'"),
    ],
)
def test_what_the_api_refuses_is_refused(body: dict[str, Any], why: str) -> None:
    (violation,) = endpoint.check_update(body, SandboxOrg.seed())
    assert why in violation.description


def get(server: ServerThread, name: str) -> Any:
    url = f"{server.base_url}/telephony/config/locations/{loc_id(name)}/internalDialing"
    return httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)


def put(server: ServerThread, name: str, body: dict[str, Any]) -> httpx.Response:
    url = f"{server.base_url}/telephony/config/locations/{loc_id(name)}/internalDialing"
    return httpx.put(url, json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)


def test_a_put_is_partial_null_clears_the_route_and_get_names_it(server: ServerThread) -> None:
    assert get(server, "Denver").json() == {"enableUnknownExtensionRoutePolicy": False}
    assert (
        put(server, "Denver", {"unknownExtensionRouteIdentity": {**GROUP, "name": None}}).status_code == 204
    )
    assert put(server, "Denver", {"enableUnknownExtensionRoutePolicy": True}).status_code == 204
    assert get(server, "Denver").json() == {
        "enableUnknownExtensionRoutePolicy": True,
        "unknownExtensionRouteIdentity": {**GROUP, "name": "US-RG"},
    }
    assert put(server, "Denver", {"unknownExtensionRouteIdentity": None}).status_code == 204
    assert get(server, "Denver").json() == {"enableUnknownExtensionRoutePolicy": True}


def test_the_seed_routes_paris_by_name_and_a_refusal_is_a_webex_error_body(server: ServerThread) -> None:
    assert get(server, "Paris").json()["unknownExtensionRouteIdentity"] == {
        **TRUNK,
        "id": webex_id("TRUNK", "Paris-LGW"),
        "name": "Paris-LGW",
    }
    refused = put(server, "Paris", {"unknownExtensionRouteIdentity": {"id": "nope", "type": "TRUNK"}})
    assert refused.status_code == 400
    body = refused.json()
    assert body["errors"][0]["errorCode"] == 25008
    assert "'nope' is not the id of a TRUNK" in body["message"]
    assert body["trackingId"]
    assert get(server, "Paris").json()["unknownExtensionRouteIdentity"]["name"] == "Paris-LGW"
