"""What stands in front of every sandbox route: tracking ids, auth, injected faults, the request log.

An ASGI middleware, so it also sees the answers that no handler made (401, 429, unknown paths, 405).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.sandbox.endpoints.access_token import TOKEN_PATH, TokenIssuer, logged_body
from reconciler.sandbox.errors import (
    RATE_LIMITED,
    TRACKING_KEY,
    UNAUTHORIZED,
    Violation,
    error_response,
    new_tracking_id,
)
from reconciler.sandbox.faults import CLOSE_CONNECTION_KEY, ConnectionDropped, Faults
from reconciler.sandbox.org import SandboxOrgs
from reconciler.sandbox.settings import SandboxSettings

UNAUTHORIZED_MESSAGE = "The request requires a valid access token set in the Authorization request header."
DROPPED = 0  # the status a RecordedRequest logs for a request dropped without an answer
DISCONNECT_TIMEOUT = 5.0  # seconds; a server closes a connection at once, this only guards against a hang


class Drop(enum.Enum):
    """The answer to a dropped request: none; the connection is closed."""

    DROP = "drop"


DROP = Drop.DROP


@dataclass(frozen=True)
class RecordedRequest:
    """One request the sandbox answered, as tests see it. The Authorization header is never kept."""

    method: str
    path: str  # the full URL path as received, e.g. /v1/telephony/config/locations/XYZ
    query: dict[str, str]
    body: Any  # parsed JSON; None without a body; the text itself when it is not JSON
    headers: dict[str, str]  # lower-case names
    status: int  # 0 (DROPPED) when the connection was closed without an answer


def _parse_body(body: bytes) -> Any:
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class Gateway:
    """ASGI middleware: TrackingID on every answer, bearer auth, faults, request log.

    In order: the bearer token (401), the rate limit of the org the request acts in (429), a dropped
    connection, an injected 5xx; then the route, where an `orgId` the token may not act in is a 403
    (see Api.handling). So a dropped or failed request never reaches a route and changes nothing.
    The token endpoint takes no bearer token and is no org's: it meets only the drops and the 5xx.

    The latency is added to the answer, after the request is handled and logged, as if all of it were
    the answer's way back: a request changes the org as it arrives, so a client killed while waiting for
    its answer leaves the org and the request log as a real one would, without a latency-long window.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        orgs: SandboxOrgs,
        token: str | None,
        settings: SandboxSettings,
        faults: Faults,
        log: list[RecordedRequest],
        issuer: TokenIssuer,
    ) -> None:
        self.app = app
        self.orgs = orgs
        self.token = token
        self.issuer = issuer
        self.settings = settings
        self.faults = faults
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = Headers(scope=scope)
        tracking = headers.get("trackingid") or new_tracking_id()
        scope[TRACKING_KEY] = tracking
        api = self.faults.applies_to(scope["path"])
        delay = self.faults.delay() if api else 0.0
        started = replayed = False

        def record(status: int) -> None:
            # Logged before the answer leaves, so a client that has its answer always finds it logged.
            token_request = scope["path"] == TOKEN_PATH
            self.log.append(
                RecordedRequest(
                    method=scope["method"],
                    path=scope["path"],
                    query=dict(QueryParams(scope["query_string"])),
                    body=logged_body(body, headers.get("content-type", ""))
                    if token_request
                    else _parse_body(body),
                    headers={k: v for k, v in headers.items() if k != "authorization"},
                    status=status,
                )
            )

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)["TrackingID"] = tracking
                record(message["status"])
                await self._travel(delay)
            await send(message)

        try:
            refusal = self._refusal(scope, headers, tracking, api)
            if refusal is DROP:
                record(DROPPED)
                await self._travel(delay)
                await _drop_connection(scope, receive)
                return
            await (refusal or self.app)(scope, replay, send_tracked)
        except ConnectionDropped:
            raise  # in-process, the drop itself: not a crash of the sandbox
        except Exception:
            if not started:  # nothing was sent yet: still a Webex error body with the tracking id
                crash = error_response(500, [Violation("Internal error in the sandbox", 500)], tracking)
                await crash(scope, replay, send_tracked)
            raise

    async def _travel(self, delay: float) -> None:
        """The latency of an answer: awaited, so other requests go on meanwhile."""
        if delay > 0:
            await self.settings.sleep(delay)

    def _refusal(self, scope: Scope, headers: Headers, tracking: str, api: bool) -> ASGIApp | Drop | None:
        """The answer for a request that must not reach a route (or DROP: none at all), else None."""
        if scope["path"] == TOKEN_PATH:
            return self._fault(scope["path"], None, tracking) if api else None
        if not self._authorized(headers):
            return error_response(401, [Violation(UNAUTHORIZED_MESSAGE, UNAUTHORIZED)], tracking)
        if api:
            # Rate limits are the org's: the one the request acts in, else the token's own.
            org_id = QueryParams(scope["query_string"]).get("orgId") or self.orgs.own.id
            return self._fault(scope["path"], org_id, tracking)
        return None

    def _authorized(self, headers: Headers) -> bool:
        """A bearer token the token endpoint issued, until it expires; else any token, or only the one
        the sandbox was given."""
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            return False
        issued = self.issuer.verdict(credentials)
        if issued is not None:
            return issued
        return self.token is None or credentials == self.token

    def _fault(self, path: str, org_id: str | None, tracking: str) -> ASGIApp | Drop | None:
        """A 429, a drop or an injected 5xx for an API request in `org_id` (None: no org's, never
        rate-limited), else None."""
        retry_after = self.faults.retry_after(org_id) if org_id is not None else None
        if retry_after is not None:
            violation = Violation(f"Too many requests (Retry-After: {retry_after})", RATE_LIMITED)
            return error_response(429, [violation], tracking, {"Retry-After": retry_after})
        if self.faults.drops(path):
            return DROP
        status = self.faults.failure(path)
        if status is not None:
            violation = Violation(f"{HTTPStatus(status).phrase} (a fault injected by the sandbox)", status)
            return error_response(status, [violation], tracking)
        return None


async def _read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        body += chunk
        if not message.get("more_body", False):
            return body


async def _drop_connection(scope: Scope, receive: Receive) -> None:
    """Close the client's connection without an answer; in-process, raise ConnectionDropped."""
    close = scope.get(CLOSE_CONNECTION_KEY)
    if close is None:
        raise ConnectionDropped()
    close()
    # Return only once the server has seen the connection go (http.disconnect): returning earlier, it
    # would take the app for one that forgot to answer, and log an error and try to send a 500.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(receive(), DISCONNECT_TIMEOUT)
