"""The location's call intercept: PUT /telephony/config/locations/{locationId}/intercept.

While intercept is on, the location's calls are intercepted (it overrides people's own intercept): turning
it on, or making it intercept every incoming or outgoing call, is marked disruptive, and counts towards
the safety thresholds like any change. The PUT is partial and requires `enabled`, so a change of any
other field also sends the current `enabled`. The custom greeting's `fileName` is read-only (the API has
no upload for a location's intercept greeting): it is not a field of the file. Destinations are kept as
the API writes them, with or without `+`.
"""

from __future__ import annotations

from reconciler.resources.fields import FieldSpec
from reconciler.resources.plain import PlainSetting

KIND = "intercept"
TITLE = "call intercept"
STOPS_CALLS = "intercepts the location's calls"
GREETINGS = ("DEFAULT", "CUSTOM")
INCOMING_TYPES = ("INTERCEPT_ALL", "ALLOW_ALL")
OUTGOING_TYPES = ("INTERCEPT_ALL", "ALLOW_LOCAL_ONLY")


def _number(path: str, what: str) -> tuple[FieldSpec, ...]:
    """`enabled` and `destination` of an announcement that offers a number."""
    return (
        FieldSpec(f"{path}.enabled", "boolean", f"true to {what}. Cannot be null."),
        FieldSpec(
            f"{path}.destination",
            "string",
            "The number or extension, as a quoted string, kept as written (with or without +).",
        ),
    )


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        KIND,
        "object",
        (
            "The location's call intercept (PUT /telephony/config/locations/{locationId}/intercept): "
            "while enabled, the location's calls are intercepted, whatever people's own intercept says. "
            "Only the sub-fields written are managed (at least one). The custom greeting's file name is "
            "read-only (set it in Control Hub), so it is not a field here."
        ),
        min_properties=1,
        children=(
            FieldSpec(
                f"{KIND}.enabled",
                "boolean",
                "true to intercept the location's calls; turning it on is disruptive. Cannot be null.",
                disruptive=STOPS_CALLS,
                disruptive_values=(True,),
            ),
            FieldSpec(
                f"{KIND}.incoming",
                "object",
                "What happens to incoming calls while intercept is on.",
                min_properties=1,
                children=(
                    FieldSpec(
                        f"{KIND}.incoming.type",
                        "string",
                        (
                            "INTERCEPT_ALL intercepts every incoming call (disruptive); ALLOW_ALL lets them "
                            "through."
                        ),
                        enum=INCOMING_TYPES,
                        disruptive=f"{STOPS_CALLS}: every incoming call, while intercept is on",
                        disruptive_values=("INTERCEPT_ALL",),
                    ),
                    FieldSpec(
                        f"{KIND}.incoming.voicemailEnabled",
                        "boolean",
                        (
                            "true to send incoming calls to voicemail when the destination is an internal "
                            "number with voicemail. Cannot be null."
                        ),
                    ),
                    FieldSpec(
                        f"{KIND}.incoming.announcements",
                        "object",
                        "What intercepted callers hear and may do.",
                        min_properties=1,
                        children=(
                            FieldSpec(
                                f"{KIND}.incoming.announcements.greeting",
                                "string",
                                (
                                    "DEFAULT, or CUSTOM: the location's custom greeting file, which must "
                                    "already be set in Control Hub."
                                ),
                                enum=GREETINGS,
                            ),
                            FieldSpec(
                                f"{KIND}.incoming.announcements.newNumber",
                                "object",
                                "A new number the greeting announces.",
                                min_properties=1,
                                children=_number(
                                    f"{KIND}.incoming.announcements.newNumber", "announce the new number"
                                ),
                            ),
                            FieldSpec(
                                f"{KIND}.incoming.announcements.zeroTransfer",
                                "object",
                                "Where callers who press 0 are transferred.",
                                min_properties=1,
                                children=_number(
                                    f"{KIND}.incoming.announcements.zeroTransfer",
                                    "transfer callers who press 0 to the destination",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            FieldSpec(
                f"{KIND}.outgoing",
                "object",
                "What happens to outgoing calls while intercept is on.",
                min_properties=1,
                children=(
                    FieldSpec(
                        f"{KIND}.outgoing.type",
                        "string",
                        (
                            "INTERCEPT_ALL intercepts every outgoing call (disruptive); ALLOW_LOCAL_ONLY "
                            "lets only local calls through."
                        ),
                        enum=OUTGOING_TYPES,
                        disruptive=f"{STOPS_CALLS}: every outgoing call, while intercept is on",
                        disruptive_values=("INTERCEPT_ALL",),
                    ),
                    FieldSpec(
                        f"{KIND}.outgoing.transferEnabled",
                        "boolean",
                        (
                            "The Webex references disagree on its meaning: true to allow transfer to "
                            "`destination` (2026), or to route outbound calls to `destination` (2025). "
                            "Cannot be null."
                        ),
                    ),
                    FieldSpec(
                        f"{KIND}.outgoing.destination",
                        "string",
                        "The number outgoing calls are transferred or routed to, as a quoted string, kept "
                        "as written (with or without +).",
                    ),
                ),
            ),
        ),
    ),
)


class InterceptResource(PlainSetting):
    kind = KIND
    title = TITLE
    fields = FIELDS
    endpoint = "intercept"
    always_sent = ("enabled",)  # the only field the PUT requires


RESOURCE = InterceptResource()
