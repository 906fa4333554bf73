"""The location's emergency callback number (ECBN):
PUT /telephony/config/locations/{locationId}/features/emergencyCallbackNumber.

The file says `selected: LOCATION_NUMBER` (the location's main number), or a member's number by E.164,
`{selected: LOCATION_MEMBER_NUMBER, phoneNumber: "+1..."}`. The API takes the member by its owner's id:
the plan asks availableNumbers for just that number (`phoneNumber=`) and sends the owner's id as
`locationMemberId`, so apply sends exactly the planned body. A number the location does not offer is an
error at its file position before any PUT. One owner's id comes in more than one form (`=` padding,
`urn:TEAM:<cluster>`), so ids are compared by the UUID they decode to.

`selected` is required by the PUT and always sent; `locationMemberId` only with LOCATION_MEMBER_NUMBER;
`elinExpiryTimeMinutes` (10 to 1440) only when it changes.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.display import quoted
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, InputError
from reconciler.diff import FieldChange
from reconciler.resources.base import Reads, comment_text
from reconciler.resources.fields import E164, FieldSpec
from reconciler.resources.plain import PlainSetting, exported, format_rules
from reconciler.webex.api import details_path

if TYPE_CHECKING:
    from reconciler.export.document import LiveLocation
    from reconciler.state import CurrentState, LocationState

KIND = "emergencyCallbackNumber"
SELECTED = "selected"
NUMBER = "phoneNumber"
ELIN = "elinExpiryTimeMinutes"
LOCATION_NUMBER = "LOCATION_NUMBER"
MEMBER_NUMBER = "LOCATION_MEMBER_NUMBER"
MEMBER_INFO = "locationMemberInfo"
OWNER = "owner"  # the live value's own key: the owner of the file's number, as availableNumbers says
OFFERED = "offered"  # a few numbers the location does offer, read only when the file's is not one
_OFFERED_SHOWN = 5

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        KIND,
        "object",
        (
            "The number emergency services call back for this location (PUT /telephony/config/locations/"
            "{locationId}/features/emergencyCallbackNumber): the location's main number, or a number a "
            "person, workspace, virtual line or hunt group of the location owns."
        ),
        required=(SELECTED,),
        children=(
            FieldSpec(
                f"{KIND}.{SELECTED}",
                "string",
                (
                    "LOCATION_NUMBER for the location's main number; LOCATION_MEMBER_NUMBER for the number "
                    "in `phoneNumber`."
                ),
                enum=(LOCATION_NUMBER, MEMBER_NUMBER),
            ),
            FieldSpec(
                f"{KIND}.{NUMBER}",
                "string",
                (
                    'With LOCATION_MEMBER_NUMBER: the member\'s number, E.164 as a string ("+12145550123"); '
                    "it must be one the location offers (its owner is looked up when planning)."
                ),
                pattern=E164,
                rule="an E.164 number such as +12145550123",
                e164=True,
            ),
            FieldSpec(
                f"{KIND}.{ELIN}",
                "integer",
                (
                    "How long, in minutes (10 to 1440), an emergency call's ELIN is kept for the call back. "
                    "Leave it out to leave it unmanaged."
                ),
                minimum=10,
                maximum=1440,
            ),
        ),
    ),
)


def number_with_member(fields: FieldSet) -> list[InputError]:
    """`phoneNumber` goes with LOCATION_MEMBER_NUMBER, and only with it."""
    setting = fields.fields.get(KIND)
    if not isinstance(setting, dict):
        return []
    selected = setting.get(SELECTED)
    if selected == MEMBER_NUMBER and NUMBER not in setting:
        message = f"{KIND}.{NUMBER} is required with {SELECTED}: {MEMBER_NUMBER} (the member's number, E.164)"
        return [InputError(fields.position(KIND, SELECTED), message)]
    if selected == LOCATION_NUMBER and NUMBER in setting:
        message = (
            f"{KIND}.{NUMBER} goes only with {SELECTED}: {MEMBER_NUMBER} "
            f"({LOCATION_NUMBER} is the location's main number)"
        )
        return [InputError(fields.position(KIND, NUMBER, key=True), message)]
    return []


def decoded(an_id: Any) -> str | None:
    """The UUID a Webex id stands for, whatever its form (padding, `urn:TEAM:<cluster>`); None for none."""
    if not isinstance(an_id, str):
        return None
    try:
        bare = an_id.rstrip("=")
        text = base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True).decode()
        return str(uuid.UUID(text.rpartition("/")[2]))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def same_member(one: Any, other: Any) -> bool:
    """Whether two ids name one member: by decoded UUID, else (not Webex ids) as they are."""
    mine, theirs = decoded(one), decoded(other)
    if mine is not None and theirs is not None:
        return mine == theirs
    return isinstance(one, str) and one == other


def available_path(location_id: str) -> str:
    return f"{details_path(location_id)}/emergencyCallbackNumber/availableNumbers"


def _owner_of(entries: list[dict[str, Any]], number: str) -> dict[str, Any] | None:
    """The owner of `number` in availableNumbers' answer: `{phoneNumber, id, type}`, or None."""
    for entry in entries:
        owner = entry.get("owner")
        if (
            entry.get("phoneNumber") == number
            and isinstance(owner, Mapping)
            and isinstance(owner.get("id"), str)
        ):
            return {"phoneNumber": number, "id": owner["id"], "type": owner.get("type")}
    return None


class EmergencyCallbackNumberResource(PlainSetting):
    # The GET, the PUT and the build are a plain setting's; the member is by number, so the read (which
    # resolves it), the diff, the body, the basis and the export are its own.
    kind = KIND
    title = "emergency callback number"
    fields = FIELDS
    endpoint = "features/emergencyCallbackNumber"
    field_rules = (number_with_member, *format_rules(FIELDS))

    async def read(self, reads: Reads, wanted: Any, route_names: Mapping[str, str]) -> dict[str, Any]:
        number = (
            wanted.get(NUMBER)
            if isinstance(wanted, Mapping) and wanted.get(SELECTED) == MEMBER_NUMBER
            else None
        )
        if number is None:
            return {"settings": {KIND: _kept(await reads.api.client.get_json(self.path(reads.location_id)))}}
        answer, entries = await asyncio.gather(
            reads.api.client.get_json(self.path(reads.location_id)),
            reads.api.client.list_items(
                available_path(reads.location_id), "phoneNumbers", {"phoneNumber": number}
            ),
        )
        live = {**_kept(answer), OWNER: _owner_of(entries, number)}
        if live[OWNER] is None:
            # Only to say what it offers instead: one short page.
            page = await reads.api.client.get_json(available_path(reads.location_id), {"max": _OFFERED_SHOWN})
            listed = page.get("phoneNumbers")
            live[OFFERED] = [
                str(e["phoneNumber"])
                for e in (listed if isinstance(listed, list) else [])
                if isinstance(e, Mapping) and isinstance(e.get("phoneNumber"), str)
            ][:_OFFERED_SHOWN]
        return {"settings": {KIND: live}}

    def org_problems(self, location: DesiredLocation, current: CurrentState) -> list[InputError]:
        wanted = self.desired(location)
        state = current.locations.get(location.name)
        live = self.live(state) if state is not None else None
        if not isinstance(wanted, Mapping) or wanted.get(SELECTED) != MEMBER_NUMBER or live is None:
            return []
        if live.get(OWNER) is not None:
            return []
        offered = live.get(OFFERED) or []
        some = (
            f"it offers {', '.join(offered)}{' and more' if len(offered) >= _OFFERED_SHOWN else ''}"
            if offered
            else "it offers none"
        )
        return [
            InputError(
                location.position_of(f"{KIND}.{NUMBER}"),
                f"{KIND}.{NUMBER} {quoted(str(wanted[NUMBER]))} is not a number location '{location.name}' "
                f"offers as its emergency callback number (no person, workspace, virtual line or hunt group "
                f"of it owns it); {some}",
            )
        ]

    def diff(
        self, wanted: Mapping[str, Any], live: Mapping[str, Any], current: CurrentState
    ) -> tuple[FieldChange, ...]:
        changes: list[FieldChange] = []
        if live.get(SELECTED) != wanted[SELECTED]:
            changes.append(FieldChange(f"{KIND}.{SELECTED}", live.get(SELECTED), wanted[SELECTED]))
        if wanted[SELECTED] == MEMBER_NUMBER:
            member = live.get(MEMBER_INFO) or {}
            owner = live.get(OWNER) or {}
            if not same_member(member.get("memberId"), owner.get("id")):
                changes.append(FieldChange(f"{KIND}.{NUMBER}", member.get(NUMBER), wanted[NUMBER]))
        if ELIN in wanted and live.get(ELIN) != wanted[ELIN]:
            changes.append(FieldChange(f"{KIND}.{ELIN}", live.get(ELIN), wanted[ELIN]))
        return tuple(changes)

    def body(
        self,
        location: DesiredLocation,
        wanted: Mapping[str, Any],
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any]:
        # `selected` with every PUT; the member's id with LOCATION_MEMBER_NUMBER; the rest when changed.
        body: dict[str, Any] = {SELECTED: wanted[SELECTED]}
        if wanted[SELECTED] == MEMBER_NUMBER:
            body["locationMemberId"] = (self.live(state) or {})[OWNER]["id"]
        if any(change.field == f"{KIND}.{ELIN}" for change in changes):
            body[ELIN] = wanted[ELIN]
        return body

    def basis(self, wanted: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        # The member and the number's owner by decoded UUID: another form of one id is no change.
        basis: dict[str, Any] = {SELECTED: live.get(SELECTED)}
        if wanted[SELECTED] == MEMBER_NUMBER:
            member, owner = live.get(MEMBER_INFO) or {}, live.get(OWNER) or {}
            basis["member"] = decoded(member.get("memberId"))
            basis["phoneNumberOwner"] = decoded(owner.get("id"))
        if ELIN in wanted:
            basis[ELIN] = live.get(ELIN)
        return basis

    def live(self, state: LocationState) -> Mapping[str, Any] | None:
        live = state.settings.get(self.kind)
        if live is None:
            return None
        # The UUIDs the basis records, so that a fresh read compares with it field by field.
        member, owner = live.get(MEMBER_INFO) or {}, live.get(OWNER) or {}
        return {
            **live,
            "member": decoded(member.get("memberId")),
            "phoneNumberOwner": decoded(owner.get("id")),
        }

    async def read_export(self, reads: Reads) -> dict[str, Any]:
        return {"settings": {KIND: _kept(await reads.api.client.get_json(self.path(reads.location_id)))}}

    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[dict[str, Any], str | None]:
        setting = live.settings.get(KIND)
        if not isinstance(setting, Mapping):
            return {}, None
        member = setting.get(MEMBER_INFO) or {}
        shown = {SELECTED: setting.get(SELECTED), ELIN: setting.get(ELIN)}
        if setting.get(SELECTED) == MEMBER_NUMBER:
            number = member.get(NUMBER) if isinstance(member, Mapping) else None
            if not isinstance(number, str) or not E164.fullmatch(number):
                notes.append(
                    f"{KIND} is left out (unmanaged): the org calls back a member's number the file cannot "
                    f"write ({comment_text(str(number))} is not E.164)."
                )
                return {}, None
            shown[NUMBER] = number
        entry = exported(self.spec, {k: v for k, v in shown.items() if v is not None}, notes)
        return ({KIND: entry} if entry else {}), None


def _kept(answer: Mapping[str, Any]) -> dict[str, Any]:
    """What the plan and export use of GET's answer: `selected`, the member and the ELIN expiry."""
    kept: dict[str, Any] = {key: answer[key] for key in (SELECTED, ELIN) if key in answer}
    member = answer.get(MEMBER_INFO)
    if isinstance(member, Mapping):
        kept[MEMBER_INFO] = {k: member[k] for k in (NUMBER, "memberId", "memberType") if k in member}
    return kept


RESOURCE = EmergencyCallbackNumberResource()
