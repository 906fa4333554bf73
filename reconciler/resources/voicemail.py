"""The location's voicemail settings: PUT /telephony/config/locations/{locationId}/voicemail.

One field, `voicemailTranscriptionEnabled`, which the PUT requires; the GET answers just that key. A
plain setting (see plain.py): no names, no IDs, nothing disruptive.
"""

from __future__ import annotations

from reconciler.resources.fields import FieldSpec
from reconciler.resources.plain import PlainSetting

KIND = "voicemail"
TITLE = "voicemail settings"

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        KIND,
        "object",
        (
            "The location's voicemail settings (PUT /telephony/config/locations/{locationId}/voicemail). "
            "Leave `voicemail` out to leave them unmanaged."
        ),
        required=("voicemailTranscriptionEnabled",),
        children=(
            FieldSpec(
                f"{KIND}.voicemailTranscriptionEnabled",
                "boolean",
                "true to transcribe the location's voicemail messages into text. Cannot be null.",
            ),
        ),
    ),
)


class VoicemailResource(PlainSetting):
    kind = KIND
    title = TITLE
    fields = FIELDS
    endpoint = "voicemail"
    always_sent = ("voicemailTranscriptionEnabled",)  # required by the PUT; the file always writes it


RESOURCE = VoicemailResource()
