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
from reconciler.resources import RESOURCES
from reconciler.resources.base import SHARED_LOOKUPS, Reads, Resource, merged
from reconciler.webex.api import CallingApi, CallingLocation, ConnectionOption, Location, Named


@dataclass(frozen=True)
class LocationState:
    """One managed location as the API shows it. `None` means "not fetched because not managed"."""

    id: str
    name: str
    details: Mapping[str, Any] | None = None
    # The PSTN connection, with a local gateway's route even when the PSTN answer lacks it (see
    # `resources.pstn.with_route`), or only that route when the details showed it as desired (see
    # `resources.pstn.RouteFromDetails`); `{}` when the location has none set up yet.
    pstn: Mapping[str, Any] | None = None
    options: tuple[ConnectionOption, ...] | None = None  # only when it must change to a cloud provider
    # What every other resource read, by its kind (absent: not read): a new endpoint needs no attribute.
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class CurrentState:
    calling_locations: tuple[Named, ...]
    locations: Mapping[str, LocationState]  # by name, managed and found only
    trunks: tuple[Named, ...] = ()
    route_groups: tuple[Named, ...] = ()
    all_locations: tuple[Location, ...] | None = None  # fetched only when a rule needs countries
    route_names: Mapping[str, str] = field(default_factory=dict)  # trunk and route-group names by ID
    # The org-wide lists resources read for themselves (Resource.read_lookup), by name; absent: not needed.
    lookups: Mapping[str, Any] = field(default_factory=dict)


ProgressCallback = Callable[[str], None]


async def fetch_current(
    api: CallingApi, desired: DesiredState, on_location: ProgressCallback | None = None
) -> CurrentState:
    """Everything `plan` needs to know about the org for `desired`, read with the fewest calls."""
    wanted = {resource.kind: resource.lookups(desired) for resource in RESOURCES}
    needed = frozenset().union(*wanted.values())
    calling, routes, all_locations, lookups = await asyncio.gather(
        api.list_calling_locations(),
        _list_routes(api, needed),
        _list_all_locations(api, needed),
        _own_lookups(api, wanted),
    )
    trunks, route_groups = routes
    listed = {loc.name: loc for loc in calling}
    if all_locations is None and any(loc.name not in listed for loc in desired.locations):
        # Only to say why a name is unknown (exists but not calling-enabled); costs nothing when all match.
        all_locations = tuple(await api.list_locations())
    route_names = {r.id: r.name for r in (*trunks, *route_groups)}
    found = [loc for loc in desired.locations if loc.name in listed]
    fetched = await asyncio.gather(
        *(_fetch_location(api, loc, listed[loc.name], route_names, on_location) for loc in found)
    )
    return CurrentState(
        calling_locations=tuple(calling),
        locations={state.name: state for state in fetched},
        trunks=trunks,
        route_groups=route_groups,
        all_locations=all_locations,
        route_names=route_names,
        lookups=lookups,
    )


async def _own_lookups(api: CallingApi, wanted: Mapping[str, frozenset[str]]) -> dict[str, Any]:
    """The lists resources read for themselves (`wanted`: each resource's lookups, by kind), each once
    (by the first resource that needs it)."""
    owners: dict[str, Resource] = {}
    for resource in RESOURCES:
        for name in sorted(wanted[resource.kind] - SHARED_LOOKUPS):
            owners.setdefault(name, resource)
    answers = await asyncio.gather(*(owner.read_lookup(api, name) for name, owner in owners.items()))
    return dict(zip(owners, answers, strict=True))


async def _list_routes(
    api: CallingApi, needed: frozenset[str]
) -> tuple[tuple[Named, ...], tuple[Named, ...]]:
    if "routes" not in needed:
        return (), ()
    trunks, route_groups = await asyncio.gather(api.list_trunks(), api.list_route_groups())
    return tuple(trunks), tuple(route_groups)


async def _list_all_locations(api: CallingApi, needed: frozenset[str]) -> tuple[Location, ...] | None:
    if "places" not in needed:
        return None
    return tuple(await api.list_locations())


async def _fetch_location(
    api: CallingApi,
    desired: DesiredLocation,
    location: CallingLocation,
    route_names: Mapping[str, str],
    on_location: ProgressCallback | None,
) -> LocationState:
    """Each managed endpoint of one location, read concurrently; a GET two resources need is made once,
    and one whose answer is known otherwise (the calling-locations list, the details) not at all."""
    wanted = [(resource, want) for resource in RESOURCES if (want := resource.desired(desired)) is not None]
    details_read = any(resource.needs_details(want, location.listed) for resource, want in wanted)
    reads = Reads(api, location.id, location.listed, details_read=details_read)
    parts = await asyncio.gather(*(resource.read(reads, want, route_names) for resource, want in wanted))
    if on_location:
        on_location(desired.name)
    return LocationState(location.id, desired.name, **merged(parts))
