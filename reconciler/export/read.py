"""Read what an export needs from the org: one call per list, then each location's details and PSTN, and
what each further resource reads for it.

The client bounds concurrency, so every location is read at once with `asyncio.gather`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from reconciler.desired.model import InputError, InvalidInput, Position
from reconciler.export.document import LiveLocation, OrgSnapshot
from reconciler.names import unknown_location_message
from reconciler.resources import RESOURCES
from reconciler.resources.base import Reads, merged
from reconciler.resources.pstn import with_route
from reconciler.webex.api import CallingApi, ConnectionOption, Location, Named

COMMAND_LINE = Position("<command line>")


async def read_org(api: CallingApi, names: Sequence[str] = ()) -> OrgSnapshot:
    """The calling-enabled locations (all, or those in `names`, in the org's order) as the API shows them.

    Raises InvalidInput, before reading any location, when a name is not a calling-enabled location.
    """
    calling, places, trunks, route_groups = await asyncio.gather(
        api.list_calling_locations(), api.list_locations(), api.list_trunks(), api.list_route_groups()
    )
    chosen = select_locations(calling, names, places)
    by_id = {place.id: place for place in places}
    live = await asyncio.gather(*(read_location(api, loc, by_id.get(loc.id)) for loc in chosen))
    route_names = {route.id: route.name for route in (*trunks, *route_groups)}
    return OrgSnapshot(tuple(live), route_names)


def select_locations(
    calling: Sequence[Named], names: Sequence[str], places: Sequence[Location] = ()
) -> list[Named]:
    """`calling`, or only the locations named, in the org's order; InvalidInput for names not found."""
    if not names:
        return list(calling)
    known = {loc.name for loc in calling}
    calling_names = [loc.name for loc in calling]
    countries = {place.name: place.country for place in places}
    errors = [
        InputError(COMMAND_LINE, unknown_location_message(name, calling_names, countries))
        for name in dict.fromkeys(names)
        if name not in known
    ]
    if errors:
        raise InvalidInput(errors)
    wanted = set(names)
    return [loc for loc in calling if loc.name in wanted]


async def read_location(api: CallingApi, location: Named, place: Location | None) -> LiveLocation:
    # From the calling-locations list: a 404 for its PSTN connection means none is set up yet.
    reads = Reads(api, location.id)
    (details, answer), parts = await asyncio.gather(
        asyncio.gather(
            api.get_location_details(location.id), api.get_pstn_connection(location.id, calling_enabled=True)
        ),
        asyncio.gather(*(resource.read_export(reads) for resource in RESOURCES)),
    )
    pstn = await with_route(answer, lambda: _known(details))
    options: tuple[ConnectionOption, ...] = ()
    # Only to tell whether the provider's name is shared, which needs the options the location has.
    if pstn.get("pstnConnectionType") == "NON_INTEGRATED_CCP":
        options = tuple(await api.list_connection_options(location.id))
    return LiveLocation(
        name=location.name,
        details=details,
        pstn=pstn or None,
        options=options,
        city=place.city if place else None,
        country=place.country if place else None,
        settings=merged(parts).get("settings", {}),
    )


async def _known(details: dict[str, Any]) -> dict[str, Any]:
    return details
