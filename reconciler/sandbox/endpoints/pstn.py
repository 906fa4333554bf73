"""The PSTN connection of a location: GET/PUT /telephony/pstn/locations/{locationId}/connection, and the
location's connection options (GET .../connectionOptions).

PUT rules: `check_pstn_update` returns the first violation of the body, or None. A body asks for a local
gateway (premiseRouteType + premiseRouteId) or for a NON_INTEGRATED_CCP option by its `id`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.api import Api, Routes, json_object
from reconciler.sandbox.errors import BAD_QUERY, Violation, WebexError, pstn_not_configured
from reconciler.sandbox.org import ConnectionOption, Location, PstnConnection, SandboxOrg
from reconciler.sandbox.rules import ROUTE_TYPES, invalid, premise_route

# The fields each PSTN type that can be set requires in the body (a local gateway may name its option's
# `id` too), and the types the API can only report.
BODIES: dict[str, tuple[str, ...]] = {
    "LOCAL_GATEWAY": ("premiseRouteType", "premiseRouteId"),
    "NON_INTEGRATED_CCP": ("id",),
}
UNSETTABLE_TYPES = ("INTEGRATED_CCP", "CISCO_PSTN")
# See `reconciler.sandbox.endpoints`: the ids are the org's, any string the org knows.
ACCEPTED: dict[str, str] = {"id": "", "premiseRouteType": "|".join(ROUTE_TYPES), "premiseRouteId": ""}
NULLABLE: frozenset[str] = frozenset()  # no body removes a connection; a null route field is not sent

SERVICE_TYPES = ("GEOGRAPHIC_NUMBERS", "TOLLFREE_NUMBERS", "BUSINESS_TEXTS", "MOBILE_NUMBERS")


# --- the PUT rules ---------------------------------------------------------------------------------------


def check_pstn_update(body: Mapping[str, Any], org: SandboxOrg, location: Location) -> Violation | None:
    """A PSTN PUT: local gateway (premiseRouteType + premiseRouteId) or a NON_INTEGRATED_CCP option `id`."""
    unknown = sorted(set(body) - set(ACCEPTED))
    if unknown:
        return Violation(f"Unknown field {unknown[0]!r} (allowed: {', '.join(ACCEPTED)})")
    if is_local_gateway(body):
        return _check_local_gateway(body, org, location)
    option_id = body.get("id")
    if option_id is None:
        return invalid(
            "id", "is required for NON_INTEGRATED_CCP (premiseRouteType and premiseRouteId for LOCAL_GATEWAY)"
        )
    option = org.available_option(location, option_id) if isinstance(option_id, str) else None
    if option is None:
        return invalid("id", f"{option_id!r} is not a PSTN connection option available to {location.name}")
    if option.pstn_connection_type in UNSETTABLE_TYPES:
        return invalid("id", f"{option.pstn_connection_type} cannot be set through the API")
    if option.pstn_connection_type == "LOCAL_GATEWAY":
        return invalid("id", "premiseRouteType and premiseRouteId are required for a local gateway")
    return None


def is_local_gateway(body: Mapping[str, Any]) -> bool:
    """A PSTN PUT body asks for a local gateway when it sends a (non-null) premise route field."""
    return any(body.get(field) is not None for field in BODIES["LOCAL_GATEWAY"])


def _check_local_gateway(body: Mapping[str, Any], org: SandboxOrg, location: Location) -> Violation | None:
    route_type, route_id = body.get("premiseRouteType"), body.get("premiseRouteId")
    if route_type is None or route_id is None:
        return invalid("premiseRouteType", "premiseRouteType and premiseRouteId are both required")
    problem = premise_route(org, "premiseRouteType", route_type, "premiseRouteId", route_id)
    if problem:
        return problem
    option_id = body.get("id")
    if option_id is None:
        if org.local_gateway_option(location) is None:
            return invalid("premiseRouteType", f"no local gateway connection is available to {location.name}")
        return None
    option = org.available_option(location, option_id) if isinstance(option_id, str) else None
    if option is None or option.pstn_connection_type != "LOCAL_GATEWAY":
        return invalid("id", f"{option_id!r} is not a LOCAL_GATEWAY option available to {location.name}")
    return None


# --- the views -------------------------------------------------------------------------------------------


def connection_option(option: ConnectionOption) -> dict[str, Any]:
    """An item of GET .../connectionOptions: as documented, without the option's pstnConnectionType."""
    return {"id": option.id, "displayName": option.display_name, "pstnServices": list(option.pstn_services)}


def pstn_connection(org: SandboxOrg, location: Location, *, with_route: bool = True) -> dict[str, Any]:
    """GET .../connection: the option in use and its type, plus routeType/routeId for a local gateway
    (`with_route` False: the shape before 2025, without them)."""
    assert location.pstn is not None
    option = org.options[location.pstn.option_id]
    data = {**connection_option(option), "pstnConnectionType": option.pstn_connection_type}
    if with_route and location.pstn.route_type is not None:
        data["routeType"] = location.pstn.route_type
        data["routeId"] = location.pstn.route_id
    return data


# --- the handlers ----------------------------------------------------------------------------------------


class _Handlers:
    def __init__(self, api: Api) -> None:
        self.api = api

    @property
    def org(self) -> SandboxOrg:
        """The org the request acts in."""
        return self.api.org

    async def get_pstn(self, request: Request) -> Response:
        location = self.api.location(request)
        if location.pstn is None:
            return pstn_not_configured(request)
        with_route = self.api.settings.pstn_connection_route
        return JSONResponse(pstn_connection(self.org, location, with_route=with_route))

    async def put_pstn(self, request: Request) -> Response:
        location = self.api.location(request)
        body = await json_object(request)
        violation = check_pstn_update(body, self.org, location)
        if violation is not None:
            raise WebexError(400, [violation])
        if is_local_gateway(body):
            location.pstn = self.api.local_gateway(
                location, body["premiseRouteType"], body["premiseRouteId"], body.get("id")
            )
        else:
            location.pstn = PstnConnection(body["id"])
        self.api.saved()
        return Response(status_code=204)

    async def list_options(self, request: Request) -> Response:
        location = self.api.location(request)
        wanted = [s.strip() for s in request.query_params.get("serviceTypes", "").split(",") if s.strip()]
        unknown = [s for s in wanted if s not in SERVICE_TYPES]
        if unknown:
            raise WebexError.one(
                400, f"Invalid serviceTypes {unknown[0]!r} (allowed: {', '.join(SERVICE_TYPES)})", BAD_QUERY
            )
        items = [o for o in self.org.options_for(location) if all(s in o.pstn_services for s in wanted)]
        return self.api.page(request, items, connection_option, "items")


def routes(api: Api) -> Routes:
    handlers = _Handlers(api)
    return {
        "/v1/telephony/pstn/locations/{locationId}/connection": {
            "GET": handlers.get_pstn,
            "PUT": handlers.put_pstn,
        },
        "/v1/telephony/pstn/locations/{locationId}/connectionOptions": {"GET": handlers.list_options},
    }
