"""Announcing an apply in a Webex space: the markdown report, posted by a bot with its own token.

`POST {base_url}/messages` with `{"roomId", "markdown"}` (Webex's Create a Message). The bot's token
comes from WEBEX_NOTIFY_TOKEN, never the command line, and is checked like the access token before
anything is applied, so a missing one is a usage error rather than an apply that cannot be announced.

An announcement is a courtesy, never part of the apply: every failure becomes a warning (HTTP status,
Webex message, trackingId), the apply's exit code stays what it was, and the wait is bounded. It goes
through the same WebexClient as the API calls (timeouts, answer caps, the token redacted from every
answer), with a small retry policy of its own. A retried POST may post twice when a 5xx came after the
message was created: a duplicate announcement is better than a lost one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from reconciler.connection import ONE_TOKEN, SANDBOX_TOKEN, ConfigError, Connection
from reconciler.webex.client import THROTTLED, RetryPolicy, WebexClient
from reconciler.webex.errors import WebexError
from reconciler.webex.security import redact, secret_forms, token_problem

TOKEN_VARIABLE = "WEBEX_NOTIFY_TOKEN"
# Create a Message: "The maximum message length is 7439 bytes" (markdown, as text and html).
MAX_MESSAGE_BYTES = 7439
# However the space answers, an announcement takes at most this long in waits (Retry-After, back-offs).
MAX_WAIT_SECONDS = 60.0
MAX_TIMEOUT_SECONDS = 30.0
RETRY = RetryPolicy(attempts=3, max_wait=MAX_WAIT_SECONDS, deadline=MAX_WAIT_SECONDS)


@dataclass(frozen=True)
class Announcer:
    """Where and as whom to announce: the bot's token, the API's base URL, and the secrets to keep out
    of the message (the bot's token and the apply's own)."""

    token: str
    base_url: str
    timeout: float = MAX_TIMEOUT_SECONDS
    sandbox: bool = False  # the in-process sandbox: its own app answers, and forgets, the message
    hidden: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never the token, not even in a debugger or a traceback
        return f"Announcer(base_url={self.base_url!r}, sandbox={self.sandbox})"

    def client(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> WebexClient:
        transport: httpx.AsyncBaseTransport | None = None
        if self.sandbox:
            from reconciler.sandbox import SandboxOrg, create_app

            transport = httpx.ASGITransport(app=create_app(SandboxOrg.seed()))
        return WebexClient(
            self.base_url,
            self.token,
            concurrency=1,
            transport=transport,
            timeout=self.timeout,
            retry=RETRY,
            sleep=sleep,
        )


def announcer(connection: Connection, environ: Mapping[str, str] = os.environ) -> Announcer:
    """The announcer for an apply over `connection`; ConfigError (exit 3) when the bot's token is
    missing or unusable. The sandbox needs none: it accepts any token."""
    hidden = connection.credentials.secrets
    return announcer_at(connection.base_url, connection.sandbox, connection.limits.timeout, hidden, environ)


def announcer_at(
    base_url: str,
    sandbox: bool,
    timeout: float,
    hidden: tuple[str, ...] = (),
    environ: Mapping[str, str] = os.environ,
) -> Announcer:
    """As `announcer`, for a run over many orgs: `hidden` are the run's own tokens, never to be posted."""
    timeout = min(timeout, MAX_TIMEOUT_SECONDS)
    if sandbox:
        return Announcer(SANDBOX_TOKEN, base_url, timeout, sandbox=True, hidden=hidden)
    token = environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise ConfigError(f"--notify-room needs the bot's token in {TOKEN_VARIABLE}; nothing was applied")
    problem = token_problem(token)
    if problem is not None:  # never the token nor any part of it: only what kind of character is wrong
        raise ConfigError(f"{TOKEN_VARIABLE} holds {problem}, which an access token cannot have; {ONE_TOKEN}")
    return Announcer(token, base_url, timeout, hidden=(token, *hidden))


def fit_message(markdown: str, limit: int = MAX_MESSAGE_BYTES) -> str:
    """`markdown` within `limit` UTF-8 bytes: whole lines from the top, then a note of how many are cut.

    Whole lines, so a table row or a code span is never cut in half; the top holds the summary.
    """
    if _size(markdown) <= limit:
        return markdown
    lines = markdown.splitlines()
    kept: list[str] = []
    used = _size(_cut_note(len(lines)))  # the longest note: its count has the most digits
    for line in lines:
        used += _size(line) + 1
        if used > limit:
            break
        kept.append(line)
    return "\n".join([*kept, _cut_note(len(lines) - len(kept))])


def _size(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))


def _cut_note(left_out: int) -> str:
    lines = "line" if left_out == 1 else "lines"
    return (
        f"\n_… {left_out} more {lines} not shown (a Webex message holds at most {MAX_MESSAGE_BYTES} bytes);"
        " the apply's own output lists every step._"
    )


async def announce(
    room_id: str,
    markdown: str,
    announcer: Announcer,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str | None:
    """Post `markdown` (cut to fit) to the space `room_id`: None when it was posted, else the warning
    to show. Whatever the space or the way to it answers, nothing is raised: a failure to announce
    must not fail the apply."""
    text = fit_message(redact(markdown, [form for token in announcer.hidden for form in secret_forms(token)]))
    try:
        async with announcer.client(sleep=sleep) as client:
            await client.request("POST", "/messages", json={"roomId": room_id, "markdown": text})
    except WebexError as error:
        return f"warning: the apply was not announced in the Webex space: {_described(error)}"
    return None


def _described(error: WebexError) -> str:
    """The error as the warning shows it; a throttle says how long the space asked to wait."""
    if error.status not in THROTTLED:
        return str(error)
    tracking = f" (trackingId {error.tracking_id})" if error.tracking_id else ""
    asked = "no Retry-After" if error.retry_after is None else f"Retry-After {error.retry_after[:40]!r}"
    return (
        f"HTTP {error.status} on POST /messages: rate limited ({asked}), and an announcement waits at most "
        f"{MAX_WAIT_SECONDS:.0f} s in all{tracking}"
    )
