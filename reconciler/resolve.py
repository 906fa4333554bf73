"""Pure: the rules that need the org (names that must exist, country limits) and names turned into IDs.

Every problem becomes an InputError at the position the user wrote it, so `plan` and `apply` report
them like `validate` does, before any PUT.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, InputError
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import ConnectionOption

P_ACCESS_NETWORK_INFO_COUNTRIES = ("BE", "DE", "FR")
_SHOWN_NAMES = 15


def check_against_org(desired: DesiredState, current: CurrentState) -> dict[str, list[InputError]]:
    """Every reference the org cannot satisfy, by location name (only locations with a problem)."""
    trunks = [t.name for t in current.trunks]
    route_groups = [r.name for r in current.route_groups]
    countries = {loc.name: loc.country for loc in current.all_locations or ()}
    calling_names = [loc.name for loc in current.calling_locations]
    problems: dict[str, list[InputError]] = {}
    for loc in desired.locations:
        errors: list[InputError] = []
        if loc.name not in current.locations:
            errors.append(
                InputError(loc.position, unknown_location_message(loc.name, calling_names, countries))
            )
        else:
            if loc.pstn and loc.pstn.trunk is not None and loc.pstn.trunk not in trunks:
                errors.append(_unknown(loc, "pstn.trunk", "trunk", loc.pstn.trunk, trunks))
            if loc.pstn and loc.pstn.route_group is not None and loc.pstn.route_group not in route_groups:
                errors.append(
                    _unknown(loc, "pstn.routeGroup", "route group", loc.pstn.route_group, route_groups)
                )
            if loc.details.get("pAccessNetworkInfo") is not None:
                country = countries.get(loc.name)
                if country not in P_ACCESS_NETWORK_INFO_COUNTRIES:
                    errors.append(
                        InputError(
                            loc.position_of("pAccessNetworkInfo"),
                            "pAccessNetworkInfo can only be set for locations in Belgium (BE), Germany (DE) "
                            f"or France (FR); location '{loc.name}' is in {country or 'an unknown country'}",
                        )
                    )
        if errors:
            problems[loc.name] = errors
    return problems


def pstn_body(
    desired: DesiredLocation, pstn: DesiredPstn, state: LocationState, current: CurrentState
) -> dict[str, Any] | InputError:
    """The body of the PSTN PUT that gives `desired` the connection `pstn`, or why it cannot be built."""
    if pstn.type == "LOCAL_GATEWAY":
        # The route alone, as clients tested against live orgs send it: the reference requires only
        # these two for a local gateway, and no connection option has to be found for it.
        if pstn.trunk is not None:
            return {"premiseRouteType": "TRUNK", "premiseRouteId": _id_of(pstn.trunk, current.trunks)}
        return {
            "premiseRouteType": "ROUTE_GROUP",
            "premiseRouteId": _id_of(pstn.route_group, current.route_groups),
        }
    option = _find_option(desired, pstn, state.options or (), option_types(current))
    if isinstance(option, InputError):
        return option
    return {"id": option.id}


# The name Webex gives a location's local-gateway connection option (the documented answers of Retrieve
# PSTN Connection and its Options); options carry no type, so this is one of the few signs of it.
PREMISES_OPTION_NAME = "Premises-based PSTN"
_CCP = (None, "NON_INTEGRATED_CCP")  # a type that may be set as a cloud provider (None: not known)


def option_types(current: CurrentState) -> dict[str, str]:
    """What the org has told of its connection options' types: each PSTN answer read names the type of
    the option it uses (`id`, `pstnConnectionType`)."""
    types: dict[str, str] = {}
    for state in current.locations.values():
        connection = state.pstn or {}
        option_id, kind = connection.get("id"), connection.get("pstnConnectionType")
        if isinstance(option_id, str) and isinstance(kind, str):
            types[option_id] = kind
    return types


def _type_of(option: ConnectionOption, learned: Mapping[str, str]) -> str | None:
    """The option's type when anything says it: the option itself (when the API sends it, which the
    documented answer does not), a PSTN answer that uses it, or the local-gateway option's name."""
    if option.connection_type is not None:
        return option.connection_type
    if option.id in learned:
        return learned[option.id]
    return "LOCAL_GATEWAY" if option.display_name == PREMISES_OPTION_NAME else None


def _find_option(
    desired: DesiredLocation,
    pstn: DesiredPstn,
    options: Iterable[ConnectionOption],
    learned: Mapping[str, str],
) -> ConnectionOption | InputError:
    by_id = pstn.connection_id is not None
    path, wanted = ("pstn.connectionId", pstn.connection_id) if by_id else ("pstn.provider", pstn.provider)
    options = list(options)
    match = next((o for o in options if (o.id if by_id else o.display_name) == wanted), None)
    if match is None:
        names = [o.display_name for o in options if _type_of(o, learned) in _CCP]
        what = "connection option id" if by_id else "PSTN provider"
        return InputError(
            desired.position_of(path),
            f"{what} '{wanted}' is not a connection option for location '{desired.name}'; "
            f"{_listing('non-integrated CCP options offered', str(wanted), names)}",
        )
    kind = _type_of(match, learned)
    if kind == "LOCAL_GATEWAY":
        return InputError(
            desired.position_of(path),
            f"'{match.display_name}' is the local gateway connection, not a cloud provider; "
            "write `type: LOCAL_GATEWAY` with its `trunk` or `routeGroup`",
        )
    if kind not in _CCP:
        return InputError(
            desired.position_of(path),
            f"'{match.display_name}' is a {kind} connection, which cannot be set "
            "through the Webex API; set it in Control Hub and leave `pstn` unmanaged",
        )
    return match


def _id_of(name: str | None, named: Iterable[Any]) -> str:
    return next(str(n.id) for n in named if n.name == name)


def _unknown(loc: DesiredLocation, path: str, what: str, name: str, existing: list[str]) -> InputError:
    return InputError(
        loc.position_of(path), f"{what} '{name}' not found in the org; {_listing(what + 's', name, existing)}"
    )


def unknown_location_message(name: str, calling: list[str], countries: Mapping[str, str | None]) -> str:
    """Why `name` is no calling location: not enabled for calling, or not there (with close names)."""
    if name in countries:
        return (
            f"location '{name}' exists but is not enabled for Webex Calling; enable it in Control Hub first"
        )
    return f"location '{name}' not found in the org; {_listing('calling-enabled locations', name, calling)}"


def _listing(what: str, wanted: str, names: list[str]) -> str:
    """`did you mean` plus the names that exist, cut short for large orgs."""
    if not names:
        return f"the org has no {what}"
    close = difflib.get_close_matches(wanted, names, n=3)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    shown = sorted(names)[:_SHOWN_NAMES]
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    return f"{hint}{what}: {', '.join(shown)}{more}"
