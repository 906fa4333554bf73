"""The simulator's messaging: POST /messages validated as Create a Message is documented and observed,
GET /messages?roomId= lists what was posted, newest first (in-process, over the real app)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from reconciler.sandbox import SandboxOrg, create_app
from reconciler.sandbox.endpoints import messages
from reconciler.sandbox.endpoints.messages import MAX_MESSAGE_BYTES, ROOM_ID, TOO_LONG


def call(app: Any, method: str, *, json: Any = None, params: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/v1") as client:
            headers = {"Authorization": "Bearer bot-token"}
            return await client.request(method, "/messages", json=json, params=params, headers=headers)

    return asyncio.run(go())


@pytest.fixture
def board_app() -> Any:
    return create_app(SandboxOrg.seed())


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"roomId": ROOM_ID, "markdown": "**hi**"}, None),
        ({"roomId": ROOM_ID, "text": "hi"}, None),
        ({"roomId": ROOM_ID, "markdown": "é" * (MAX_MESSAGE_BYTES // 2)}, None),  # 7438 bytes
        ({"markdown": "hi"}, "roomId is required"),
        ({"roomId": "", "markdown": "hi"}, "roomId is required"),
        ({"roomId": ROOM_ID}, "needs text, markdown or html"),
        ({"roomId": ROOM_ID, "markdown": ""}, "needs text, markdown or html"),
        ({"roomId": ROOM_ID, "markdown": 7}, "markdown must be a string"),
        ({"roomId": ROOM_ID, "markdown": "x" * (MAX_MESSAGE_BYTES + 1)}, TOO_LONG),
        # The limit is in bytes: 3720 two-byte characters are 7440 bytes, one over.
        ({"roomId": ROOM_ID, "markdown": "é" * 3720}, TOO_LONG),
        ({"toPersonEmail": "a@example.com", "text": "hi"}, "1:1 messages are not simulated"),
    ],
)
def test_a_message_needs_a_room_and_text_within_7439_bytes(body: dict[str, Any], problem: str | None) -> None:
    found = [v.description for v in messages.check_message(body)]
    if problem is None:
        assert found == []
    else:
        assert any(problem in description for description in found), found


def test_a_posted_message_is_answered_whole_and_listed_newest_first(board_app: Any) -> None:
    first = call(board_app, "POST", json={"roomId": ROOM_ID, "markdown": "## one"})
    second = call(board_app, "POST", json={"roomId": ROOM_ID, "markdown": "## two"})
    assert first.status_code == second.status_code == 200
    created = first.json()
    assert created["roomId"] == ROOM_ID and created["markdown"] == "## one"
    assert created["id"] != second.json()["id"] and created["created"].endswith("Z")

    listed = call(board_app, "GET", params={"roomId": ROOM_ID})
    assert listed.status_code == 200
    assert [m["markdown"] for m in listed.json()["items"]] == ["## two", "## one"]
    assert [
        m["markdown"] for m in call(board_app, "GET", params={"roomId": ROOM_ID, "max": "1"}).json()["items"]
    ] == ["## two"]


def test_too_long_is_a_400_in_the_webex_error_shape_and_nothing_is_posted(board_app: Any) -> None:
    answer = call(board_app, "POST", json={"roomId": ROOM_ID, "markdown": "x" * (MAX_MESSAGE_BYTES + 1)})
    assert answer.status_code == 400
    body = answer.json()
    assert body["message"] == TOO_LONG and body["errors"][0]["description"] == TOO_LONG
    assert body["trackingId"] == answer.headers["TrackingID"]
    assert call(board_app, "GET", params={"roomId": ROOM_ID}).json()["items"] == []


def test_an_unknown_room_is_a_404_for_posting_and_listing(board_app: Any) -> None:
    posted = call(board_app, "POST", json={"roomId": "Y2lzY29zcGFyazovL3VzL1JPT00vbm9uZQ", "markdown": "hi"})
    assert posted.status_code == 404 and "room was not found" in posted.json()["message"]
    assert call(board_app, "GET", params={"roomId": "nope"}).status_code == 404


@pytest.mark.parametrize(("params", "status"), [({}, 400), ({"roomId": ROOM_ID, "max": "0"}, 400)])
def test_listing_needs_a_room_and_a_sane_max(board_app: Any, params: dict[str, str], status: int) -> None:
    assert call(board_app, "GET", params=params).status_code == status


def test_a_body_that_is_not_a_json_object_is_a_400(board_app: Any) -> None:
    assert call(board_app, "POST", json=["roomId"]).status_code == 400
