"""The location's voicemail settings: GET/PUT /telephony/config/locations/{locationId}/voicemail.

The GET answers `{voicemailTranscriptionEnabled}` and nothing else; the PUT requires that field and
takes no other. A location that never had it set answers false (the simulator's choice: the record
gives no default).
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.api import Api, Routes, setting_routes
from reconciler.sandbox.errors import Violation
from reconciler.sandbox.rules import check_fields

ENDPOINT = "voicemail"
DEFAULTS: dict[str, Any] = {"voicemailTranscriptionEnabled": False}
REQUIRED = ("voicemailTranscriptionEnabled",)

# See `reconciler.sandbox.endpoints`.
ACCEPTED: dict[str, str] = {"voicemailTranscriptionEnabled": "boolean"}
NULLABLE: frozenset[str] = frozenset()


def check_voicemail_update(body: dict[str, Any]) -> list[Violation]:
    """Every violation of a voicemail PUT body."""
    return check_fields(body, ACCEPTED, NULLABLE, REQUIRED)


def routes(api: Api) -> Routes:
    return setting_routes(api, ENDPOINT, DEFAULTS, check_voicemail_update)
