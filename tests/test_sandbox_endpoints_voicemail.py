"""The simulator's voicemail endpoint: its PUT rules as ACCEPTED says them, and its GET and PUT over
HTTP (in-process), state kept in `Location.settings["voicemail"]`."""

from __future__ import annotations

from typing import Any

import pytest
from inprocess import run

from reconciler.sandbox import SandboxOrg, webex_id
from reconciler.sandbox.endpoints import voicemail
from reconciler.webex.api import CallingApi
from reconciler.webex.errors import WebexError

DENVER, BERLIN = webex_id("LOCATION", "Denver"), webex_id("LOCATION", "Berlin")
PATH = "/telephony/config/locations/{}/voicemail"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"voicemailTranscriptionEnabled": True}, None),
        ({"voicemailTranscriptionEnabled": False}, None),
        ({}, "Invalid value for voicemailTranscriptionEnabled: is required"),
        ({"voicemailTranscriptionEnabled": "true"}, "must be true or false"),
        ({"voicemailTranscriptionEnabled": None}, "cannot be null"),
        (
            {"voicemailTranscriptionEnabled": True, "x": 1},
            "Unknown field 'x' (allowed: voicemailTranscriptionEnabled)",
        ),
    ],
)
def test_the_put_requires_its_one_boolean_and_takes_nothing_else(
    body: dict[str, Any], problem: str | None
) -> None:
    found = [v.description for v in voicemail.check_voicemail_update(body)]
    if problem is None:
        assert found == []
    else:
        assert any(problem in description for description in found), found


def test_accepted_is_what_the_rules_take() -> None:
    assert voicemail.ACCEPTED == {"voicemailTranscriptionEnabled": "boolean"}
    assert not voicemail.NULLABLE


def get(app: Any, location: str) -> dict[str, Any]:
    return run(app, lambda api: api.client.get_json(PATH.format(location)))


def test_get_answers_the_seed_or_the_default(app: Any) -> None:
    assert get(app, BERLIN) == {"voicemailTranscriptionEnabled": True}  # examples/sandbox-org.json
    assert get(app, DENVER) == {"voicemailTranscriptionEnabled": False}  # never set


def test_a_valid_put_is_204_and_kept(app: Any) -> None:
    async def put(api: CallingApi) -> tuple[int, dict[str, Any]]:
        return await api.client.put_json(PATH.format(DENVER), {"voicemailTranscriptionEnabled": True})

    assert run(app, put) == (204, {})
    assert get(app, DENVER) == {"voicemailTranscriptionEnabled": True}
    org: SandboxOrg = app.state.org
    assert org.locations[DENVER].settings["voicemail"] == {"voicemailTranscriptionEnabled": True}
    assert SandboxOrg.from_json(org.to_json()).locations[DENVER].settings == org.locations[DENVER].settings


def test_an_invalid_put_is_a_400_webex_error_and_changes_nothing(app: Any) -> None:
    async def put(api: CallingApi) -> Any:
        return await api.client.put_json(PATH.format(BERLIN), {"voicemailTranscriptionEnabled": 1})

    with pytest.raises(WebexError) as caught:
        run(app, put)
    assert (caught.value.status, caught.value.error_codes) == (400, (25008,))
    assert "voicemailTranscriptionEnabled: must be true or false" in caught.value.message
    assert caught.value.tracking_id
    assert get(app, BERLIN) == {"voicemailTranscriptionEnabled": True}


def test_an_unknown_location_is_a_404(app: Any) -> None:
    with pytest.raises(WebexError) as caught:
        get(app, webex_id("LOCATION", "Atlantis"))
    assert caught.value.status == 404
