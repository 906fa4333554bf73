"""Typed calls for every endpoint the reconciler uses, and the paths they live at.

Reading is lenient: unknown fields are ignored and unknown enum values pass through as strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from reconciler.webex.client import WebexClient
from reconciler.webex.errors import WebexError

CALLING_LOCATIONS = "/telephony/config/locations"
TRUNKS = "/telephony/config/premisePstn/trunks"
ROUTE_GROUPS = "/telephony/config/premisePstn/routeGroups"
LOCATIONS = "/locations"
# What the PSTN service answers for a calling location whose PSTN connection was never set, in an
# `errorMessage` (its status is not on record; 404 is the likely one).
PSTN_NOT_CONFIGURED = "PSTN for the location is not configured"
LOCAL_GATEWAY_ROUTES = ("TRUNK", "ROUTE_GROUP")


NOT_SEGMENTS = frozenset({"", ".", ".."})  # quoting leaves them as they are: they name the parent or the list


def _segment(an_id: str) -> str:
    """An ID from an answer as one path segment: `a/b`, `..`, `?` or `#` must not reach another resource."""
    if an_id in NOT_SEGMENTS:
        raise WebexError(0, f"refusing to use {an_id!r} from an API answer as an ID in a request path")
    return quote(an_id, safe="")


def details_path(location_id: str) -> str:
    return f"{CALLING_LOCATIONS}/{_segment(location_id)}"


def pstn_connection_path(location_id: str) -> str:
    return f"/telephony/pstn/locations/{_segment(location_id)}/connection"


def connection_options_path(location_id: str) -> str:
    return f"/telephony/pstn/locations/{_segment(location_id)}/connectionOptions"


def routing_prefix_job_path(job_id: str) -> str:
    return f"/telephony/config/jobs/updateRoutingPrefix/{_segment(job_id)}"


@dataclass(frozen=True)
class Named:
    """Anything the desired state refers to by name: a location, trunk or route group."""

    id: str
    name: str


@dataclass(frozen=True)
class Location(Named):
    country: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class CallingLocation(Named):
    """An item of the calling-locations list, with the fields the list carries beyond its ID and name
    (as the API sent them: the resources read what they need of them)."""

    listed: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ConnectionOption:
    id: str
    display_name: str
    # pstnConnectionType, which the documented answer does not carry (one beta spec had it): read it
    # when present, never rely on it.
    connection_type: str | None
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateResult:
    """What a location-details PUT answered: 204, 200 with a routing-prefix job, or 206 without one."""

    status: int
    batch_job_id: str | None = None
    failure_reason: str | None = None


def says_pstn_not_configured(error: WebexError) -> bool:
    """The error is the PSTN service's "PSTN for the location is not configured." (read as clients of live
    orgs read it: in `errorMessage`, or in the message however the body put it)."""
    body = error.body if isinstance(error.body, dict) else {}
    texts = (body.get("errorMessage"), body.get("message"), error.message)
    return any(isinstance(t, str) and PSTN_NOT_CONFIGURED.casefold() in t.casefold() for t in texts)


def details_route(details: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The local gateway's route as the location details name it, `connection {type, id}`; None when the
    details name none (no PSTN, or another type such as CISCO_PSTN or CLOUD_CONNECTED_PSTN, sent without
    an id)."""
    connection = details.get("connection") if isinstance(details, Mapping) else None
    if not isinstance(connection, Mapping):
        return None
    route_type, route_id = connection.get("type"), connection.get("id")
    if route_type in LOCAL_GATEWAY_ROUTES and isinstance(route_id, str) and route_id:
        return route_type, route_id
    return None


def lacks_route(connection: Mapping[str, Any]) -> bool:
    """A local-gateway PSTN answer without `routeType`/`routeId`, as every answer before 2025 was."""
    if connection.get("pstnConnectionType") != "LOCAL_GATEWAY":
        return False
    return not (isinstance(connection.get("routeType"), str) and isinstance(connection.get("routeId"), str))


def with_details_route(connection: Mapping[str, Any], details: Mapping[str, Any] | None) -> dict[str, Any]:
    """`connection` with the route the location details name, when it lacks its own (see lacks_route)."""
    route = details_route(details) if lacks_route(connection) else None
    if route is None:
        return dict(connection)
    return {**connection, "routeType": route[0], "routeId": route[1]}


def _has_id_and_name(item: dict[str, Any]) -> bool:
    return all(isinstance(item.get(k), str) and item[k] for k in ("id", "name"))


def _named(items: list[dict[str, Any]]) -> list[Named]:
    return [Named(i["id"], i["name"]) for i in items if _has_id_and_name(i)]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> tuple[str, ...]:
    """A list of strings read leniently: one string is a list of one."""
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _country_and_city(address: Any) -> tuple[str | None, str | None]:
    if not isinstance(address, dict):
        return None, None
    country, city = address.get("country"), address.get("city")
    return (country if isinstance(country, str) else None), (city if isinstance(city, str) else None)


class CallingApi:
    def __init__(self, client: WebexClient) -> None:
        self.client = client

    async def list_locations(self) -> list[Location]:
        """Every location of the org, calling-enabled or not, with its address country."""
        items = await self.client.list_items(LOCATIONS, "items")
        return [
            Location(i["id"], i["name"], *_country_and_city(i.get("address")))
            for i in items
            if _has_id_and_name(i)
        ]

    async def list_calling_locations(self) -> list[CallingLocation]:
        items = await self.client.list_items(CALLING_LOCATIONS, "locations")
        return [CallingLocation(i["id"], i["name"], i) for i in items if _has_id_and_name(i)]

    async def list_trunks(self) -> list[Named]:
        return _named(await self.client.list_items(TRUNKS, "trunks"))

    async def list_route_groups(self) -> list[Named]:
        return _named(await self.client.list_items(ROUTE_GROUPS, "routeGroups"))

    async def get_location_details(self, location_id: str) -> dict[str, Any]:
        return await self.client.get_json(details_path(location_id))

    async def update_location_details(self, location_id: str, body: Mapping[str, Any]) -> UpdateResult:
        status, answer = await self.client.put_json(details_path(location_id), body)
        job = answer.get("batchJobId")
        reason = answer.get("failureReason")
        return UpdateResult(status, str(job) if job else None, str(reason) if reason else None)

    async def get_pstn_connection(self, location_id: str, *, calling_enabled: bool = False) -> dict[str, Any]:
        """The location's PSTN connection; `{}` when none has been set up yet.

        "None set up" is the PSTN service's "not configured" answer, whatever its status, or any 404 for
        a location the caller knows to be calling-enabled (`calling_enabled`). Any other 404 (a location
        unknown or not enabled for calling) stays an error.
        """
        try:
            return await self.client.get_json(pstn_connection_path(location_id))
        except WebexError as error:
            if says_pstn_not_configured(error) or (calling_enabled and error.status == 404):
                return {}
            raise

    async def list_connection_options(self, location_id: str) -> list[ConnectionOption]:
        answer = await self.client.get_json(connection_options_path(location_id))
        return [
            ConnectionOption(
                str(i["id"]),
                str(i.get("displayName") or ""),
                i.get("pstnConnectionType"),
                _strings(i.get("pstnServices")),
            )
            for i in _list(answer.get("items"))
            if isinstance(i, dict) and isinstance(i.get("id"), str)
        ]

    async def setup_pstn_connection(self, location_id: str, body: Mapping[str, Any]) -> None:
        await self.client.put_json(pstn_connection_path(location_id), body)

    async def get_routing_prefix_job(self, job_id: str) -> dict[str, Any]:
        return await self.client.get_json(routing_prefix_job_path(job_id))

    async def list_routing_prefix_job_errors(self, job_id: str) -> list[dict[str, Any]]:
        # The reference lists no `max` for this one; the live API may refuse what it does not know.
        path = routing_prefix_job_path(job_id) + "/errors"
        return await self.client.list_items(path, "items", page_size=None)
