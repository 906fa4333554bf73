"""Unknown-extension routing: GET/PUT /telephony/config/locations/{locationId}/internalDialing.

State (`Location.settings["internalDialing"]`): `enableUnknownExtensionRoutePolicy` and the route as
`{type, name}` (named, as everything the state file holds), or none. GET adds the route's `name` and
leaves the route out when there is none. PUT is partial (an omitted field keeps its value); the route
needs `id` and `type`, its `name` is ignored (the SDK sends `name: null`), and null clears it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.api import Api, Routes, json_object
from reconciler.sandbox.errors import Violation, WebexError
from reconciler.sandbox.org import Location, RouteGroup, SandboxOrg, Trunk
from reconciler.sandbox.rules import ROUTE_TYPES, invalid, premise_route, unknown_keys

KEY = "internalDialing"  # the endpoint's name: its path's last segment, its key in Location.settings
ENABLE = "enableUnknownExtensionRoutePolicy"
IDENTITY = "unknownExtensionRouteIdentity"
# See `reconciler.sandbox.endpoints`.
ACCEPTED: dict[str, str] = {
    ENABLE: "boolean",
    IDENTITY: "object",
    f"{IDENTITY}.id": "",
    f"{IDENTITY}.type": "|".join(ROUTE_TYPES),
    f"{IDENTITY}.name": "",
}
NULLABLE = frozenset({IDENTITY, f"{IDENTITY}.name"})
DEFAULT: dict[str, Any] = {ENABLE: False, IDENTITY: None}


def check_update(body: Mapping[str, Any], org: SandboxOrg) -> list[Violation]:
    """Every violation of an internalDialing PUT body."""
    violations: list[Violation] = []
    problem = unknown_keys(KEY, body, (ENABLE, IDENTITY))
    if problem:
        violations.append(problem)
    if ENABLE in body and not isinstance(body[ENABLE], bool):
        violations.append(invalid(ENABLE, "must be true or false"))
    identity = body.get(IDENTITY)
    if identity is not None:
        violations.extend(_identity(identity, org))
    return violations


def _identity(identity: Any, org: SandboxOrg) -> list[Violation]:
    if not isinstance(identity, dict):
        return [invalid(IDENTITY, "must be an object with id and type, or null")]
    problem = unknown_keys(IDENTITY, identity, ("id", "type", "name")) or premise_route(
        org, f"{IDENTITY}.type", identity.get("type"), f"{IDENTITY}.id", identity.get("id")
    )
    return [problem] if problem else []


def state_of(location: Location) -> dict[str, Any]:
    """The location's routing, with the defaults for what was never set."""
    return {**DEFAULT, **location.settings.get(KEY, {})}


def _routes(org: SandboxOrg, route_type: str) -> Mapping[str, Trunk | RouteGroup]:
    return org.trunks if route_type == "TRUNK" else org.route_groups


def view(org: SandboxOrg, location: Location) -> dict[str, Any]:
    """GET .../internalDialing: the route with its name; no route, no `unknownExtensionRouteIdentity`."""
    state = state_of(location)
    answer: dict[str, Any] = {ENABLE: state[ENABLE]}
    route = state[IDENTITY]
    if route is not None:
        found = next(r for r in _routes(org, route["type"]).values() if r.name == route["name"])
        answer[IDENTITY] = {"id": found.id, "name": found.name, "type": route["type"]}
    return answer


class _Handlers:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def get(self, request: Request) -> Response:
        return JSONResponse(view(self.api.org, self.api.location(request)))

    async def put(self, request: Request) -> Response:
        location = self.api.location(request)
        body = await json_object(request)
        violations = check_update(body, self.api.org)
        if violations:
            raise WebexError(400, violations)
        state = state_of(location)
        if ENABLE in body:
            state[ENABLE] = body[ENABLE]
        if IDENTITY in body:
            identity = body[IDENTITY]
            if identity is None:
                state[IDENTITY] = None
            else:
                named = _routes(self.api.org, identity["type"])[identity["id"]]
                state[IDENTITY] = {"type": identity["type"], "name": named.name}
        location.settings[KEY] = state
        self.api.saved()
        return Response(status_code=204)


def routes(api: Api) -> Routes:
    handlers = _Handlers(api)
    return {
        "/v1/telephony/config/locations/{locationId}/internalDialing": {
            "GET": handlers.get,
            "PUT": handlers.put,
        },
    }
