"""The location's voice portal: GET/PUT /telephony/config/locations/{locationId}/voicePortal.

State (`Location.settings["voicePortal"]`): the portal's fields as GET shows them, but `id` and `language`
(derived). PUT is partial and takes any GET field but `id` and `language`, plus
`passcode {newPasscode, confirmPasscode}`, which is checked and never kept: no GET returns it, and the
state file never holds it. `customName` is required with CUSTOM_NAME; null or "" clears `customName` and
`dialByName`; `dialByName` refuses % + \\ " and anything but ASCII. `extension` is taken as a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.api import Api, Routes, json_object
from reconciler.sandbox.endpoints.details import LANGUAGE
from reconciler.sandbox.errors import Violation, WebexError
from reconciler.sandbox.org import Location, webex_id
from reconciler.sandbox.rules import E164, invalid, unknown_keys
from reconciler.sandbox.views import compact

KEY = "voicePortal"  # the endpoint's name: its path's last segment, its key in Location.settings
CALLER_ID = "directLineCallerIdName"
SELECTIONS = ("CUSTOM_NAME", "DISPLAY_NAME")
DIGITS = re.compile(r"[0-9]+")
# ASCII without % + \ and ".
DIAL_BY_NAME = re.compile(r"[\x00-\x21\x23\x24\x26-\x2a\x2c-\x5b\x5d-\x7f]*")
READ_ONLY = ("id", "language")
# See `reconciler.sandbox.endpoints`. The deprecated firstName/lastName and the passcode are taken too.
ACCEPTED: dict[str, str] = {
    "name": "",
    "languageCode": LANGUAGE.pattern,
    "extension": DIGITS.pattern,
    "phoneNumber": E164.pattern,
    "firstName": "",
    "lastName": "",
    CALLER_ID: "object",
    f"{CALLER_ID}.selection": "|".join(SELECTIONS),
    f"{CALLER_ID}.customName": "",
    "dialByName": DIAL_BY_NAME.pattern,
    "passcode": "object",
    "passcode.newPasscode": DIGITS.pattern,
    "passcode.confirmPasscode": DIGITS.pattern,
}
NULLABLE = frozenset({f"{CALLER_ID}.customName", "dialByName"})
_TOP = tuple(path for path in ACCEPTED if "." not in path)
# The language names GET shows beside the code, for the codes the seed uses; other codes show the code.
LANGUAGES = {"en_us": "English", "en_gb": "English (UK)", "fr_fr": "French", "de_de": "German"}


def default(location: Location) -> dict[str, Any]:
    """A portal never set through the API (the sandbox's own choice: the record gives no defaults)."""
    assert location.details is not None
    return {
        "name": "Voice Portal",
        "languageCode": location.details["announcementLanguage"] or "en_us",
        "extension": None,
        "phoneNumber": None,
        "firstName": None,
        "lastName": None,
        CALLER_ID: {"selection": "DISPLAY_NAME", "customName": None},
        "dialByName": None,
    }


def state_of(location: Location) -> dict[str, Any]:
    return {**default(location), **location.settings.get(KEY, {})}


# --- the PUT rules ---------------------------------------------------------------------------------------


def _string(
    field: str, value: Any, pattern: re.Pattern[str] | None = None, what: str = ""
) -> Violation | None:
    if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
        return invalid(field, f"{value!r} is not {what or 'a string'}")
    return None


def _clearable(
    field: str, value: Any, pattern: re.Pattern[str] | None = None, what: str = ""
) -> Violation | None:
    return None if value is None or value == "" else _string(field, value, pattern, what)


def _caller_id(value: Any, current: Mapping[str, Any]) -> Violation | None:
    if not isinstance(value, dict):
        return invalid(CALLER_ID, "must be an object with selection and customName")
    problem = unknown_keys(CALLER_ID, value, ("selection", "customName"))
    if problem:
        return problem
    selection = value.get("selection", current.get("selection"))
    if selection not in SELECTIONS:
        return invalid(f"{CALLER_ID}.selection", f"{selection!r} is not one of {', '.join(SELECTIONS)}")
    problem = _clearable(f"{CALLER_ID}.customName", value.get("customName"))
    if problem:
        return problem
    name = value["customName"] if "customName" in value else current.get("customName")
    if selection == "CUSTOM_NAME" and not name:
        return invalid(f"{CALLER_ID}.customName", "is required when selection is CUSTOM_NAME")
    return None


def _passcode(value: Any) -> Violation | None:
    if not isinstance(value, dict):
        return invalid("passcode", "must be an object with newPasscode and confirmPasscode")
    problem = unknown_keys("passcode", value, ("newPasscode", "confirmPasscode"))
    if problem:
        return problem
    new, confirm = value.get("newPasscode"), value.get("confirmPasscode")
    if not isinstance(new, str) or not DIGITS.fullmatch(new):
        return invalid("passcode.newPasscode", "must be a string of digits")  # never the value: a secret
    if new != confirm:
        return invalid("passcode.confirmPasscode", "does not match newPasscode")
    return None


def check_update(body: Mapping[str, Any], location: Location) -> list[Violation]:
    """Every violation of a voicePortal PUT body, in the body's order."""
    current = state_of(location)
    rules = {
        "name": lambda v: _string("name", v),
        "languageCode": lambda v: _string("languageCode", v, LANGUAGE, "a lower-case code such as en_us"),
        "extension": lambda v: _string("extension", v, DIGITS, "a string of digits"),
        "phoneNumber": lambda v: _string("phoneNumber", v, E164, "an E.164 number such as +12145555698"),
        "firstName": lambda v: _clearable("firstName", v),
        "lastName": lambda v: _clearable("lastName", v),
        CALLER_ID: lambda v: _caller_id(v, current[CALLER_ID] or {}),
        "dialByName": lambda v: _clearable("dialByName", v, DIAL_BY_NAME, 'ASCII without % + \\ or "'),
        "passcode": _passcode,
    }
    violations: list[Violation] = []
    for key, value in body.items():
        if key in READ_ONLY:
            violations.append(invalid(key, "is read-only"))
        elif key not in rules:
            violations.append(Violation(f"Unknown field {key!r} (allowed: {', '.join(_TOP)})"))
        elif (problem := rules[key](value)) is not None:
            violations.append(problem)
    return violations


# --- the view and the handlers ---------------------------------------------------------------------------


def view(location: Location) -> dict[str, Any]:
    """GET .../voicePortal: never a passcode."""
    state = state_of(location)
    code = state["languageCode"]
    caller_id = compact(dict(state[CALLER_ID] or {}))
    return compact(
        {
            "id": webex_id("VOICEMAIL_GROUP", location.name, location.scope),
            "name": state["name"],
            "language": LANGUAGES.get(code, code),
            "languageCode": code,
            "extension": state["extension"],
            "phoneNumber": state["phoneNumber"],
            "firstName": state["firstName"],
            "lastName": state["lastName"],
            CALLER_ID: caller_id or None,
            "dialByName": state["dialByName"],
        }
    )


def _cleared(value: Any) -> Any:
    return None if value == "" else value


class _Handlers:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def get(self, request: Request) -> Response:
        return JSONResponse(view(self.api.location(request)))

    async def put(self, request: Request) -> Response:
        location = self.api.location(request)
        body = await json_object(request)
        violations = check_update(body, location)
        if violations:
            raise WebexError(400, violations)
        state = state_of(location)
        for key, value in body.items():
            if key == "passcode":
                continue  # write-only: checked, never kept
            if key == CALLER_ID:
                value = {**(state[CALLER_ID] or {}), **value}
                value["customName"] = _cleared(value.get("customName"))
            state[key] = _cleared(value)
        location.settings[KEY] = state
        self.api.saved()
        return Response(status_code=204)


def routes(api: Api) -> Routes:
    handlers = _Handlers(api)
    return {
        "/v1/telephony/config/locations/{locationId}/voicePortal": {"GET": handlers.get, "PUT": handlers.put}
    }
