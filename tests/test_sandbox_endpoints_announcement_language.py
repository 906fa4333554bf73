"""The simulator's announcement-language action: its rules as ACCEPTED says them, and the POST over
HTTP (in-process): 204, each run recorded, the location's own announcementLanguage left alone."""

from __future__ import annotations

from typing import Any

import pytest
from inprocess import run

from reconciler.sandbox import SandboxOrg, webex_id
from reconciler.sandbox.endpoints import announcement_language
from reconciler.webex.api import CallingApi
from reconciler.webex.errors import WebexError

DENVER = webex_id("LOCATION", "Denver")
PATH = "/telephony/config/locations/{}/actions/modifyAnnouncementLanguage/invoke"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"announcementLanguageCode": "en_us"}, None),
        ({"announcementLanguageCode": "fr_fr", "agentEnabled": True, "serviceEnabled": False}, None),
        ({"agentEnabled": True}, "Invalid value for announcementLanguageCode: is required"),
        ({"announcementLanguageCode": "en_US"}, "is not a string matching"),
        ({"announcementLanguageCode": None}, "cannot be null"),
        ({"announcementLanguageCode": "en_us", "agentEnabled": "yes"}, "must be true or false"),
        ({"announcementLanguageCode": "en_us", "x": 1}, "Unknown field 'x'"),
    ],
)
def test_the_code_is_required_and_lower_case_the_flags_booleans(
    body: dict[str, Any], problem: str | None
) -> None:
    found = [v.description for v in announcement_language.check_invocation(body)]
    if problem is None:
        assert found == []
    else:
        assert any(problem in description for description in found), found


def post(app: Any, location: str, body: dict[str, Any]) -> int:
    async def go(api: CallingApi) -> int:
        return (await api.client.request("POST", PATH.format(location), json=body)).status_code

    return run(app, go)


def test_a_valid_call_is_204_recorded_and_leaves_the_location_language_alone(app: Any) -> None:
    org: SandboxOrg = app.state.org
    before = dict(org.locations[DENVER].details or {})
    body = {"announcementLanguageCode": "fr_fr", "agentEnabled": True}
    assert post(app, DENVER, body) == 204
    assert post(app, DENVER, {"announcementLanguageCode": "de_de"}) == 204
    location = org.locations[DENVER]
    assert announcement_language.runs(location.settings) == [body, {"announcementLanguageCode": "de_de"}]
    assert location.details == before
    assert SandboxOrg.from_json(org.to_json()).locations[DENVER].settings == location.settings


def test_an_invalid_call_is_a_400_webex_error_and_records_nothing(app: Any) -> None:
    with pytest.raises(WebexError) as caught:
        post(app, DENVER, {"agentEnabled": True})
    assert caught.value.status == 400
    assert "announcementLanguageCode: is required" in caught.value.message
    assert caught.value.tracking_id
    assert announcement_language.runs(app.state.org.locations[DENVER].settings) == []


def test_an_unknown_location_is_a_404(app: Any) -> None:
    with pytest.raises(WebexError) as caught:
        post(app, webex_id("LOCATION", "Atlantis"), {"announcementLanguageCode": "en_us"})
    assert caught.value.status == 404


def test_it_has_no_get() -> None:
    (methods,) = announcement_language.routes(None).values()  # type: ignore[arg-type]
    assert set(methods) == {"POST"}
