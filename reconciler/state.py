"""Read the live org: resolve names to IDs and fetch, concurrently, only what the desired state manages.

This is the only stage besides apply that does I/O. It never judges the desired state; it gathers what
`resolve` and `plan` need to do that, and nothing more (issue: as few calls as the API allows).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.desired.model import DesiredLocation, DesiredState
from reconciler.diff import diff_pstn
from reconciler.webex.api import (
    CallingApi,
    ConnectionOption,
    Location,
    Named,
    lacks_route,
    with_details_route,
)


@dataclass(frozen=True)
class LocationState:
    """One managed location as the API shows it. `None` means "not fetched because not managed"."""

    id: str
    name: str
    details: Mapping[str, Any] | None = None
    # The PSTN connection, with a local gateway's route even when the PSTN answer lacks it (see
    # `with_route`); `{}` when the location has none set up yet.
    pstn: Mapping[str, Any] | None = None
    options: tuple[ConnectionOption, ...] | None = None  # only when it must change to a cloud provider


@dataclass(frozen=True)
class CurrentState:
    calling_locations: tuple[Named, ...]
    locations: Mapping[str, LocationState]  # by name, managed and found only
    trunks: tuple[Named, ...] = ()
    route_groups: tuple[Named, ...] = ()
    all_locations: tuple[Location, ...] | None = None  # fetched only when a rule needs countries
    route_names: Mapping[str, str] = field(default_factory=dict)  # trunk and route-group names by ID


ProgressCallback = Callable[[str], None]


async def fetch_current(
    api: CallingApi, desired: DesiredState, on_location: ProgressCallback | None = None
) -> CurrentState:
    """Everything `plan` needs to know about the org for `desired`, read with the fewest calls."""
    calling, routes, all_locations = await asyncio.gather(
        api.list_calling_locations(),
        _list_routes(api, desired),
        _list_all_locations(api, desired),
    )
    trunks, route_groups = routes
    ids = {loc.name: loc.id for loc in calling}
    if all_locations is None and any(loc.name not in ids for loc in desired.locations):
        # Only to say why a name is unknown (exists but not calling-enabled); costs nothing when all match.
        all_locations = tuple(await api.list_locations())
    route_names = {r.id: r.name for r in (*trunks, *route_groups)}
    found = [loc for loc in desired.locations if loc.name in ids]
    fetched = await asyncio.gather(
        *(_fetch_location(api, loc, ids[loc.name], route_names, on_location) for loc in found)
    )
    return CurrentState(
        calling_locations=tuple(calling),
        locations={state.name: state for state in fetched},
        trunks=trunks,
        route_groups=route_groups,
        all_locations=all_locations,
        route_names=route_names,
    )


async def _list_routes(api: CallingApi, desired: DesiredState) -> tuple[tuple[Named, ...], tuple[Named, ...]]:
    # Both lists whenever PSTN is managed: the current route is shown by name whichever kind it is.
    if not any(loc.pstn for loc in desired.locations):
        return (), ()
    trunks, route_groups = await asyncio.gather(api.list_trunks(), api.list_route_groups())
    return tuple(trunks), tuple(route_groups)


async def _list_all_locations(api: CallingApi, desired: DesiredState) -> tuple[Location, ...] | None:
    # pAccessNetworkInfo is only allowed in some countries, and only /locations knows the country.
    if not any(loc.details.get("pAccessNetworkInfo") is not None for loc in desired.locations):
        return None
    return tuple(await api.list_locations())


async def _fetch_location(
    api: CallingApi,
    desired: DesiredLocation,
    location_id: str,
    route_names: Mapping[str, str],
    on_location: ProgressCallback | None,
) -> LocationState:
    details_call = api.get_location_details(location_id) if desired.details else _nothing()
    # The location comes from the calling-locations list, so a 404 here means "no PSTN set up yet".
    pstn_call = api.get_pstn_connection(location_id, calling_enabled=True) if desired.pstn else _nothing()
    details, answer = await asyncio.gather(details_call, pstn_call)
    pstn = None if answer is None else await with_route(api, location_id, answer, details)
    options = None
    # Only a cloud provider is named by a connection option; a local gateway's PUT names its route.
    wanted = desired.pstn
    if (
        wanted
        and wanted.type == "NON_INTEGRATED_CCP"
        and pstn is not None
        and diff_pstn(wanted, pstn, route_names)
    ):
        options = tuple(await api.list_connection_options(location_id))
    if on_location:
        on_location(desired.name)
    return LocationState(location_id, desired.name, details, pstn, options)


async def with_route(
    api: CallingApi, location_id: str, connection: Mapping[str, Any], details: Mapping[str, Any] | None
) -> Mapping[str, Any]:
    """A local gateway's connection with its route: a PSTN answer without one (the shape before 2025)
    takes it from the location details' `connection`, read now unless `details` already holds them."""
    if not lacks_route(connection):
        return connection
    if details is None:
        details = await api.get_location_details(location_id)
    return with_details_route(connection, details)


async def _nothing() -> None:
    return None
