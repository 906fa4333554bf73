"""What stands in front of every sandbox route: tracking ids, auth, rate limit, orgId, the request log.

An ASGI middleware, so it also sees the answers that no handler made (401, 429, unknown paths, 405).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.sandbox.errors import (
    NOT_FOUND,
    RATE_LIMITED,
    TRACKING_KEY,
    UNAUTHORIZED,
    Violation,
    error_response,
    new_tracking_id,
)
from reconciler.sandbox.org import SandboxOrg
from reconciler.sandbox.settings import SandboxSettings

UNAUTHORIZED_MESSAGE = "The request requires a valid access token set in the Authorization request header."


@dataclass(frozen=True)
class RecordedRequest:
    """One request the sandbox answered, as tests see it. The Authorization header is never kept."""

    method: str
    path: str  # the full URL path as received, e.g. /v1/telephony/config/locations/XYZ
    query: dict[str, str]
    body: Any  # parsed JSON; None without a body; the text itself when it is not JSON
    headers: dict[str, str]  # lower-case names
    status: int


class TokenBucket:
    """`rate` requests per second, bursts of up to max(1, rate)."""

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.clock = clock
        self.tokens = self.capacity
        self.updated = clock()

    def take(self) -> float:
        """Take a token; 0.0 when there was one, else the seconds until there will be."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


def _parse_body(body: bytes) -> Any:
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class Gateway:
    """ASGI middleware: TrackingID on every answer, bearer auth, rate limit, orgId check, request log."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        org: SandboxOrg,
        token: str | None,
        settings: SandboxSettings,
        log: list[RecordedRequest],
    ) -> None:
        self.app = app
        self.org = org
        self.token = token
        self.log = log
        rate = settings.rate_limit_per_second
        self.bucket = TokenBucket(rate, settings.clock) if rate else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        headers = Headers(scope=scope)
        tracking = headers.get("trackingid") or new_tracking_id()
        scope[TRACKING_KEY] = tracking
        started = replayed = False

        def record(status: int) -> None:
            # Logged before the answer leaves, so a client that has its answer always finds it logged.
            self.log.append(
                RecordedRequest(
                    method=scope["method"],
                    path=scope["path"],
                    query=dict(QueryParams(scope["query_string"])),
                    body=_parse_body(body),
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
            await send(message)

        try:
            refusal = self._refusal(scope, headers, tracking)
            await (refusal or self.app)(scope, replay, send_tracked)
        except Exception:
            if not started:  # nothing was sent yet: still a Webex error body with the tracking id
                crash = error_response(500, [Violation("Internal error in the sandbox", 500)], tracking)
                await crash(scope, replay, send_tracked)
            raise

    def _refusal(self, scope: Scope, headers: Headers, tracking: str) -> ASGIApp | None:
        """The answer for a request that must not reach a route, else None."""
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        credentials = credentials.strip()
        if (
            scheme.lower() != "bearer"
            or not credentials
            or (self.token is not None and credentials != self.token)
        ):
            return error_response(401, [Violation(UNAUTHORIZED_MESSAGE, UNAUTHORIZED)], tracking)
        if self.bucket is not None and (wait := self.bucket.take()) > 0:
            retry_after = str(max(1, math.ceil(wait)))
            violation = Violation(f"Too many requests; retry after {retry_after} seconds", RATE_LIMITED)
            return error_response(429, [violation], tracking, {"Retry-After": retry_after})
        org_id = QueryParams(scope["query_string"]).get("orgId")
        if org_id is not None and org_id != self.org.id:
            return error_response(404, [Violation(f"Organization {org_id} not found", NOT_FOUND)], tracking)
        return None
