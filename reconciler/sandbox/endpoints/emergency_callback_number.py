"""The location's emergency callback number (ECBN): GET/PUT
/telephony/config/locations/{locationId}/features/emergencyCallbackNumber, and the numbers it may be,
GET /telephony/config/locations/{locationId}/emergencyCallbackNumber/availableNumbers.

State (`Location.settings["emergencyCallbackNumber"]`): `selected`, the chosen member's number
(`memberNumber`), `elinExpiryTimeMinutes`, and `members`: the location's numbers that people, workspaces,
virtual lines and hunt groups own, each `{phoneNumber, extension?, state?, isMainNumber?, owner: {type,
firstName?, lastName?, displayName?}}`. An owner's id is made from its type and number.

availableNumbers lists those owned numbers (paged by `max`/`start`, with a Link), filtered by
`phoneNumber` (a comma list) and `ownerName`. A PLACE owner's id is given there in the form of the
documented example (`urn:TEAM:<cluster>`, `=` padded), while GET's `memberId` has the plain form: one
owner, two forms, as live orgs show; the PUT takes either, comparing the decoded UUIDs.

The PUT needs `selected`; `locationMemberId` only with LOCATION_MEMBER_NUMBER (the text and the SDK, not
the spec's `required`), and it must be the id of one of the location's numbers' owners.
`elinExpiryTimeMinutes` is 10 to 1440 (default 60). LOCATION_NUMBER keeps the member for later.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.api import Api, Routes, contains, json_object
from reconciler.sandbox.errors import Violation, WebexError
from reconciler.sandbox.org import Location, webex_id
from reconciler.sandbox.rules import check_fields, invalid

KEY = "emergencyCallbackNumber"  # the endpoint's name and its key in Location.settings
SELECTED = ("LOCATION_NUMBER", "LOCATION_MEMBER_NUMBER")
OWNER_TYPES = ("PEOPLE", "PLACE", "VIRTUAL_LINE", "HUNT_GROUP")
ELIN_RANGE = (10, 1440)
# See `reconciler.sandbox.endpoints`.
ACCEPTED: dict[str, str] = {
    "selected": "|".join(SELECTED),
    "locationMemberId": "",
    "elinExpiryTimeMinutes": "integer",
}
NULLABLE: frozenset[str] = frozenset()
DEFAULT: dict[str, Any] = {"selected": "LOCATION_NUMBER", "elinExpiryTimeMinutes": 60, "members": []}
# The cluster of the documented example's `urn:TEAM` id form.
_CLUSTER = "urn:TEAM:us-east-1_int13"


def state_of(location: Location) -> dict[str, Any]:
    return {**DEFAULT, **location.settings.get(KEY, {})}


def owner_id(member: Mapping[str, Any]) -> str:
    """An owner's id in the plain form (GET's `memberId`)."""
    return webex_id(member["owner"]["type"], member["phoneNumber"])


def listed_id(member: Mapping[str, Any]) -> str:
    """An owner's id as availableNumbers gives it: a workspace's in the documented `urn:TEAM` form."""
    plain = owner_id(member)
    if member["owner"]["type"] != "PLACE":
        return plain
    return base64.b64encode(f"ciscospark://{_CLUSTER}/PLACE/{decoded(plain)}".encode()).decode()


def decoded(an_id: str) -> str | None:
    """The UUID an id stands for, whatever its form (padding, cluster); None when it is no Webex id."""
    try:
        bare = an_id.rstrip("=")
        text = base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True).decode()
        return str(uuid.UUID(text.rpartition("/")[2]))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _member_of(state: Mapping[str, Any], number: Any) -> dict[str, Any] | None:
    return next((m for m in state["members"] if m["phoneNumber"] == number), None)


def _owner_name(member: Mapping[str, Any]) -> str:
    owner = member["owner"]
    return str(
        owner.get("displayName") or f"{owner.get('firstName', '')} {owner.get('lastName', '')}".strip()
    )


def check_update(body: Mapping[str, Any], state: Mapping[str, Any]) -> list[Violation]:
    """Every violation of an ECBN PUT body against the location's owned numbers."""
    violations = check_fields(body, ACCEPTED, NULLABLE, ("selected",))
    elin = body.get("elinExpiryTimeMinutes")
    low, high = ELIN_RANGE
    if isinstance(elin, int) and not isinstance(elin, bool) and not low <= elin <= high:
        violations.append(invalid("elinExpiryTimeMinutes", f"{elin} is not from {low} to {high}"))
    member = body.get("locationMemberId")
    if body.get("selected") == "LOCATION_MEMBER_NUMBER" and member is None:
        violations.append(invalid("locationMemberId", "is required with LOCATION_MEMBER_NUMBER"))
    if isinstance(member, str) and _member_by_id(state, member) is None:
        violations.append(invalid("locationMemberId", f"{member!r} owns none of the location's numbers"))
    return violations


def _member_by_id(state: Mapping[str, Any], an_id: str) -> dict[str, Any] | None:
    wanted = decoded(an_id)
    if wanted is None:
        return None
    return next((m for m in state["members"] if decoded(owner_id(m)) == wanted), None)


def _info(level: str, number: str | None) -> dict[str, Any]:
    """The computed part of an info object: what the number is worth for an emergency call."""
    if number is None:
        return {"effectiveLevel": "NONE", "quality": "INVALID"}
    return {"effectiveLevel": level, "effectiveValue": number, "quality": "RECOMMENDED"}


def view(location: Location) -> dict[str, Any]:
    """GET .../features/emergencyCallbackNumber."""
    state = state_of(location)
    main = ((location.details or {}).get("callingLineId") or {}).get("phoneNumber")
    answer: dict[str, Any] = {
        "selected": state["selected"],
        "locationInfo": {"phoneNumber": main, "name": location.name, **_info("LOCATION_NUMBER", main)},
    }
    member = _member_of(state, state.get("memberNumber"))
    if member is not None:
        owner = member["owner"]
        answer["locationMemberInfo"] = {
            "phoneNumber": member["phoneNumber"],
            "firstName": owner.get("firstName", owner.get("displayName", "")),
            "lastName": owner.get("lastName", "."),  # `.` for a workspace, as documented
            "memberId": owner_id(member),
            "memberType": owner["type"],
            **_info("LOCATION_MEMBER_NUMBER", member["phoneNumber"]),
        }
    answer["elinExpiryTimeMinutes"] = state["elinExpiryTimeMinutes"]
    return answer


def listed(member: Mapping[str, Any]) -> dict[str, Any]:
    """One entry of availableNumbers."""
    owner = {key: value for key, value in member["owner"].items() if key != "type"}
    return {
        "phoneNumber": member["phoneNumber"],
        **({"extension": member["extension"]} if "extension" in member else {}),
        "state": member.get("state", "ACTIVE"),
        "isMainNumber": member.get("isMainNumber", False),
        "tollFreeNumber": False,
        "telephonyType": "PSTN_NUMBER",
        "isServiceNumber": False,
        "owner": {"id": listed_id(member), "type": member["owner"]["type"], **owner},
    }


class _Handlers:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def get(self, request: Request) -> Response:
        return JSONResponse(view(self.api.location(request)))

    async def put(self, request: Request) -> Response:
        location = self.api.location(request)
        body = await json_object(request)
        state = state_of(location)
        violations = check_update(body, state)
        if violations:
            raise WebexError(400, violations)
        state["selected"] = body["selected"]
        if isinstance(body.get("locationMemberId"), str):
            member = _member_by_id(state, body["locationMemberId"])
            assert member is not None  # the rules refuse an id that owns none of the numbers
            state["memberNumber"] = member["phoneNumber"]
        if "elinExpiryTimeMinutes" in body:
            state["elinExpiryTimeMinutes"] = body["elinExpiryTimeMinutes"]
        location.settings[KEY] = state
        self.api.saved()
        return Response(status_code=204)

    async def available(self, request: Request) -> Response:
        location = self.api.location(request)
        numbers = request.query_params.get("phoneNumber")
        asked = {n.strip() for n in numbers.split(",")} if numbers is not None else None
        name = request.query_params.get("ownerName")
        members = [
            m
            for m in state_of(location)["members"]
            if (asked is None or m["phoneNumber"] in asked) and contains(name, _owner_name(m))
        ]
        return self.api.page(request, members, listed, "phoneNumbers")


def routes(api: Api) -> Routes:
    handlers = _Handlers(api)
    base = "/v1/telephony/config/locations/{locationId}"
    return {
        f"{base}/features/emergencyCallbackNumber": {"GET": handlers.get, "PUT": handlers.put},
        f"{base}/emergencyCallbackNumber/availableNumbers": {"GET": handlers.available},
    }
