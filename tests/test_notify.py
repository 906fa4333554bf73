"""Announcing an apply: the bot's token checked up front, the report cut to fit by whole lines, and
every failure a warning, never an exception. Against the real simulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler import notify
from reconciler.connection import ConfigError, Connection
from reconciler.notify import MAX_MESSAGE_BYTES, Announcer, announce, announcer, fit_message
from reconciler.sandbox import ServerThread
from reconciler.sandbox.endpoints.messages import ROOM_ID
from reconciler.sandbox.settings import RateWindow
from reconciler.webex.oauth import StaticToken

BOT_TOKEN = "bot-secret-token-abcdefghijklmnopqrstuvwxyz0123456789"
API_TOKEN = "api-secret-token-abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
def space() -> Iterator[ServerThread]:
    """The sandbox on 127.0.0.1, taking only the bot's token."""
    with ServerThread(token=BOT_TOKEN) as running:
        yield running


def posted(server: ServerThread) -> list[str]:
    """The markdown of every message in the sandbox's space, oldest first, read back over HTTP."""
    answer = httpx.get(
        f"{server.base_url}/messages",
        params={"roomId": ROOM_ID},
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
    )
    answer.raise_for_status()
    return [message["markdown"] for message in reversed(answer.json()["items"])]


def posts(server: ServerThread) -> list[int]:
    return [r.status for r in server.requests if r.method == "POST" and r.path == "/v1/messages"]


def to(server: ServerThread, token: str = BOT_TOKEN) -> Announcer:
    return Announcer(token, server.base_url, hidden=(token, API_TOKEN))


class Sleeps:
    """The client's waits, recorded, none really taken; `then` runs at the first."""

    def __init__(self, then: object = None) -> None:
        self.waits: list[float] = []
        self.then = then

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if callable(self.then):
            self.then()
        await asyncio.sleep(0)


def test_the_report_is_posted_to_the_room_as_markdown(space: ServerThread) -> None:
    report = "## wxc-reconcile apply\n\n✅ **Apply:** 3 applied, 0 failed, 0 skipped."
    assert asyncio.run(announce(ROOM_ID, report, to(space))) is None
    assert posted(space) == [report]
    (sent,) = [r for r in space.requests if r.method == "POST"]
    assert sent.body == {"roomId": ROOM_ID, "markdown": report}
    assert "authorization" not in sent.headers  # the log never keeps it; the server checked it was the bot's


def test_a_long_report_is_cut_by_whole_lines_to_7439_bytes_with_a_note(space: ServerThread) -> None:
    lines = [f"| Zürich-{n:04d} | location details | ✅ applied | |" for n in range(400)]
    report = "## wxc-reconcile apply\n\n" + "\n".join(lines)
    assert asyncio.run(announce(ROOM_ID, report, to(space))) is None
    (message,) = posted(space)
    assert len(message.encode()) <= MAX_MESSAGE_BYTES
    shown, note = message.rsplit("\n\n", 1)
    assert report.startswith(shown + "\n")  # a prefix of whole lines
    left_out = len(report.splitlines()) - len(shown.splitlines())
    assert left_out > 0 and note.startswith(f"_… {left_out} more lines not shown")


def test_fit_message_leaves_a_short_text_alone_and_fills_the_limit_closely() -> None:
    assert fit_message("short\ntext") == "short\ntext"
    text = "\n".join("é" * 30 for _ in range(1000))  # 60 bytes a line
    fitted = fit_message(text, limit=1000)
    assert len(fitted.encode()) <= 1000
    # One more line would not have fitted: the cut is as late as it can be.
    kept = fitted.split("\n\n_…")[0].count("\n") + 1
    assert len(fit_message(text, limit=1000 + 61).split("\n\n_…")[0].splitlines()) == kept + 1


def test_a_5xx_is_tried_again_and_the_message_posted_once(space: ServerThread) -> None:
    space.settings.fail_rate, space.settings.fail_paths = 1.0, ("^/v1/messages$",)

    def heal() -> None:
        space.settings.fail_rate = 0.0

    sleeps = Sleeps(then=heal)
    assert asyncio.run(announce(ROOM_ID, "## once", to(space), sleep=sleeps)) is None
    assert posted(space) == ["## once"]
    assert [status >= 500 for status in posts(space)] == [True, False]
    assert len(sleeps.waits) == 1 and sleeps.waits[0] <= notify.MAX_WAIT_SECONDS


def test_5xx_every_time_ends_in_a_warning_after_a_few_tries(space: ServerThread) -> None:
    space.settings.fail_rate, space.settings.fail_paths = 1.0, ("^/v1/messages$",)
    warning = asyncio.run(announce(ROOM_ID, "## lost", to(space), sleep=Sleeps()))
    assert warning is not None and "HTTP 50" in warning and "trackingId WXCR_" in warning
    assert len(posts(space)) == notify.RETRY.attempts


def test_a_retry_after_past_the_cap_is_a_warning_at_once_without_waiting(space: ServerThread) -> None:
    space.settings.rate_limit_window = RateWindow(1, 3600)
    assert asyncio.run(announce(ROOM_ID, "## first", to(space))) is None
    sleeps = Sleeps()
    warning = asyncio.run(announce(ROOM_ID, "## second", to(space), sleep=sleeps))
    assert warning is not None
    assert "HTTP 429" in warning and "Retry-After '3600'" in warning and "at most 60 s" in warning
    assert sleeps.waits == []
    space.settings.rate_limit_window = None  # to read the space back
    assert posted(space) == ["## first"]


def test_an_unknown_room_is_a_warning_naming_status_message_and_tracking_id(space: ServerThread) -> None:
    warning = asyncio.run(announce("Y2lzY29zcGFyazovL3VzL1JPT00vbm9uZQ", "## hi", to(space)))
    assert warning is not None
    assert "HTTP 404 on POST /messages: Unable to post message to room" in warning
    assert "trackingId WXCR_" in warning


def test_a_refused_bot_token_is_a_warning_that_never_shows_it(space: ServerThread) -> None:
    wrong = "wrong-bot-token-abcdefghijklmnopqrstuvwxyz0123456789"
    warning = asyncio.run(announce(ROOM_ID, "## hi", to(space, wrong)))
    assert warning is not None and "HTTP 401" in warning
    assert wrong not in warning and BOT_TOKEN not in warning


def test_no_server_at_all_is_a_warning() -> None:
    with ServerThread() as gone:
        base_url = gone.base_url
    warning = asyncio.run(announce(ROOM_ID, "## hi", Announcer(BOT_TOKEN, base_url), sleep=Sleeps()))
    assert warning is not None and "no answer" in warning and BOT_TOKEN not in warning


def test_neither_token_is_ever_in_the_message(space: ServerThread) -> None:
    report = f"## wxc-reconcile apply\n\nDenver: {API_TOKEN} and {BOT_TOKEN}"
    assert asyncio.run(announce(ROOM_ID, report, to(space))) is None
    (message,) = posted(space)
    assert API_TOKEN not in message and BOT_TOKEN not in message
    assert message.count("[redacted]") == 2


def connection(**changes: object) -> Connection:
    return Connection("https://webexapis.com/v1", StaticToken(API_TOKEN), **changes)  # type: ignore[arg-type]


def test_the_bot_token_comes_from_its_own_variable_and_is_checked() -> None:
    found = announcer(connection(), {"WEBEX_NOTIFY_TOKEN": f"  {BOT_TOKEN}\n"})
    assert found.token == BOT_TOKEN and found.base_url == "https://webexapis.com/v1"
    assert BOT_TOKEN not in repr(found)
    with pytest.raises(ConfigError, match="needs the bot's token in WEBEX_NOTIFY_TOKEN"):
        announcer(connection(), {"WEBEX_ACCESS_TOKEN": API_TOKEN})
    with pytest.raises(ConfigError, match="WEBEX_NOTIFY_TOKEN holds a line break") as refused:
        announcer(connection(), {"WEBEX_NOTIFY_TOKEN": "two\nlines-of-token"})
    assert "lines-of-token" not in str(refused.value)


def test_the_sandbox_needs_no_bot_token_and_answers_in_process() -> None:
    found = announcer(connection(sandbox_state=Path("unused.json")), {})
    assert found.sandbox
    assert asyncio.run(announce(ROOM_ID, "## hi", found)) is None
    assert "HTTP 404" in (asyncio.run(announce("no-such-room", "## hi", found)) or "")
