"""The simulator's voicePortal endpoint: its PUT rules as ACCEPTED says them (read-only fields, the
customName CUSTOM_NAME needs, dialByName's characters, the passcode checked and never kept), partial
updates, and a GET that never holds a passcode."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from clirun import TOKEN, loc_id

from reconciler.sandbox import SandboxOrg, ServerThread
from reconciler.sandbox.endpoints import voice_portal as endpoint
from reconciler.sandbox.org import Location

DOCUMENTED_PUT = {
    "name": "Voice Portal Name",
    "languageCode": "en_us",
    "extension": "5678",
    "firstName": "John",
    "lastName": "Brown",
    "passcode": {"newPasscode": "135668", "confirmPasscode": "135668"},
    "directLineCallerIdName": {"selection": "CUSTOM_NAME", "customName": "Hakim Smith"},
    "dialByName": "Hakim Smith",
}


@pytest.fixture
def paris() -> Location:
    org = SandboxOrg.seed()
    return next(loc for loc in org.locations.values() if loc.name == "Paris")


def test_the_documented_body_with_extension_as_a_string_is_taken(paris: Location) -> None:
    assert endpoint.check_update(DOCUMENTED_PUT, paris) == []
    assert (
        endpoint.check_update({"dialByName": None, "directLineCallerIdName": {"customName": ""}}, paris) == []
    )


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"id": "x"}, "id: is read-only"),
        ({"language": "English"}, "language: is read-only"),
        ({"extension": 5678}, "5678 is not a string of digits"),
        ({"languageCode": "en_US"}, "'en_US' is not a lower-case code"),
        ({"phoneNumber": "2145550100"}, "is not an E.164 number"),
        ({"directLineCallerIdName": {"selection": "CUSTOM_NAME"}}, "customName: is required when selection"),
        ({"directLineCallerIdName": {"selection": "NAME"}}, "'NAME' is not one of CUSTOM_NAME, DISPLAY_NAME"),
        ({"dialByName": "50% off"}, "dialByName"),
        ({"dialByName": "caf\u00e9"}, "dialByName"),
        ({"passcode": {"newPasscode": "1234", "confirmPasscode": "4321"}}, "does not match newPasscode"),
        ({"passcode": "1234"}, "must be an object with newPasscode and confirmPasscode"),
        ({"pin": "1"}, "Unknown field 'pin'"),
    ],
)
def test_what_the_api_refuses_is_refused(paris: Location, body: dict[str, Any], why: str) -> None:
    (violation,) = endpoint.check_update(body, paris)
    assert why in violation.description
    assert "1234" not in violation.description  # a passcode is never quoted back


def url(name: str) -> str:
    return f"/telephony/config/locations/{loc_id(name)}/voicePortal"


def test_a_put_is_partial_the_passcode_is_never_kept_and_get_never_shows_one(server: ServerThread) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = httpx.get(server.base_url + url("Denver"), headers=auth, timeout=10).json()
    assert before["name"] == "Denver Voice Portal" and before["language"] == "English"
    sent = httpx.put(server.base_url + url("Denver"), json=DOCUMENTED_PUT, headers=auth, timeout=10)
    assert sent.status_code == 204
    after = httpx.get(server.base_url + url("Denver"), headers=auth, timeout=10).json()
    assert after == {
        **{k: v for k, v in DOCUMENTED_PUT.items() if k != "passcode"},
        "id": before["id"],
        "language": "English",
        "phoneNumber": before["phoneNumber"],  # not sent: kept
    }
    assert "135668" not in json.dumps(server.org.to_json())
    cleared = {"dialByName": "", "directLineCallerIdName": {"selection": "DISPLAY_NAME", "customName": None}}
    assert (
        httpx.put(server.base_url + url("Denver"), json=cleared, headers=auth, timeout=10).status_code == 204
    )
    again = httpx.get(server.base_url + url("Denver"), headers=auth, timeout=10).json()
    assert "dialByName" not in again
    assert again["directLineCallerIdName"] == {"selection": "DISPLAY_NAME"}
