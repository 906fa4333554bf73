"""Unknown-extension routing of a location: PUT /telephony/config/locations/{locationId}/internalDialing.

A call to an extension the location does not know (2 to 6 digits) may be sent to a trunk or a route group
when `enableUnknownExtensionRoutePolicy` is on. The file names the route by the trunk's or the route
group's name, resolved with the same trunk and route-group lists the PSTN connection uses (read once per
run, whoever needs them); the API takes and gives `unknownExtensionRouteIdentity {id, type}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.display import UNSAFE
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, DesiredState, InputError
from reconciler.diff import FieldChange
from reconciler.names import unknown
from reconciler.resources.base import comment_text, text
from reconciler.resources.fields import FieldSpec
from reconciler.resources.plain import PlainSetting, export_map, exported

if TYPE_CHECKING:
    from reconciler.export.document import LiveLocation
    from reconciler.state import CurrentState, LocationState
    from reconciler.webex.api import Named

KIND = "internalDialing"
ENABLE = "enableUnknownExtensionRoutePolicy"
ROUTE = "unknownExtensionRoute"
IDENTITY = "unknownExtensionRouteIdentity"  # the API's name of the route, by id and type
# The file's key for each kind of route, and the API's type of it.
ROUTE_TYPES: dict[str, str] = {"trunk": "TRUNK", "routeGroup": "ROUTE_GROUP"}
_WORDS = {"trunk": "trunk", "routeGroup": "route group"}

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        KIND,
        "object",
        (
            "Where calls to an unknown extension (2 to 6 digits that no one at the location has) go, set "
            "through PUT /telephony/config/locations/{locationId}/internalDialing. Only the sub-fields "
            "written are managed (at least one)."
        ),
        min_properties=1,
        children=(
            FieldSpec(
                f"{KIND}.{ENABLE}",
                "boolean",
                (
                    "true to route calls to unknown extensions to `unknownExtensionRoute` (a premises PBX "
                    "that shares the extension range). Cannot be null."
                ),
            ),
            FieldSpec(
                f"{KIND}.{ROUTE}",
                "object",
                (
                    "The route for unknown extensions: exactly one of `trunk` or `routeGroup`, by name. "
                    "null clears it (no route)."
                ),
                clearable=True,
                min_properties=1,
                children=(
                    FieldSpec(
                        f"{KIND}.{ROUTE}.trunk",
                        "string",
                        "The trunk, by name, for unknown extensions. Use `trunk` or `routeGroup`.",
                        non_empty=True,
                        resolves="trunks",
                    ),
                    FieldSpec(
                        f"{KIND}.{ROUTE}.routeGroup",
                        "string",
                        "The route group, by name, for unknown extensions. Use `trunk` or `routeGroup`.",
                        non_empty=True,
                        resolves="routeGroups",
                    ),
                ),
            ),
        ),
    ),
)


def one_route(fields: FieldSet) -> list[InputError]:
    """`unknownExtensionRoute` names a trunk or a route group, not both."""
    setting = fields.fields.get(KIND)
    route = setting.get(ROUTE) if isinstance(setting, dict) else None
    if not isinstance(route, dict) or len([key for key in route if key in ROUTE_TYPES]) < 2:
        return []
    message = f"{KIND}.{ROUTE} takes exactly one of 'trunk' or 'routeGroup', not both"
    return [InputError(fields.position(KIND, ROUTE, "routeGroup", key=True), message)]


def route_of(wanted: Mapping[str, Any]) -> tuple[str, str] | None:
    """The desired route as (file key, name); None for no route (null)."""
    route = wanted.get(ROUTE)
    if not isinstance(route, Mapping):
        return None
    key = next(k for k in ROUTE_TYPES if k in route)
    return key, str(route[key])


def live_route(live: Mapping[str, Any], route_names: Mapping[str, str]) -> dict[str, str] | None:
    """The live route in the file's terms, `{trunk: NAME}` or `{routeGroup: NAME}`: named by the org's
    lists, else by the answer's own `name`, else by its id; None when there is none."""
    identity = live.get(IDENTITY)
    if not isinstance(identity, Mapping):
        return None
    route_id, route_type, name = identity.get("id"), identity.get("type"), identity.get("name")
    key = next((k for k, t in ROUTE_TYPES.items() if t == route_type), None)
    if key is None or not isinstance(route_id, str):
        return None
    shown = route_names.get(route_id) or (name if isinstance(name, str) and name else route_id)
    return {key: shown}


def _routes(current: CurrentState, key: str) -> tuple[Named, ...]:
    return current.trunks if key == "trunk" else current.route_groups


class InternalDialingResource(PlainSetting):
    # The GET, the PUT and the build are a plain setting's; the route is by name, so the diff, the body,
    # the basis and the export are its own.
    kind = KIND
    title = "unknown-extension routing"
    fields = FIELDS
    endpoint = "internalDialing"
    kept = (ENABLE, IDENTITY)
    field_rules = (one_route,)

    def lookups(self, desired: DesiredState) -> frozenset[str]:
        # A route by name needs the trunk and route-group lists (the PSTN connection's too: read once).
        wanted = any(route_of(self.desired(loc) or {}) for loc in desired.locations)
        return frozenset({"routes"}) if wanted else frozenset()

    def org_problems(self, location: DesiredLocation, current: CurrentState) -> list[InputError]:
        route = route_of(self.desired(location) or {})
        if route is None:
            return []
        key, name = route
        names = [r.name for r in _routes(current, key)]
        if name in names:
            return []
        return [unknown(location, f"{KIND}.{ROUTE}.{key}", _WORDS[key], name, names)]

    def diff(
        self, wanted: Mapping[str, Any], live: Mapping[str, Any], current: CurrentState
    ) -> tuple[FieldChange, ...]:
        changes: list[FieldChange] = []
        if ENABLE in wanted and live.get(ENABLE) is not wanted[ENABLE]:
            changes.append(FieldChange(f"{KIND}.{ENABLE}", live.get(ENABLE), wanted[ENABLE]))
        if ROUTE in wanted and self._route_differs(wanted, live, current):
            before, after = live_route(live, current.route_names), wanted[ROUTE]
            if before is not None and after is not None and before.keys() == after.keys():
                (key,) = after
                changes.append(FieldChange(f"{KIND}.{ROUTE}.{key}", before[key], after[key]))
            else:
                changes.append(FieldChange(f"{KIND}.{ROUTE}", before, after))
        return tuple(changes)

    def _route_differs(
        self, wanted: Mapping[str, Any], live: Mapping[str, Any], current: CurrentState
    ) -> bool:
        # Compared by id and type: a route renamed since is the same route.
        return self._identity(wanted, current) != _live_identity(live)

    def _identity(self, wanted: Mapping[str, Any], current: CurrentState) -> dict[str, str] | None:
        route = route_of(wanted)
        if route is None:
            return None
        key, name = route
        route_id = next(str(r.id) for r in _routes(current, key) if r.name == name)
        return {"id": route_id, "type": ROUTE_TYPES[key]}

    def body(
        self,
        location: DesiredLocation,
        wanted: Mapping[str, Any],
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any]:
        # Partial: only what changed. The route goes as {id, type}, both required; null clears it.
        body: dict[str, Any] = {}
        changed = {change.field.split(".")[1] for change in changes}
        if ENABLE in changed:
            body[ENABLE] = wanted[ENABLE]
        if ROUTE in changed:
            body[IDENTITY] = self._identity(wanted, current)
        return body

    def basis(self, wanted: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        basis: dict[str, Any] = {}
        if ENABLE in wanted:
            basis[ENABLE] = live.get(ENABLE)
        if ROUTE in wanted:
            basis[IDENTITY] = _live_identity(live)
        return basis

    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[dict[str, Any], str | None]:
        setting = live.settings.get(KIND)
        if setting is None:
            return {}, None
        entry = exported(self.spec, {ENABLE: setting[ENABLE]} if ENABLE in setting else {}, notes)
        entry = entry if entry is not None else export_map()
        route = _export_route(setting, route_names, notes)
        if route is not _UNREADABLE:
            entry[ROUTE] = route
        return ({KIND: entry} if entry else {}), None


_UNREADABLE = object()


def _export_route(setting: Mapping[str, Any], route_names: Mapping[str, str], notes: list[str]) -> Any:
    """The live route as the file writes it (null: none), or _UNREADABLE with a note: a route this file
    cannot name is left unmanaged rather than written as null, which would clear it."""
    identity = _live_identity(setting)
    if identity is None and setting.get(IDENTITY) is None:
        return None
    named = live_route(setting, route_names)
    if (
        identity is None
        or named is None
        or identity["id"] not in route_names
        or UNSAFE.search(next(iter(named.values())))
    ):
        shown = comment_text(str(identity["id"] if identity else setting.get(IDENTITY)))
        notes.append(
            f"{KIND}.{ROUTE} is left out (unmanaged): the org routes unknown extensions to {shown}, "
            "which the file cannot name (not one of the org's trunks or route groups by a name of one "
            "line of printable text)."
        )
        return _UNREADABLE
    route = export_map()
    for key, name in named.items():
        route[key] = text(name)
    return route


def _live_identity(live: Mapping[str, Any]) -> dict[str, str] | None:
    """The live route as the API names it, {id, type} (its `name` aside); None when there is none."""
    identity = live.get(IDENTITY)
    if not isinstance(identity, Mapping):
        return None
    route_id, route_type = identity.get("id"), identity.get("type")
    if not isinstance(route_id, str) or route_type not in ROUTE_TYPES.values():
        return None
    return {"id": route_id, "type": str(route_type)}


RESOURCE = InternalDialingResource()
