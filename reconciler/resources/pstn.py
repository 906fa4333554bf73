"""The PSTN connection of a location: PUT /telephony/pstn/locations/{locationId}/connection.

Everything this project knows about that endpoint lives here: its desired-state fields, the org lookups
it needs, how the live connection is read (an unset one, the answer shape before 2025) and compared in
the file's own terms (routes by name), how the request body is built, and how the step is applied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.display import UNSAFE
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, InputError
from reconciler.diff import FieldChange, changes_between
from reconciler.names import listing, unknown
from reconciler.resources.base import ApplyContext, Done, Reads, Resource, comment_text, text
from reconciler.resources.fields import FieldSpec
from reconciler.webex.api import (
    ConnectionOption,
    details_route,
    lacks_route,
    pstn_connection_path,
    with_details_route,
)

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

    from reconciler.export.document import LiveLocation
    from reconciler.plan import Step
    from reconciler.state import CurrentState, LocationState

KIND = "pstn"
TITLE = "PSTN connection"
DISRUPTION = "re-routes the location's PSTN calls"

# PSTN connection types the API can set, and the ones it can only report.
SETTABLE_TYPES: tuple[str, ...] = ("LOCAL_GATEWAY", "NON_INTEGRATED_CCP")
UNSETTABLE_TYPES: tuple[str, ...] = ("INTEGRATED_CCP", "CISCO_PSTN")
# For each type that can be set: the fields that pick its route, of which exactly one is needed.
CHOICES: dict[str, tuple[str, str]] = {
    "LOCAL_GATEWAY": ("trunk", "routeGroup"),
    "NON_INTEGRATED_CCP": ("provider", "connectionId"),
}
_TARGETS = frozenset(field for pair in CHOICES.values() for field in pair)
# pstn field in the file -> DesiredPstn attribute
_ATTRIBUTES = {
    "trunk": "trunk",
    "routeGroup": "route_group",
    "provider": "provider",
    "connectionId": "connection_id",
}
# The live connection fields a step is computed from (its basis).
BASIS_KEYS = ("pstnConnectionType", "routeType", "routeId", "id")
# The name Webex gives a location's local-gateway connection option (the documented answers of Retrieve
# PSTN Connection and its Options); options carry no type, so this is one of the few signs of it.
PREMISES_OPTION_NAME = "Premises-based PSTN"
_CCP = (None, "NON_INTEGRATED_CCP")  # a type that may be set as a cloud provider (None: not known)

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "pstn",
        "object",
        (
            "The location's PSTN connection, set through the PSTN endpoint (PUT "
            "/telephony/pstn/locations/{locationId}/connection) before any other setting. "
            "LOCAL_GATEWAY takes exactly one of `trunk` or `routeGroup`; NON_INTEGRATED_CCP takes "
            "exactly one of `provider` or `connectionId`. Leave `pstn` out to leave the connection "
            "unmanaged."
        ),
        required=("type",),
        disruptive=DISRUPTION,
        children=(
            FieldSpec(
                "pstn.type",
                "string",
                (
                    "PSTN connection type. LOCAL_GATEWAY (premises trunk or route group) and "
                    "NON_INTEGRATED_CCP (a cloud connected PSTN provider) can be set. INTEGRATED_CCP and "
                    "CISCO_PSTN cannot be set through the Webex API: set them in Control Hub and leave "
                    "`pstn` unmanaged."
                ),
                enum=(*SETTABLE_TYPES, *UNSETTABLE_TYPES),
                disruptive=DISRUPTION,
            ),
            FieldSpec(
                "pstn.trunk",
                "string",
                (
                    'LOCAL_GATEWAY only: the name of the trunk ("connection between Webex Calling and the '
                    "premises\") that carries this location's PSTN calls. Use either `trunk` or `routeGroup`."
                ),
                non_empty=True,
                disruptive=DISRUPTION,
                resolves="trunks",
            ),
            FieldSpec(
                "pstn.routeGroup",
                "string",
                (
                    "LOCAL_GATEWAY only: the name of the route group (at least one and at most 10 trunks) "
                    "that carries this location's PSTN calls. Use either `trunk` or `routeGroup`."
                ),
                non_empty=True,
                disruptive=DISRUPTION,
                resolves="routeGroups",
            ),
            FieldSpec(
                "pstn.provider",
                "string",
                (
                    "NON_INTEGRATED_CCP only: the `displayName` of one of the location's PSTN connection "
                    'options, e.g. "Pure IP Cloud". Use either `provider` or `connectionId`.'
                ),
                non_empty=True,
                disruptive=DISRUPTION,
                resolves="connectionOptions",
            ),
            FieldSpec(
                "pstn.connectionId",
                "string",
                (
                    "NON_INTEGRATED_CCP only: the `id` of one of the location's PSTN connection options (\"a "
                    'unique identifier for the connection; required for non-integrated CCP"). Use either '
                    "`provider` or `connectionId`."
                ),
                non_empty=True,
                disruptive=DISRUPTION,
                resolves="connectionOptions",
            ),
        ),
    ),
)


def check_pstn(fields: FieldSet) -> list[InputError]:
    """The PSTN type can be set through the API, and exactly the fields that type takes are given."""
    value = fields.fields.get("pstn")
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return []
    kind = value["type"]
    if kind in UNSETTABLE_TYPES:
        message = (
            f"pstn type {kind} cannot be set through the Webex API; "
            "set it in Control Hub and leave `pstn` unmanaged"
        )
        return [InputError(fields.position("pstn", "type"), message)]
    if kind not in SETTABLE_TYPES:
        return []  # not one of the enum's values: the schema said so
    choices = CHOICES[kind]
    either = f"'{choices[0]}' or '{choices[1]}'"
    errors: list[InputError] = []
    for other in value:
        if other in _TARGETS and other not in choices:
            message = f"'{other}' does not apply to pstn type {kind}, which takes {either}"
            errors.append(InputError(fields.position("pstn", other, key=True), message))
    given = [name for name in value if name in choices]
    if not given:
        message = f"pstn type {kind} needs exactly one of {either}"
        errors.append(InputError(fields.position("pstn", key=True), message))
    elif len(given) > 1:
        message = f"pstn type {kind} takes exactly one of {either}, not both"
        errors.append(InputError(fields.position("pstn", given[1], key=True), message))
    return errors


class PstnResource(Resource):
    kind = KIND
    title = TITLE
    fields = FIELDS
    field_rules = (check_pstn,)

    def build(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
        if "pstn" not in fields:
            return {}, []
        chosen = fields["pstn"]
        written = [("pstn",), *(("pstn", sub) for sub in ("type", *_ATTRIBUTES) if sub in chosen)]
        pstn = DesiredPstn(
            type=chosen["type"], **{attribute: chosen.get(sub) for sub, attribute in _ATTRIBUTES.items()}
        )
        return {"pstn": pstn}, written

    def desired(self, location: DesiredLocation) -> DesiredPstn | None:
        return location.pstn

    def live(self, state: LocationState) -> Mapping[str, Any] | None:
        return state.pstn

    def lookups(self, desired: DesiredState) -> frozenset[str]:
        # Both route lists whenever PSTN is managed: the current route is shown by name, whichever kind.
        return frozenset({"routes"}) if any(loc.pstn for loc in desired.locations) else frozenset()

    async def read(self, reads: Reads, wanted: DesiredPstn, route_names: Mapping[str, str]) -> dict[str, Any]:
        # A local gateway's route is named by the details too: when they are read anyway and name the
        # desired route, there is nothing to change and the PSTN answer would add nothing to the plan.
        if wanted.type == "LOCAL_GATEWAY" and reads.details_read:
            shown = route_from_details(await reads.details())
            if shown is not None and not diff_pstn(wanted, shown, route_names):
                return {"pstn": shown, "options": None}
        # The location comes from the calling-locations list, so a 404 here means "no PSTN set up yet".
        answer = await reads.api.get_pstn_connection(reads.location_id, calling_enabled=True)
        connection = await with_route(answer, reads.details)
        options = None
        # Only a cloud provider is named by a connection option; a local gateway's PUT names its route.
        if wanted.type == "NON_INTEGRATED_CCP" and diff_pstn(wanted, connection, route_names):
            options = tuple(await reads.api.list_connection_options(reads.location_id))
        return {"pstn": connection, "options": options}

    def org_problems(self, location: DesiredLocation, current: CurrentState) -> list[InputError]:
        wanted = location.pstn
        if wanted is None:
            return []
        errors: list[InputError] = []
        trunks = [t.name for t in current.trunks]
        route_groups = [r.name for r in current.route_groups]
        if wanted.trunk is not None and wanted.trunk not in trunks:
            errors.append(unknown(location, "pstn.trunk", "trunk", wanted.trunk, trunks))
        if wanted.route_group is not None and wanted.route_group not in route_groups:
            errors.append(
                unknown(location, "pstn.routeGroup", "route group", wanted.route_group, route_groups)
            )
        return errors

    def diff(
        self, wanted: DesiredPstn, live: Mapping[str, Any], current: CurrentState
    ) -> tuple[FieldChange, ...]:
        return diff_pstn(wanted, live, current.route_names)

    def body(
        self,
        location: DesiredLocation,
        wanted: DesiredPstn,
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any] | InputError:
        return pstn_body(location, wanted, state, current)

    def basis(self, wanted: DesiredPstn, live: Mapping[str, Any]) -> dict[str, Any]:
        return {key: live.get(key) for key in BASIS_KEYS}

    def changed_since(self, basis: Mapping[str, Any], live: Mapping[str, Any]) -> tuple[FieldChange, ...]:
        if isinstance(live, RouteFromDetails):  # what was not read is not known to have changed
            basis = {key: value for key, value in basis.items() if key in live}
        return super().changed_since(basis, live)

    def path(self, location_id: str) -> str:
        return pstn_connection_path(location_id)

    async def apply(self, context: ApplyContext, step: Step) -> Done:
        await context.api.setup_pstn_connection(step.location_id, step.body)
        return Done("applied")

    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[dict[str, Any], str]:
        entry, words = pstn_entry(live.pstn, route_names, live.options)
        if entry is not None and any(UNSAFE.search(str(v)) for v in entry.values()):
            return {}, f"{words}; a name in it is not one line of printable text, so {_UNMANAGED}"
        return ({} if entry is None else {"pstn": entry}), words


RESOURCE = PstnResource()


# --- reading -------------------------------------------------------------------------------------------


class RouteFromDetails(dict[str, Any]):
    """A local gateway's connection as the location details' `connection {type, id}` names it, read
    instead of the PSTN answer: its type and route only (the connection option's `id` and name unknown).
    Its own type, so that no API answer is ever taken for one."""


def route_from_details(details: Mapping[str, Any]) -> RouteFromDetails | None:
    """The local gateway the details name (TRUNK or ROUTE_GROUP with its id); None when they name none
    (no PSTN, a cloud PSTN's type without an id, or an answer of another shape)."""
    route = details_route(details)
    if route is None:
        return None
    return RouteFromDetails(pstnConnectionType="LOCAL_GATEWAY", routeType=route[0], routeId=route[1])


async def with_route(
    connection: Mapping[str, Any], details: Callable[[], Awaitable[Mapping[str, Any]]]
) -> dict[str, Any]:
    """A local gateway's connection with its route: a PSTN answer without one (the shape before 2025)
    takes it from the location details' `connection`, asked of `details` only then."""
    if not lacks_route(connection):
        return dict(connection)
    return with_details_route(connection, await details())


# --- comparing, in the file's own terms ----------------------------------------------------------------


def pstn_view(desired: DesiredPstn) -> dict[str, Any]:
    """The desired PSTN connection in the file's own terms: type, trunk, routeGroup and provider or id."""
    view: dict[str, Any] = {"type": desired.type, "trunk": desired.trunk, "routeGroup": desired.route_group}
    if desired.connection_id is not None:
        view["connectionId"] = desired.connection_id
    else:
        view["provider"] = desired.provider
    return view


def current_pstn_view(
    connection: Mapping[str, Any], route_names: Mapping[str, str], keys: Mapping[str, Any]
) -> dict[str, Any]:
    """The live PSTN connection in the same terms as `pstn_view`, with route IDs shown by name."""
    conn_type = connection.get("pstnConnectionType")
    route_id = connection.get("routeId")
    route_name = route_names.get(route_id, route_id) if isinstance(route_id, str) else None
    route_type = connection.get("routeType")
    premise = conn_type == "LOCAL_GATEWAY"
    view = {
        "type": conn_type,
        "trunk": route_name if premise and route_type == "TRUNK" else None,
        "routeGroup": route_name if premise and route_type == "ROUTE_GROUP" else None,
        "provider": None if premise else connection.get("displayName"),
        "connectionId": None if premise else connection.get("id"),
    }
    return {key: view[key] for key in keys}


def diff_pstn(
    desired: DesiredPstn, connection: Mapping[str, Any], route_names: Mapping[str, str]
) -> tuple[FieldChange, ...]:
    """Changes to the PSTN connection, as `pstn.<field>` paths; empty when it is already as desired."""
    wanted = pstn_view(desired)
    changes = changes_between(current_pstn_view(connection, route_names, wanted), wanted, order=list(wanted))
    return tuple(FieldChange(f"pstn.{c.field}", c.before, c.after) for c in changes)


# --- the request body ----------------------------------------------------------------------------------


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
            f"{listing('non-integrated CCP options offered', str(wanted), names)}",
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


_PSTN_KEYS = dict.fromkeys(("type", "trunk", "routeGroup", "provider", "connectionId"))
_UNSETTABLE_WORDS = {"INTEGRATED_CCP": "integrated CCP", "CISCO_PSTN": "Cisco PSTN"}
_UNMANAGED = "`pstn` is left out (unmanaged)"


# --- export: the connection as the file writes it ----------------------------------------------------


def pstn_entry(
    connection: Mapping[str, Any] | None,
    route_names: Mapping[str, str],
    options: tuple[ConnectionOption, ...],
) -> tuple[CommentedMap | None, str]:
    """The `pstn` entry (None when the API cannot set this connection) and the connection in words."""
    if connection is None:
        return None, f"PSTN: none set up; {_UNMANAGED}"
    # The file's own terms (route IDs shown by name), as `plan` compares them.
    view = current_pstn_view(connection, route_names, _PSTN_KEYS)
    kind = view["type"]
    if kind == "LOCAL_GATEWAY":
        return _local_gateway(view, connection.get("routeId"), route_names)
    if kind == "NON_INTEGRATED_CCP":
        return _cloud_provider(view, options)
    return None, f"PSTN: {_unsettable(kind, view['provider'])}, which the Webex API cannot set; {_UNMANAGED}"


def _local_gateway(
    view: Mapping[str, Any], route_id: Any, route_names: Mapping[str, str]
) -> tuple[CommentedMap | None, str]:
    # An ID missing from the trunk and route-group lists would be shown as itself: never write an ID.
    if not isinstance(route_id, str) or route_id not in route_names:
        return None, f"PSTN: local gateway via a route not in the org's trunks or route groups; {_UNMANAGED}"
    for key, words in (("trunk", "trunk"), ("routeGroup", "route group")):
        if view[key] is not None:
            entry = _map(type="LOCAL_GATEWAY")
            entry[key] = text(view[key])
            return entry, f"PSTN: local gateway via {words} {comment_text(view[key])}"
    return None, f"PSTN: local gateway with a route of unknown type; {_UNMANAGED}"


def _cloud_provider(
    view: Mapping[str, Any], options: tuple[ConnectionOption, ...]
) -> tuple[CommentedMap | None, str]:
    provider = view["provider"] if isinstance(view["provider"], str) and view["provider"] else None
    connection_id = view["connectionId"] if isinstance(view["connectionId"], str) else None
    entry = _map(type="NON_INTEGRATED_CCP")
    namesakes = sum(1 for option in options if option.display_name == provider)
    # `provider` picks the first option of that name, so a shared name must be pinned by ID.
    if provider is not None and namesakes < 2:
        entry["provider"] = text(provider)
        return entry, f"PSTN: non-integrated CCP {comment_text(provider)}"
    if connection_id:
        entry["connectionId"] = text(connection_id)
        if provider is None:
            return entry, "PSTN: non-integrated CCP without a name, by its connection ID"
        return entry, (
            f"PSTN: non-integrated CCP {comment_text(provider)}, by its connection ID "
            f"({namesakes} connection options have that name)"
        )
    return None, f"PSTN: non-integrated CCP with neither a name nor an ID; {_UNMANAGED}"


def _unsettable(kind: Any, name: Any) -> str:
    words = _UNSETTABLE_WORDS.get(kind) if isinstance(kind, str) else None
    if words is None:
        words = f"{comment_text(kind)} connection" if isinstance(kind, str) else "connection of unknown type"
    return f"{words} ({comment_text(name)})" if isinstance(name, str) and name else words


def _map(**items: Any) -> CommentedMap:
    # ruamel is imported only when exporting: planning never needs it.
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap(**items)
