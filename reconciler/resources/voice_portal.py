"""The location's voice portal: PUT /telephony/config/locations/{locationId}/voicePortal.

The portal's name, language, extension and number, the caller ID name of its direct line and its
dial-by-name entry. Its passcode is write-only (no GET returns it), so a desired state could never see
whether it drifted: it is not a managed field, the schema refuses it saying why, and nothing here reads,
shows or records it. `id` and `language` are read-only; `firstName` and `lastName` are deprecated for
`directLineCallerIdName` and `dialByName`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, InputError
from reconciler.diff import FieldChange
from reconciler.resources.details import ANNOUNCEMENT_LANGUAGE
from reconciler.resources.fields import E164, FieldSpec
from reconciler.resources.plain import PlainSetting, format_rules

if TYPE_CHECKING:
    from reconciler.export.document import LiveLocation
    from reconciler.state import CurrentState, LocationState

KIND = "voicePortal"
CALLER_ID = "directLineCallerIdName"
CALLER_ID_FIELDS = ("selection", "customName")
SELECTIONS = ("CUSTOM_NAME", "DISPLAY_NAME")
EXTENSION = re.compile(r"^[0-9]+$")
# Printable ASCII but % + \ and ", which the API refuses in a dial-by-name entry. ($ is written \x24:
# fastjsonschema reads every $ of a pattern as the end of the text, even in a class.)
DIAL_BY_NAME = re.compile(r"^[ !#\x24&-*,-\[\]-~]+$")
PASSCODE_REASON = (
    "the portal passcode is write-only (the API never returns it), so a desired state could never see "
    "whether it drifted; set or rotate it in Control Hub or from your secret store"
)
REFUSED = (
    ("passcode", PASSCODE_REASON),
    ("id", "it is read-only, set by Webex"),
    ("language", "it is read-only, the name of `languageCode`; set `languageCode`"),
    ("firstName", "the API deprecates it for `directLineCallerIdName` and `dialByName`"),
    ("lastName", "the API deprecates it for `directLineCallerIdName` and `dialByName`"),
)

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        KIND,
        "object",
        (
            "The location's voice portal (the number people call to reach their voicemail and the "
            "auto attendant administration), set through PUT "
            "/telephony/config/locations/{locationId}/voicePortal. Only the fields written are managed "
            "(at least one). The portal passcode is not managed: it is write-only, so its drift cannot "
            "be seen; set or rotate it in Control Hub."
        ),
        min_properties=1,
        refused=REFUSED,
        children=(
            FieldSpec(f"{KIND}.name", "string", "The voice portal's name. Cannot be null.", non_empty=True),
            FieldSpec(
                f"{KIND}.languageCode",
                "string",
                "The portal's language, as a lower-case code such as en_us or fr_fr. Cannot be null.",
                pattern=ANNOUNCEMENT_LANGUAGE,
                rule="a lower-case code such as en_us",
            ),
            FieldSpec(
                f"{KIND}.extension",
                "string",
                'The portal\'s extension, as a quoted string of digits, e.g. "7000". Cannot be null.',
                pattern=EXTENSION,
                rule='a string of digits, e.g. "7000"',
                digits=True,
            ),
            FieldSpec(
                f"{KIND}.phoneNumber",
                "string",
                (
                    "The portal's phone number in E.164 format: a quoted string, + then 7 to 15 digits, "
                    'e.g. "+12145550100". Cannot be null.'
                ),
                pattern=E164,
                rule="an E.164 number",
                e164=True,
            ),
            FieldSpec(
                f"{KIND}.{CALLER_ID}",
                "object",
                (
                    "The caller ID name of calls from the portal's direct line. Only the sub-fields written "
                    "are managed (at least one); both are sent when either changes. Cannot be null."
                ),
                min_properties=1,
                children=(
                    FieldSpec(
                        f"{KIND}.{CALLER_ID}.selection",
                        "string",
                        "CUSTOM_NAME (`customName`, which is then required) or DISPLAY_NAME.",
                        enum=SELECTIONS,
                    ),
                    FieldSpec(
                        f"{KIND}.{CALLER_ID}.customName",
                        "string",
                        "The caller ID name shown with CUSTOM_NAME. null clears it.",
                        clearable=True,
                        non_empty=True,
                    ),
                ),
            ),
            FieldSpec(
                f"{KIND}.dialByName",
                "string",
                (
                    'The name the portal is found by in dial by name: ASCII, without % + \\ or ". '
                    "null clears it."
                ),
                pattern=DIAL_BY_NAME,
                rule='ASCII text without % + \\ or "',
                clearable=True,
            ),
        ),
    ),
)
_SPECS = {spec.name: spec for spec in FIELDS[0].children}


def custom_name_given(fields: FieldSet) -> list[InputError]:
    """`selection: CUSTOM_NAME` comes with its `customName` (the API requires it)."""
    setting = fields.fields.get(KIND)
    caller_id = setting.get(CALLER_ID) if isinstance(setting, dict) else None
    if not isinstance(caller_id, dict) or caller_id.get("selection") != "CUSTOM_NAME":
        return []
    if caller_id.get("customName") is not None:
        return []
    message = f"{KIND}.{CALLER_ID}.selection CUSTOM_NAME needs a customName (not null)"
    return [InputError(fields.position(KIND, CALLER_ID, "selection"), message)]


def view(live: Mapping[str, Any]) -> dict[str, Any]:
    """The live portal in the file's terms: an empty name that can be cleared reads as null."""
    shown = dict(live)
    if shown.get("dialByName") == "":
        shown["dialByName"] = None
    caller_id = shown.get(CALLER_ID)
    if isinstance(caller_id, Mapping) and caller_id.get("customName") == "":
        shown[CALLER_ID] = {**caller_id, "customName": None}
    return shown


class VoicePortalResource(PlainSetting):
    kind = KIND
    title = "voice portal"
    fields = FIELDS
    endpoint = "voicePortal"
    # The caller ID name goes whole: CUSTOM_NAME needs its name with it.
    sent_whole = (CALLER_ID,)
    # What the file manages, and nothing else: never `passcode`, whatever an answer holds.
    kept = tuple(_SPECS)

    field_rules = (*format_rules(FIELDS), custom_name_given)

    def view(self, live: Mapping[str, Any]) -> Mapping[str, Any]:
        return view(live)

    def body(
        self,
        location: DesiredLocation,
        wanted: Mapping[str, Any],
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any] | InputError:
        body = super().body(location, wanted, state, current, changes)
        caller_id = body.get(CALLER_ID) if isinstance(body, dict) else None
        if isinstance(caller_id, Mapping) and _nameless(caller_id):
            return InputError(
                location.position_of(f"{KIND}.{CALLER_ID}"),
                f"{KIND}.{CALLER_ID}: location '{location.name}' shows CUSTOM_NAME, which needs a "
                "customName; write one (or selection: DISPLAY_NAME)",
            )
        return body

    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[dict[str, Any], str | None]:
        exported, comment = super().export(live, route_names, notes)
        entry = exported.get(KIND)
        if entry is not None and _nameless(entry.get(CALLER_ID) or {}):
            notes.append(
                f"{KIND}.{CALLER_ID} is left out (unmanaged): CUSTOM_NAME without a name the file can hold."
            )
            del entry[CALLER_ID]
        return ({KIND: entry} if entry else {}), comment


def _nameless(caller_id: Mapping[str, Any]) -> bool:
    """A caller ID name of CUSTOM_NAME without its name, which the API refuses."""
    return caller_id.get("selection") == "CUSTOM_NAME" and caller_id.get("customName") is None


RESOURCE = VoicePortalResource()
