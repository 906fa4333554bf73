"""No token in any cassette, and the recording hooks scrub one before vcrpy keeps anything.

The scan runs over every file under tests/cassettes/ (hand-built and recorded alike): no Authorization
header, no `Bearer <token>`, no long token-like string in a header value (Webex IDs and tracking IDs
aside), and not the value of WEBEX_ACCESS_TOKEN if one is set where the tests run.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import yaml
from test_contract_support import (
    CASSETTES,
    LOCATION_ID,
    ORG_ID,
    REPLAY,
    SCRUBBED,
    TOKEN_ENV,
    make_scrubbers,
    recording_config,
    run_api,
    secret_findings,
)
from vcr.request import Request

from reconciler.webex.api import CallingApi
from reconciler.webex.client import WebexClient

pytestmark = pytest.mark.contract

# The shape of a Webex personal access token: base64url text, then _<cluster>_<org uuid>.
FAKE_TOKEN = (
    "ZmFrZS10b2tlbi0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3"
    "_PF84_1eb65fdf-9643-417f-9974-ad72cae0e10f"
)
OTHER_TOKEN = "b3RoZXItdG9rZW4tbm90LWtub3duLXRvLXRoZS1ob29rcw-abcdef"


def all_cassette_files() -> list[Path]:
    return sorted(p for p in CASSETTES.rglob("*") if p.is_file())


def test_every_cassette_file_is_free_of_tokens() -> None:
    files = all_cassette_files()
    assert len([p for p in files if p.suffix == ".yaml"]) >= 10  # the scan really sees the cassettes
    findings = [finding for path in files for finding in secret_findings(path)]
    assert findings == []


def test_the_scan_finds_each_kind_of_leak(tmp_path: Path) -> None:
    leaky = {
        "version": 1,
        "interactions": [
            {
                "request": {
                    "method": "GET",
                    "uri": "https://webexapis.com/v1/locations",
                    "body": None,
                    "headers": {"Authorization": [f"Bearer {FAKE_TOKEN}"]},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {
                        "X-Debug": [FAKE_TOKEN],
                        "TrackingID": ["ROUTER_1f3b5d7e-8a0c-4e2f-b4d6-0c2e4a6c8fbb"],
                    },
                    "body": {"string": "{}"},
                },
            }
        ],
    }
    cassette = tmp_path / "leaky.yaml"
    cassette.write_text(yaml.safe_dump(leaky), encoding="utf-8")
    findings = "\n".join(secret_findings(cassette))
    assert "an Authorization header" in findings
    assert "a bearer token" in findings
    assert "token-like" in findings and "X-Debug" in findings
    assert "TrackingID" not in findings  # tracking IDs are not tokens

    notes = tmp_path / "notes.md"
    notes.write_text(f"curl -H 'authorization: bearer {OTHER_TOKEN}'\n", encoding="utf-8")
    assert len(secret_findings(notes)) == 2

    echoed = tmp_path / "echo.txt"
    echoed.write_text(f"the token was {FAKE_TOKEN[:20]}{FAKE_TOKEN[20:]}", encoding="utf-8")
    assert any("token's value" in f for f in secret_findings(echoed, secrets=[FAKE_TOKEN]))


def test_the_scan_accepts_webex_ids_and_tracking_ids(tmp_path: Path) -> None:
    clean = tmp_path / "clean.yaml"
    clean.write_text(
        (CASSETTES / "calling_locations_list.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert secret_findings(clean) == []


# --- the hooks ---------------------------------------------------------------------------------------------


def _fake_request() -> Request:
    return Request(
        "PUT",
        f"https://webexapis.com/v1/telephony/config/locations/{LOCATION_ID}?orgId={ORG_ID}&access_token={FAKE_TOKEN}",
        json.dumps({"externalCallerIdName": "Big Corp", "note": f"sent with {FAKE_TOKEN}"}).encode(),
        {
            "Authorization": f"Bearer {FAKE_TOKEN}",
            "X-Forwarded-Authorization": f"Bearer {OTHER_TOKEN}",
            "X-Echo": FAKE_TOKEN,
            "TrackingID": "WXCR_5d7f9b1c-2e4a-4c6d-a8b0-2e4a6c8e0bdd",
            "Content-Type": "application/json",
        },
    )


def _fake_response() -> dict[str, Any]:
    return {
        "status": {"code": 400, "message": "Bad Request"},
        "headers": {
            "TrackingID": ["ROUTER_5d7f9b1c-2e4a-4c6d-a8b0-2e4a6c8e0bdd"],
            "Authorization": [f"Bearer {FAKE_TOKEN}"],
            "Set-Cookie": [f"session={FAKE_TOKEN}"],
            "X-Echo": [f"token={FAKE_TOKEN}"],
            "Content-Type": ["application/json"],
        },
        "body": {
            "string": json.dumps(
                {"message": f"invalid token {FAKE_TOKEN}", "detail": f"Authorization: Bearer {OTHER_TOKEN}"}
            ).encode()
        },
    }


def _text(request: Request) -> str:
    return json.dumps({"uri": request.uri, "headers": dict(request.headers), "body": request.body.decode()})


def test_request_hook_drops_authorization_and_scrubs_the_token_everywhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, FAKE_TOKEN)  # as when recording: the token comes from the environment
    scrub_request, _ = make_scrubbers()
    request = scrub_request(_fake_request())
    text = _text(request)
    assert FAKE_TOKEN not in text and OTHER_TOKEN not in text
    assert "Authorization" not in request.headers
    assert request.headers["X-Echo"] == SCRUBBED
    assert request.headers["X-Forwarded-Authorization"] == f"Bearer {SCRUBBED}"
    assert request.headers["TrackingID"] == "WXCR_5d7f9b1c-2e4a-4c6d-a8b0-2e4a6c8e0bdd"
    assert json.loads(request.body) == {"externalCallerIdName": "Big Corp", "note": f"sent with {SCRUBBED}"}
    assert request.uri.endswith(f"orgId={ORG_ID}&access_token={SCRUBBED}")


def test_response_hook_drops_authorization_and_cookies_and_scrubs_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    _, scrub_response = make_scrubbers([FAKE_TOKEN])  # the token given explicitly this time
    response = scrub_response(_fake_response())
    text = json.dumps({"headers": response["headers"], "body": response["body"]["string"].decode()})
    assert FAKE_TOKEN not in text and OTHER_TOKEN not in text
    assert set(response["headers"]) == {"TrackingID", "X-Echo", "Content-Type"}
    assert response["headers"]["TrackingID"] == ["ROUTER_5d7f9b1c-2e4a-4c6d-a8b0-2e4a6c8e0bdd"]
    assert json.loads(response["body"]["string"]) == {
        "message": f"invalid token {SCRUBBED}",
        "detail": f"Authorization: Bearer {SCRUBBED}",
    }
    assert response["status"] == {"code": 400, "message": "Bad Request"}


def test_hooks_scrub_bearer_tokens_they_were_not_told_about(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    scrub_request, scrub_response = make_scrubbers()
    request = scrub_request(_fake_request())
    response = scrub_response(_fake_response())
    assert "Authorization" not in request.headers
    assert OTHER_TOKEN not in _text(request)
    assert OTHER_TOKEN not in response["body"]["string"].decode()
    # Without being told the token, a bare copy of it (no "Bearer") cannot be recognised: hence the env.
    assert request.headers["X-Echo"] == FAKE_TOKEN


def test_recording_through_vcrpy_writes_nothing_unscrubbed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: the real client, vcrpy recording as --record-mode does, a server echoing the token."""
    monkeypatch.setenv(TOKEN_ENV, FAKE_TOKEN)

    def echoing_server(request: httpx.Request) -> httpx.Response:
        sent = request.headers["Authorization"]
        return httpx.Response(
            200,
            headers={"TrackingID": "ROUTER_0e2a4c6d-7f9b-4d1e-a3c5-9b1d3f5b7eaa", "X-Echo": sent},
            json={"id": LOCATION_ID, "name": "Denver", "debug": sent},
        )

    recorder = vcr.VCR(**{**recording_config(), "record_mode": "all"})
    cassette_path = tmp_path / "recorded.yaml"

    async def get_details(api: CallingApi) -> dict[str, Any]:
        return await api.get_location_details(LOCATION_ID)

    async def record() -> dict[str, Any]:
        client = WebexClient(
            "https://webexapis.com/v1",
            FAKE_TOKEN,
            org_id=ORG_ID,
            transport=httpx.MockTransport(echoing_server),
        )
        async with client:
            return await get_details(CallingApi(client))

    with recorder.use_cassette(str(cassette_path)):
        details = asyncio.run(record())
    # the server echoed the real token; the client redacted it as the answer came in
    assert details["debug"] == "Bearer [redacted]"

    text = cassette_path.read_text(encoding="utf-8")
    assert FAKE_TOKEN not in text
    assert secret_findings(cassette_path, secrets=[FAKE_TOKEN]) == []
    (interaction,) = yaml.safe_load(text)["interactions"]
    sent = {name.lower(): values for name, values in interaction["request"]["headers"].items()}
    assert "authorization" not in sent
    assert sent["trackingid"][0].startswith("WXCR_")  # ours, kept
    answered = {name.lower(): values for name, values in interaction["response"]["headers"].items()}
    assert answered["trackingid"] == ["ROUTER_0e2a4c6d-7f9b-4d1e-a3c5-9b1d3f5b7eaa"]
    assert answered["x-echo"] == [f"Bearer {SCRUBBED}"]
    assert json.loads(interaction["response"]["body"]["string"])["debug"] == f"Bearer {SCRUBBED}"

    # And the recording replays, with any token, through the strict matcher.
    with REPLAY.use_cassette(str(cassette_path)) as played:
        again = run_api(get_details, base_url="https://webexapis.com/v1")
    assert played.all_played and again["name"] == "Denver"
