"""A location's outgoing calling permissions: PUT /telephony/config/locations/{locationId}/outgoingPermission.

The file maps a call type to `{action, transferEnabled}`; only the call types written are managed, and the
PUT carries only those that changed (the API takes a subset and keeps the rest). Each entry sent has all
three of callType, action and transferEnabled, as the API requires: a sub-field the file leaves out is
sent as the org has it. Call types the API reports but refuses in a PUT are never sent (the schema refuses
them), and an entry the organization locks (`isCallTypeRestrictionEnabled`) that the file would change is
an error before any PUT.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.model import DesiredLocation, InputError
from reconciler.diff import FieldChange, changes_between, project
from reconciler.resources.base import ApplyContext, Done, Reads, Resource, comment_text
from reconciler.resources.fields import FieldSpec
from reconciler.webex.api import details_path

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

    from reconciler.export.document import LiveLocation
    from reconciler.plan import Step
    from reconciler.state import CurrentState, LocationState

KIND = "outgoingPermission"
TITLE = "outgoing calling permissions"

# The call types a PUT takes, in the API reference's order, each with what it controls (its words).
CALL_TYPES: dict[str, str] = {
    "INTERNAL_CALL": "calls within your own company",
    "TOLL_FREE": "calls to numbers billed to the called party, usually free of charge from a landline",
    "NATIONAL": "calls within your own country",
    "INTERNATIONAL": "calls to numbers that need an international calling code",
    "OPERATOR_ASSISTED": "calls that need operator assistance",
    "CHARGEABLE_DIRECTORY_ASSISTED": "calls to directory assistance that charge to connect the call",
    "SPECIAL_SERVICES_I": "calls to carrier-specific numbers of special services or destinations",
    "SPECIAL_SERVICES_II": "calls to carrier-specific numbers of special services or destinations",
    "PREMIUM_SERVICES_I": "calls to information or entertainment numbers that charge the caller",
    "PREMIUM_SERVICES_II": "calls to information or entertainment numbers that charge the caller",
}
ACTIONS = ("ALLOW", "BLOCK", "AUTH_CODE", "TRANSFER_NUMBER_1", "TRANSFER_NUMBER_2", "TRANSFER_NUMBER_3")
# Call types the API has reported (at person level, or on older plans) but refuses in a PUT.
_REPORTED_NOT_TAKEN = "the API reports it in answers but refuses it in a PUT, so it cannot be managed"
REFUSED: tuple[tuple[str, str], ...] = (
    ("URL_DIALING", f"{_REPORTED_NOT_TAKEN} (errors 25024, 25321 seen on live orgs)"),
    ("UNKNOWN", f"{_REPORTED_NOT_TAKEN} (errors 25024, 25321 seen on live orgs)"),
    ("CASUAL", f"{_REPORTED_NOT_TAKEN} (errors 25024, 25321 seen on live orgs)"),
    ("LOCAL", f"{_REPORTED_NOT_TAKEN} (a call type of older calling plans)"),
    ("TOLL", f"{_REPORTED_NOT_TAKEN} (a call type of older calling plans)"),
)
ENTRY_FIELDS = ("action", "transferEnabled")
LOCKED = "isCallTypeRestrictionEnabled"  # read only: true when the organization locks the entry
# The live values of a managed entry a step is computed from: the lock too, as it decides what may be sent.
BASIS_FIELDS = (*ENTRY_FIELDS, LOCKED)


def _entry_spec(call_type: str, controls: str) -> FieldSpec:
    path = f"{KIND}.{call_type}"
    return FieldSpec(
        path,
        "object",
        (
            f"What {call_type} ({controls}) may do. Only the sub-fields written are managed (at least one); "
            "the one left out is sent as the org has it. An entry the organization locks "
            "(isCallTypeRestrictionEnabled) cannot be changed: `plan` refuses a change to it."
        ),
        min_properties=1,
        children=(
            FieldSpec(
                f"{path}.action",
                "string",
                (
                    "ALLOW or BLOCK the calls; AUTH_CODE asks for an access code (the codes are set at "
                    ".../outgoingPermission/accessCodes, not managed here); TRANSFER_NUMBER_1 to _3 "
                    "send the calls to the location's auto-transfer number 1 to 3 (set at "
                    ".../outgoingPermission/autoTransferNumbers, not managed here)."
                ),
                enum=ACTIONS,
            ),
            FieldSpec(
                f"{path}.transferEnabled",
                "boolean",
                "true lets people transfer or forward calls of this type.",
            ),
        ),
    )


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        KIND,
        "object",
        (
            "Outgoing calling permissions of the location, by call type: each an `{action, "
            "transferEnabled}`. Only the call types written are managed; the PUT sends only those "
            "that changed, and the API keeps the others. Cannot be null."
        ),
        min_properties=1,
        children=tuple(_entry_spec(call_type, controls) for call_type, controls in CALL_TYPES.items()),
        refused=REFUSED,
    ),
)


def permissions_path(location_id: str) -> str:
    return f"{details_path(location_id)}/outgoingPermission"


class OutgoingPermissionResource(Resource):
    kind = KIND
    title = TITLE
    fields = FIELDS

    def build(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
        if KIND not in fields:
            return {}, []
        wanted = {
            call_type: {name: entry[name] for name in ENTRY_FIELDS if name in entry}
            for call_type, entry in fields[KIND].items()
        }
        written: list[tuple[str, ...]] = [(KIND,)]
        for call_type, entry in wanted.items():
            written += [(KIND, call_type), *((KIND, call_type, name) for name in entry)]
        return {"settings": {KIND: wanted}}, written

    async def read(self, reads: Reads, wanted: Any, route_names: Mapping[str, str]) -> dict[str, Any]:
        answer = await reads.api.client.get_json(permissions_path(reads.location_id))
        return {"settings": {KIND: live_permissions(answer)}}

    async def read_export(self, reads: Reads) -> dict[str, Any]:
        return await self.read(reads, None, {})

    def org_problems(self, location: DesiredLocation, current: CurrentState) -> list[InputError]:
        wanted = self.desired(location)
        state = current.locations.get(location.name)
        live = self.live(state) if state is not None else None
        if wanted is None or live is None:
            return []
        return [
            InputError(location.position_of(f"{KIND}.{call_type}"), problem)
            for call_type, entry in wanted.items()
            if (problem := entry_problem(location.name, call_type, entry, live.get(call_type)))
        ]

    def diff(
        self, wanted: Mapping[str, Any], live: Mapping[str, Any], current: CurrentState
    ) -> tuple[FieldChange, ...]:
        return diff_permissions(wanted, live)

    def body(
        self,
        location: DesiredLocation,
        wanted: Mapping[str, Any],
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any]:
        return permissions_body(wanted, self.live(state) or {}, changes)

    def basis(self, wanted: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        return project(live, {call_type: dict.fromkeys(BASIS_FIELDS) for call_type in wanted})

    def path(self, location_id: str) -> str:
        return permissions_path(location_id)

    async def apply(self, context: ApplyContext, step: Step) -> Done:
        await context.api.client.put_json(self.path(step.location_id), step.body)
        return Done("applied")

    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[Mapping[str, Any], None]:
        permissions = live.settings.get(KIND)
        if permissions is None:
            return {}, None
        entries = export_entries(permissions, notes)
        return ({KIND: entries} if entries else {}), None


RESOURCE = OutgoingPermissionResource()


# --- reading -------------------------------------------------------------------------------------------


def live_permissions(answer: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The GET's `callingPermissions` list by call type (the first entry of each), read leniently: a value
    of the wrong type reads as None, and an entry is locked only when the API says `true`."""
    found: dict[str, dict[str, Any]] = {}
    items = answer.get("callingPermissions")
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("callType"), str):
            continue
        action, transfer = item.get("action"), item.get("transferEnabled")
        found.setdefault(
            item["callType"],
            {
                "action": action if isinstance(action, str) else None,
                "transferEnabled": transfer if isinstance(transfer, bool) else None,
                LOCKED: item.get(LOCKED) is True,
            },
        )
    return found


# --- what the org refuses ------------------------------------------------------------------------------


def entry_problem(location: str, call_type: str, wanted: Mapping[str, Any], live: Any) -> str | None:
    """Why the entry cannot be sent, or None: the organization locks it and the file would change it, or
    a sub-field the file leaves out (which the PUT needs) is not in the org's answer."""
    live = live if isinstance(live, Mapping) else {}
    if live.get(LOCKED) and project(live, wanted) != dict(wanted):
        values = ", ".join(f"{name} {_shown(live.get(name))}" for name in ENTRY_FIELDS)
        return (
            f"{KIND}.{call_type} is locked by the organization for location '{location}' "
            f"({LOCKED}: true; it is {values}): it cannot be changed through the API; "
            "write those values or leave it out"
        )
    readable = {
        "action": isinstance(live.get("action"), str),
        "transferEnabled": isinstance(live.get("transferEnabled"), bool),
    }
    unknown = [name for name in ENTRY_FIELDS if name not in wanted and not readable[name]]
    if not unknown:
        return None
    missing = " and ".join(unknown)
    return (
        f"{KIND}.{call_type}: the org does not report its {missing} for location '{location}', which the PUT "
        f"must carry with every entry; write {missing} too"
    )


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)


# --- comparing, and the request body -------------------------------------------------------------------


def diff_permissions(wanted: Mapping[str, Any], live: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """Changes to the managed sub-fields, as `outgoingPermission.<callType>.<field>` paths, in the order
    the call types are written; a call type the org does not report reads as null."""
    desired = {call_type: dict(entry) for call_type, entry in wanted.items()}
    changes = changes_between(project(live, desired), desired, order=list(desired))
    return tuple(FieldChange(f"{KIND}.{change.field}", change.before, change.after) for change in changes)


def permissions_body(
    wanted: Mapping[str, Any], live: Mapping[str, Any], changes: tuple[FieldChange, ...]
) -> dict[str, Any]:
    """One entry per changed call type, each with all three fields the API requires: what the file does
    not manage of it is sent as the org has it. Never `isCallTypeRestrictionEnabled`."""
    entries = []
    for call_type in dict.fromkeys(change.field.split(".")[1] for change in changes):
        now = live.get(call_type) or {}
        entry = {"callType": call_type}
        entry.update({name: wanted[call_type].get(name, now.get(name)) for name in ENTRY_FIELDS})
        entries.append(entry)
    return {"callingPermissions": entries}


# --- export: the permissions as the file writes them -------------------------------------------------


def export_entries(permissions: Mapping[str, Any], notes: list[str]) -> CommentedMap:
    """Every call type the file can manage, in the reference's order; `notes` names what is left out: a
    locked entry (the file could never change it), a call type a PUT refuses, a value the file cannot hold."""
    from ruamel.yaml.comments import CommentedMap  # only when exporting: planning never needs it

    entries = CommentedMap()
    locked = [t for t in CALL_TYPES if isinstance(permissions.get(t), Mapping) and permissions[t].get(LOCKED)]
    for call_type in CALL_TYPES:
        live = permissions.get(call_type)
        if not isinstance(live, Mapping) or call_type in locked:
            continue
        action, transfer = live.get("action"), live.get("transferEnabled")
        if action not in ACTIONS or not isinstance(transfer, bool):
            shown = comment_text(_shown({"action": action, "transferEnabled": transfer}))
            notes.append(f"{KIND}.{call_type} is left out (unmanaged): the org has {shown}.")
            continue
        entry = CommentedMap(action=action, transferEnabled=transfer)
        entry.fa.set_flow_style()
        entries[call_type] = entry
    if locked:
        notes.append(f"{KIND}: {', '.join(locked)} locked by the organization, left out (unmanaged).")
    others = [t for t in permissions if t not in CALL_TYPES]
    if others:
        names = ", ".join(comment_text(t) for t in others)
        notes.append(f"{KIND}: {names} left out (unmanaged): a PUT does not take them.")
    return entries
