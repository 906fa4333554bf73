"""Webex messaging, as far as announcing an apply needs it: POST /messages into a space, GET /messages.

Not a location setting (no ACCEPTED table, not in MODULES): the app mounts its routes beside the
shared ones. What the simulator knows of the API:

- [D] Create a Message: `roomId` names the space (`toPersonId`/`toPersonEmail`, a 1:1 message, is not
  simulated: the sandbox has no people, and says so); `text`, `markdown` or `html` carries the
  message, each "at most 7439 bytes"; the answer is 200 with the message object.
- [O] Over the limit the API answers 400 "Unable to post message to room: Message length limited to
  7439 characters before encryption and 10000 characters after encryption." (nautobot-app-chatops#2);
  the documented limit is in bytes, which the simulator counts (UTF-8), the stricter of the two.
- [I] A space the sender is not in, or that does not exist, is a 404; its exact text is not on record.
  A body without any message text is a 400; its exact text is not on record either.
- [D] List Messages: `roomId` required, `max` (default 50), newest first.

The sandbox has one space, ROOM_ID ("wxc-reconcile announcements"), which any token may post to. What
is posted is kept in the memory of the app (not in the state file), so tests read it back by GET.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.api import Api, Routes, json_object
from reconciler.sandbox.errors import BAD_QUERY, INVALID_VALUE, NOT_FOUND, Violation, WebexError
from reconciler.sandbox.org import webex_id

ROOM_ID = webex_id("ROOM", "wxc-reconcile announcements")
MAX_MESSAGE_BYTES = 7439  # each of text, markdown and html, as the reference says
TOO_LONG = (
    "Unable to post message to room: Message length limited to 7439 characters before encryption "
    "and 10000 characters after encryption."
)
CONTENT_FIELDS = ("text", "markdown", "html")
DEFAULT_LIST_SIZE = 50
MAX_LIST_SIZE = 1000


@dataclass
class Board:
    """The spaces of the sandbox and what was posted in each, oldest first."""

    rooms: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {ROOM_ID: []})
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    def room(self, room_id: Any) -> list[dict[str, Any]]:
        """The messages of a space the sender may post to, or a 404."""
        if not isinstance(room_id, str) or room_id not in self.rooms:
            raise WebexError.one(404, "Unable to post message to room: the room was not found", NOT_FOUND)
        return self.rooms[room_id]

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = self.room(body["roomId"])
        message = {
            "id": webex_id("MESSAGE", f"sandbox-message-{next(self._numbers)}"),
            "roomId": body["roomId"],
            "roomType": "group",
            **{key: body[key] for key in CONTENT_FIELDS if key in body},
            "created": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        messages.append(message)
        return message


def check_message(body: dict[str, Any]) -> list[Violation]:
    """Every violation of a Create a Message body the sandbox can judge."""
    violations: list[Violation] = []
    if "toPersonId" in body or "toPersonEmail" in body:
        violations.append(Violation("1:1 messages are not simulated: the sandbox has no people; use roomId"))
    elif not isinstance(body.get("roomId"), str) or not body["roomId"]:
        violations.append(Violation("roomId is required"))
    contents = {key: body[key] for key in CONTENT_FIELDS if key in body}
    for key, value in contents.items():
        if not isinstance(value, str):
            violations.append(Violation(f"{key} must be a string"))
        elif len(value.encode("utf-8", errors="surrogatepass")) > MAX_MESSAGE_BYTES:
            violations.append(Violation(TOO_LONG))
    if not any(isinstance(value, str) and value for value in contents.values()):
        violations.append(Violation("The message needs text, markdown or html"))
    return violations


def _list_size(request: Request) -> int:
    raw = request.query_params.get("max", str(DEFAULT_LIST_SIZE))
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIST_SIZE:
        raise WebexError.one(400, f"max must be a whole number from 1 to {MAX_LIST_SIZE}", BAD_QUERY)
    return int(raw)


def routes(api: Api) -> Routes:
    board = Board()

    async def create(request: Request) -> Response:
        body = await json_object(request)
        violations = check_message(body)
        if violations:
            raise WebexError(400, violations)
        return JSONResponse(board.post(body))

    async def list_messages(request: Request) -> Response:
        room_id = request.query_params.get("roomId")
        if not room_id:
            raise WebexError.one(400, "roomId is required", INVALID_VALUE)
        size = _list_size(request)
        return JSONResponse({"items": list(reversed(board.room(room_id)))[:size]})

    return {"/v1/messages": {"GET": list_messages, "POST": create}}
