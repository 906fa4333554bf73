"""The location's call intercept: GET/PUT /telephony/config/locations/{locationId}/intercept.

The PUT takes the GET's shape and requires only `enabled`; it is partial (what is left out keeps its
value, nested objects field by field), as live tests of other clients show. The documented example PUTs
the announcements' `fileName` back as the GET showed it, so it is accepted and kept. Destinations are any
string (the documented ones have no `+`). A location that never had intercept set answers DEFAULTS: off,
with every option off (the simulator's choice: the record gives no default).
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.api import Api, Routes, setting_routes
from reconciler.sandbox.errors import Violation
from reconciler.sandbox.rules import check_fields

ENDPOINT = "intercept"
REQUIRED = ("enabled",)
DEFAULTS: dict[str, Any] = {
    "enabled": False,
    "incoming": {
        "type": "INTERCEPT_ALL",
        "voicemailEnabled": False,
        "announcements": {
            "greeting": "DEFAULT",
            "newNumber": {"enabled": False},
            "zeroTransfer": {"enabled": False},
        },
    },
    "outgoing": {"type": "INTERCEPT_ALL", "transferEnabled": False},
}

# See `reconciler.sandbox.endpoints`.
ACCEPTED: dict[str, str] = {
    "enabled": "boolean",
    "incoming": "object",
    "incoming.type": "INTERCEPT_ALL|ALLOW_ALL",
    "incoming.voicemailEnabled": "boolean",
    "incoming.announcements": "object",
    "incoming.announcements.greeting": "DEFAULT|CUSTOM",
    "incoming.announcements.fileName": "",
    "incoming.announcements.newNumber": "object",
    "incoming.announcements.newNumber.enabled": "boolean",
    "incoming.announcements.newNumber.destination": "",
    "incoming.announcements.zeroTransfer": "object",
    "incoming.announcements.zeroTransfer.enabled": "boolean",
    "incoming.announcements.zeroTransfer.destination": "",
    "outgoing": "object",
    "outgoing.type": "INTERCEPT_ALL|ALLOW_LOCAL_ONLY",
    "outgoing.transferEnabled": "boolean",
    "outgoing.destination": "",
}
NULLABLE: frozenset[str] = frozenset()


def check_intercept_update(body: dict[str, Any]) -> list[Violation]:
    """Every violation of an intercept PUT body."""
    return check_fields(body, ACCEPTED, NULLABLE, REQUIRED)


def routes(api: Api) -> Routes:
    return setting_routes(api, ENDPOINT, DEFAULTS, check_intercept_update)
