"""A location's outgoing calling permissions: GET/PUT .../locations/{locationId}/outgoingPermission.

GET answers every call type the API reference lists, each `{callType, action, transferEnabled,
isCallTypeRestrictionEnabled}`. PUT takes a subset, `{callingPermissions: [{callType, action,
transferEnabled}]}` with all three required per entry, and keeps the call types it is not sent.
`check_permissions_update` returns every violation of a body (empty: valid): call types the API reports
elsewhere but refuses (URL_DIALING, UNKNOWN, CASUAL, LOCAL, TOLL), the read-only lock flag, and a change
to an entry the organization locks.

A location's state is `Location.settings["outgoingPermission"]`: `{"callingPermissions": [entries]}`, in
the GET's shape, holding only the call types set (in the seed or by a PUT); the others have the defaults
(the SDK's: ALLOW with transfer, but BLOCK without transfer for INTERNATIONAL and the premium services;
nothing locked).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.api import Api, Routes, json_object
from reconciler.sandbox.errors import REFUSED_CALL_TYPE, Violation, WebexError
from reconciler.sandbox.org import Location
from reconciler.sandbox.rules import invalid, unknown_keys

KEY = "outgoingPermission"  # the endpoint's name: its path's last segment, its key in Location.settings
CALL_TYPES = (
    "INTERNAL_CALL",
    "TOLL_FREE",
    "NATIONAL",
    "INTERNATIONAL",
    "OPERATOR_ASSISTED",
    "CHARGEABLE_DIRECTORY_ASSISTED",
    "SPECIAL_SERVICES_I",
    "SPECIAL_SERVICES_II",
    "PREMIUM_SERVICES_I",
    "PREMIUM_SERVICES_II",
)
# Seen in answers (person level; older plans), refused in a PUT (live errors 25024, 25321 for the first 3).
REFUSED_CALL_TYPES = ("URL_DIALING", "UNKNOWN", "CASUAL", "LOCAL", "TOLL")
ACTIONS = ("ALLOW", "BLOCK", "AUTH_CODE", "TRANSFER_NUMBER_1", "TRANSFER_NUMBER_2", "TRANSFER_NUMBER_3")
BLOCKED_BY_DEFAULT = ("INTERNATIONAL", "PREMIUM_SERVICES_I", "PREMIUM_SERVICES_II")
ENTRY_FIELDS = ("callType", "action", "transferEnabled")  # all required in each entry of a PUT
LOCKED = "isCallTypeRestrictionEnabled"  # read only

# See `reconciler.sandbox.endpoints`: the PUT's `callingPermissions` list read as entries by call type,
# `<callType>.<field>`, since the call type is the entry's key.
ACCEPTED: dict[str, str] = {
    **{call_type: "object" for call_type in CALL_TYPES},
    **{f"{call_type}.action": "|".join(ACTIONS) for call_type in CALL_TYPES},
    **{f"{call_type}.transferEnabled": "boolean" for call_type in CALL_TYPES},
}
NULLABLE: frozenset[str] = frozenset()  # a permission is never cleared, only set


# --- the views -------------------------------------------------------------------------------------------


def default_entry(call_type: str) -> dict[str, Any]:
    blocked = call_type in BLOCKED_BY_DEFAULT
    return {
        "callType": call_type,
        "action": "BLOCK" if blocked else "ALLOW",
        "transferEnabled": not blocked,
        LOCKED: False,
    }


def permissions(location: Location) -> list[dict[str, Any]]:
    """GET's `callingPermissions`: every call type, the location's own entry over the default."""
    own = _own(location)
    return [{**default_entry(call_type), **own.get(call_type, {})} for call_type in CALL_TYPES]


def _own(location: Location) -> dict[str, dict[str, Any]]:
    """The entries the location's state holds (those set; the others are the defaults), by call type."""
    return {
        entry["callType"]: entry for entry in location.settings.get(KEY, {}).get("callingPermissions", [])
    }


# --- the PUT rules ---------------------------------------------------------------------------------------


def check_permissions_update(body: Mapping[str, Any], location: Location) -> list[Violation]:
    """Every violation of a PUT body: its shape, each entry's fields and values, and locked entries."""
    problem = unknown_keys("body", body, ("callingPermissions",))
    if problem:
        return [problem]
    entries = body.get("callingPermissions")
    if not isinstance(entries, list):
        return [invalid("callingPermissions", "is required: a list of {callType, action, transferEnabled}")]
    current = {entry["callType"]: entry for entry in permissions(location)}
    violations: list[Violation] = []
    for index, entry in enumerate(entries):
        violation = _check_entry(f"callingPermissions[{index}]", entry, current)
        if violation is not None:
            violations.append(violation)
    return violations


def _check_entry(field: str, entry: Any, current: Mapping[str, Mapping[str, Any]]) -> Violation | None:
    if not isinstance(entry, dict):
        return invalid(field, "must be an object with callType, action and transferEnabled")
    if LOCKED in entry:
        return invalid(f"{field}.{LOCKED}", "is read-only")
    problem = unknown_keys(field, entry, ENTRY_FIELDS)
    if problem:
        return problem
    missing = [name for name in ENTRY_FIELDS if name not in entry]
    if missing:
        return invalid(f"{field}.{missing[0]}", "is required in every entry")
    call_type, action, transfer = entry["callType"], entry["action"], entry["transferEnabled"]
    if call_type in REFUSED_CALL_TYPES:
        return Violation(f"Invalid value for {field}.callType: {call_type} cannot be set", REFUSED_CALL_TYPE)
    if call_type not in CALL_TYPES:
        return invalid(f"{field}.callType", f"{call_type!r} is not one of {', '.join(CALL_TYPES)}")
    if action not in ACTIONS:
        return invalid(f"{field}.action", f"{action!r} is not one of {', '.join(ACTIONS)}")
    if not isinstance(transfer, bool):
        return invalid(f"{field}.transferEnabled", "must be true or false")
    now = current[call_type]
    if now[LOCKED] and (now["action"], now["transferEnabled"]) != (action, transfer):
        return invalid(
            f"{field}.callType", f"{call_type} is restricted by the organization and cannot be changed"
        )
    return None


# --- the handlers ----------------------------------------------------------------------------------------


class _Handlers:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def get(self, request: Request) -> Response:
        return JSONResponse({"callingPermissions": permissions(self.api.location(request))})

    async def put(self, request: Request) -> Response:
        location = self.api.location(request)
        body = await json_object(request)
        violations = check_permissions_update(body, location)
        if violations:
            raise WebexError(400, violations)
        own = _own(location)
        current = {entry["callType"]: entry for entry in permissions(location)}
        for entry in body["callingPermissions"]:
            own[entry["callType"]] = {**entry, LOCKED: current[entry["callType"]][LOCKED]}
        location.settings[KEY] = {"callingPermissions": list(own.values())}
        self.api.saved()
        return Response(status_code=204)


def routes(api: Api) -> Routes:
    handlers = _Handlers(api)
    return {
        f"/v1/telephony/config/locations/{{locationId}}/{KEY}": {"GET": handlers.get, "PUT": handlers.put}
    }
