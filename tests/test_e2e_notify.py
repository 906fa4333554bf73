"""End to end: `wxc-reconcile apply --notify-room` against the simulator on 127.0.0.1, the message read
back from the space; a failure to announce leaves the apply's exit code as it was."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from clirun import EXAMPLE, TOKEN, puts, wxc

from reconciler.sandbox import ServerThread
from reconciler.sandbox.endpoints.messages import ROOM_ID

BOT_TOKEN = "bot-secret-token-abcdefghijklmnopqrstuvwxyz0123456789"
BOT = {"WEBEX_NOTIFY_TOKEN": BOT_TOKEN}


@pytest.fixture
def open_server() -> Iterator[ServerThread]:
    """The sandbox taking any token: the apply's and the bot's are both let in."""
    with ServerThread() as running:
        yield running


def space(server: ServerThread) -> list[str]:
    answer = httpx.get(
        f"{server.base_url}/messages", params={"roomId": ROOM_ID}, headers={"Authorization": "Bearer reader"}
    )
    answer.raise_for_status()
    return [message["markdown"] for message in answer.json()["items"]]


def test_apply_announces_its_report_in_the_space(open_server: ServerThread) -> None:
    applied = wxc("apply", str(EXAMPLE), "--notify-room", ROOM_ID, base_url=open_server.base_url, env=BOT)
    assert applied.returncode == 0, applied.stderr
    assert "warning" not in applied.stderr
    (message,) = space(open_server)
    assert message.startswith("## wxc-reconcile apply\n\n✅ **Apply:** 17 applied, 0 failed, 0 skipped.")
    assert "| Denver | location details | ✅ applied |" in message
    assert BOT_TOKEN not in applied.stdout + applied.stderr and TOKEN not in message


def test_a_dry_run_says_so_in_the_space_and_the_room_may_come_from_the_environment(
    open_server: ServerThread,
) -> None:
    env = {**BOT, "WEBEX_NOTIFY_ROOM": ROOM_ID}
    dry = wxc("apply", str(EXAMPLE), "--dry-run", base_url=open_server.base_url, env=env)
    assert dry.returncode == 0, dry.stderr
    (message,) = space(open_server)
    assert message.startswith("## wxc-reconcile apply (dry run)\n\n**Dry run:** 17 steps would be sent")
    assert puts(open_server) == []


def test_a_failed_announcement_is_a_warning_and_the_exit_code_stays(open_server: ServerThread) -> None:
    applied = wxc(
        "apply",
        str(EXAMPLE),
        "--detailed-exitcode",
        "--notify-room",
        "Y2lzY29zcGFyazovL3VzL1JPT00vbm9uZQ",
        base_url=open_server.base_url,
        env=BOT,
    )
    assert applied.returncode == 2, applied.stderr  # changes applied, announced or not
    assert (
        "warning: the apply was not announced in the Webex space: HTTP 404 on POST /messages"
        in applied.stderr
    )
    assert "trackingId WXCR_" in applied.stderr
    assert "Apply: 17 applied, 0 failed, 0 skipped." in applied.stdout


def test_a_bot_token_the_space_refuses_is_a_warning_that_never_shows_it(server: ServerThread) -> None:
    # `server` takes only the apply's token: the bot's is refused with a 401.
    applied = wxc("apply", str(EXAMPLE), "--notify-room", ROOM_ID, base_url=server.base_url, env=BOT)
    assert applied.returncode == 0, applied.stderr
    assert "not announced in the Webex space: HTTP 401" in applied.stderr
    assert BOT_TOKEN not in applied.stdout + applied.stderr


def test_no_bot_token_is_a_usage_error_before_any_request(open_server: ServerThread) -> None:
    refused = wxc("apply", str(EXAMPLE), "--notify-room", ROOM_ID, base_url=open_server.base_url)
    assert refused.returncode == 3
    assert "--notify-room needs the bot's token in WEBEX_NOTIFY_TOKEN; nothing was applied" in refused.stderr
    assert open_server.requests == []
