import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from clirun import EXAMPLE, wxc

from reconciler.cli import cli
from reconciler.cli.common import EXIT_INVALID
from reconciler.connection import (
    SANDBOX_TOKEN,
    ConfigError,
    Connection,
    CredentialNames,
    resolve_connection,
)
from reconciler.sandbox import ServerThread
from reconciler.webex.oauth import RefreshingToken, StaticToken

TOKEN = "a-real-looking-token-0123456789"


def resolve(environ: dict[str, str], **flags: Any) -> Connection:
    options: dict[str, Any] = {"sandbox": False, "token_file": None, "base_url": None, "org_id": None}
    options.update(flags)
    return resolve_connection(environ=environ, **options)


def test_environment_gives_token_base_url_and_org() -> None:
    conn = resolve({"WEBEX_ACCESS_TOKEN": TOKEN, "WEBEX_BASE_URL": "https://x/v1", "WEBEX_ORG_ID": "O"})
    assert (conn.token, conn.base_url, conn.org_id) == (TOKEN, "https://x/v1", "O")


def test_defaults_to_the_public_api() -> None:
    assert resolve({"WEBEX_ACCESS_TOKEN": TOKEN}).base_url == "https://webexapis.com/v1"


def test_flags_win_over_the_environment(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(f"  {TOKEN}-file\n")
    conn = resolve({"WEBEX_ACCESS_TOKEN": TOKEN, "WEBEX_ORG_ID": "O"}, token_file=token_file, org_id="P")
    assert conn.token == f"{TOKEN}-file" and conn.org_id == "P"


def test_missing_token_says_how_to_give_one() -> None:
    with pytest.raises(ConfigError, match=r"WEBEX_ACCESS_TOKEN.*--token-file"):
        resolve({})


def test_unreadable_or_empty_token_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the token file"):
        resolve({}, token_file=tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        resolve({}, token_file=empty)


def test_sandbox_needs_no_token_and_never_uses_a_real_one() -> None:
    conn = resolve({"WEBEX_ACCESS_TOKEN": TOKEN}, sandbox=True)
    assert conn.token == SANDBOX_TOKEN and conn.sandbox


def test_repr_never_shows_the_token() -> None:
    assert TOKEN not in repr(resolve({"WEBEX_ACCESS_TOKEN": TOKEN}))


# --- where the token may be sent -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "https://webexapis.com/v1",
        "https://proxy.example.com:8443/webex/v1",
        "http://127.0.0.1:8080/v1",
        "http://127.200.3.4/v1",
        "http://localhost:8080/v1",
        "http://[::1]:8080/v1",
    ],
)
def test_https_or_plain_http_to_loopback_is_accepted(base_url: str) -> None:
    assert resolve({"WEBEX_ACCESS_TOKEN": TOKEN}, base_url=base_url).base_url == base_url
    assert resolve({"WEBEX_ACCESS_TOKEN": TOKEN, "WEBEX_BASE_URL": base_url}).base_url == base_url


@pytest.mark.parametrize(
    "base_url",
    [
        "http://webexapis.com/v1",
        "http://192.168.1.10:8080/v1",
        "http://[::2]/v1",
        "http://localhost.evil.com/v1",
    ],
)
def test_plain_http_off_this_machine_is_refused(base_url: str) -> None:
    with pytest.raises(ConfigError, match=r"plain http would send the token unencrypted.*use https"):
        resolve({"WEBEX_ACCESS_TOKEN": TOKEN}, base_url=base_url)
    with pytest.raises(ConfigError, match="plain http"):
        resolve({"WEBEX_ACCESS_TOKEN": TOKEN, "WEBEX_BASE_URL": base_url})


@pytest.mark.parametrize(
    ("base_url", "problem", "secret"),
    [
        ("https://admin:s3cr3t-pw@webexapis.com/v1", "must not carry credentials", "s3cr3t-pw"),
        ("https://webexapis.com/v1?access_token=qs-secret", "must not carry a query", "qs-secret"),
        ("https://webexapis.com/v1#frag-secret", "must not carry a query or fragment", "frag-secret"),
        ("ftp://webexapis.com/v1", "not an absolute https:// URL", None),
        ("webexapis.com/v1", "not an absolute https:// URL", None),
        ("https://", "not an absolute https:// URL", None),
    ],
)
def test_a_base_url_with_credentials_a_query_or_no_https_is_refused(
    base_url: str, problem: str, secret: str | None
) -> None:
    with pytest.raises(ConfigError) as info:
        resolve({"WEBEX_ACCESS_TOKEN": TOKEN}, base_url=base_url)
    message = str(info.value)
    assert problem in message
    assert "base URL" in message
    if secret:
        assert secret not in message  # the refusal does not repeat what it refuses to use


def test_a_refused_base_url_is_a_usage_error_exit_3(tmp_path: Path) -> None:
    desired = tmp_path / "d.yaml"
    desired.write_text("version: 1\nlocations:\n  - name: Denver\n    outsideDialDigit: '9'\n")
    result = CliRunner().invoke(
        cli,
        ["plan", str(desired), "--base-url", "http://webexapis.com/v1"],
        env={"WEBEX_ACCESS_TOKEN": TOKEN, "NO_COLOR": "1"},
        standalone_mode=False,  # as `main` runs it: the command's return value is the exit code
    )
    assert result.return_value == EXIT_INVALID == 3
    assert "plain http would send the token unencrypted" in result.output
    assert TOKEN not in result.output


def test_the_sandbox_is_plain_http_to_loopback_in_process() -> None:
    conn = resolve({}, sandbox=True)
    assert conn.base_url == "http://127.0.0.1/v1"
    client = conn.client(concurrency=1)
    assert TOKEN not in repr(client)
    asyncio.run(client.aclose())


# --- what a token may hold -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (f"{TOKEN}\nsecond-line-secret\n".encode(), "a line break"),
        (f"{TOKEN}\r\nsecond-line-secret".encode(), "a line break"),
        (f"{TOKEN}-sécret".encode(), "a non-ASCII character"),
        (f"{TOKEN}-secr\N{NO-BREAK SPACE}et".encode(), "a non-ASCII character"),
        (TOKEN.encode() + b"-\xff\xfe-secret", "a non-ASCII character"),  # not UTF-8 at all
        (f"{TOKEN} secret-word".encode(), "a space or tab"),
        (f"{TOKEN}\tsecret-word".encode(), "a space or tab"),
        (f"{TOKEN}\x00secret".encode(), "a control character"),
        (f"{TOKEN}\x7fsecret".encode(), "a control character"),
    ],
)
def test_a_token_file_with_what_no_header_can_carry_is_refused_without_showing_it(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    token_file = tmp_path / "token"
    token_file.write_bytes(content)

    with pytest.raises(ConfigError) as info:
        resolve({}, token_file=token_file)

    message = str(info.value)
    assert message == (
        f"the token file {token_file} holds {problem}, which an access token cannot have; "
        "it must hold the token alone, on one line"
    )
    assert TOKEN not in message and "secr" not in message


@pytest.mark.parametrize(
    ("value", "problem"),
    [(f"{TOKEN}\nsecret", "a line break"), (f"{TOKEN}-sécret", "a non-ASCII character")],
)
def test_the_token_variable_is_held_to_the_same_rule(value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=f"^WEBEX_ACCESS_TOKEN holds {problem}, which") as info:
        resolve({"WEBEX_ACCESS_TOKEN": value})
    assert TOKEN not in str(info.value)


def test_a_byte_order_mark_and_surrounding_whitespace_are_not_part_of_the_token(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_bytes(b"\xef\xbb\xbf  " + TOKEN.encode() + b"\r\n")  # as Windows Notepad saves it
    assert resolve({}, token_file=token_file).token == TOKEN


def test_the_installed_cli_refuses_such_a_token_with_exit_3_before_any_request(
    tmp_path: Path, server: ServerThread
) -> None:
    token_file = tmp_path / "token"
    token_file.write_bytes(f"{TOKEN}\nline-two-secret\n".encode())

    from_file = wxc("plan", str(EXAMPLE), "--token-file", str(token_file), base_url=server.base_url)
    from_env = wxc("plan", str(EXAMPLE), base_url=server.base_url, token=f"{TOKEN}-sécret")

    assert (from_file.returncode, from_env.returncode) == (EXIT_INVALID, EXIT_INVALID)
    assert f"error: the token file {token_file} holds a line break" in from_file.stderr
    assert "error: WEBEX_ACCESS_TOKEN holds a non-ASCII character" in from_env.stderr
    for result in (from_file, from_env):
        output = result.stdout + result.stderr
        assert "Traceback" not in output
        assert TOKEN not in output and "secret" not in output and "sécret" not in output
    assert server.requests == []


# --- tokens that renew themselves ----------------------------------------------------------------------

SECRET, REFRESH = "client-secret-0123456789", "refresh-token-0123456789"
TRIPLE = {"WEBEX_CLIENT_ID": "client-id", "WEBEX_CLIENT_SECRET": SECRET, "WEBEX_REFRESH_TOKEN": REFRESH}


def test_a_complete_refresh_triple_gives_a_renewing_token_source() -> None:
    conn = resolve(TRIPLE)
    assert isinstance(conn.credentials, RefreshingToken) and conn.token is None
    for text in (repr(conn), repr(conn.credentials)):
        assert SECRET not in text and REFRESH not in text
    assert SECRET in conn.credentials.secrets and REFRESH in conn.credentials.secrets


def test_the_refresh_triple_wins_over_the_access_token_and_the_token_file_over_both(tmp_path: Path) -> None:
    assert isinstance(resolve({**TRIPLE, "WEBEX_ACCESS_TOKEN": TOKEN}).credentials, RefreshingToken)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    conn = resolve({**TRIPLE, "WEBEX_ACCESS_TOKEN": "other"}, token_file=token_file)
    assert isinstance(conn.credentials, StaticToken) and conn.token == TOKEN


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"WEBEX_CLIENT_ID": "client-id"},
            "WEBEX_CLIENT_ID is set but WEBEX_CLIENT_SECRET and WEBEX_REFRESH_TOKEN are not",
        ),
        (
            {"WEBEX_CLIENT_ID": "client-id", "WEBEX_CLIENT_SECRET": SECRET, "WEBEX_REFRESH_TOKEN": " "},
            "WEBEX_CLIENT_ID and WEBEX_CLIENT_SECRET are set but WEBEX_REFRESH_TOKEN is not",
        ),
        ({"WEBEX_REFRESH_TOKEN": REFRESH}, "WEBEX_REFRESH_TOKEN is set but WEBEX_CLIENT_ID and"),
    ],
)
def test_a_partial_triple_names_what_is_missing_and_never_a_value(
    given: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        resolve({**given, "WEBEX_ACCESS_TOKEN": TOKEN})  # an access token does not paper over it
    text = str(info.value)
    assert text.startswith(message)
    assert "(or unset them and give WEBEX_ACCESS_TOKEN)" in text
    assert SECRET not in text and REFRESH not in text and TOKEN not in text


def test_without_any_credential_both_ways_are_named() -> None:
    with pytest.raises(ConfigError) as info:
        resolve({})
    assert "set WEBEX_ACCESS_TOKEN, or WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET and WEBEX_REFRESH_TOKEN" in str(
        info.value
    )


@pytest.mark.parametrize("name", ["WEBEX_CLIENT_ID", "WEBEX_CLIENT_SECRET", "WEBEX_REFRESH_TOKEN"])
def test_each_of_the_triple_is_held_to_the_token_rule(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve({**TRIPLE, name: f"{TRIPLE[name]}\nsecond-line-secret"})
    assert str(info.value) == (
        f"{name} holds a line break, which a credential cannot have; "
        "it must hold the value alone, on one line"
    )
    assert "second-line-secret" not in str(info.value) and SECRET not in str(info.value)


def test_per_org_variable_names_are_read_instead() -> None:
    names = CredentialNames("ACME_TOKEN", "ACME_CLIENT_ID", "ACME_CLIENT_SECRET", "ACME_REFRESH_TOKEN")
    acme = {"ACME_CLIENT_ID": "acme", "ACME_CLIENT_SECRET": SECRET, "ACME_REFRESH_TOKEN": REFRESH}
    assert isinstance(resolve({**acme, **TRIPLE}, names=names).credentials, RefreshingToken)
    assert resolve({"ACME_TOKEN": TOKEN, **TRIPLE}, names=names).token == TOKEN  # the defaults unread
    with pytest.raises(ConfigError, match=r"^ACME_CLIENT_ID is set but ACME_CLIENT_SECRET and ACME_REFRESH"):
        resolve({"ACME_CLIENT_ID": "acme", **TRIPLE}, names=names)
    with pytest.raises(ConfigError, match="no access token: set ACME_TOKEN, or ACME_CLIENT_ID"):
        resolve({"WEBEX_ACCESS_TOKEN": TOKEN}, names=names)
    with pytest.raises(ConfigError, match=r"^ACME_TOKEN holds a space or tab"):
        resolve({"ACME_TOKEN": "two words"}, names=names)


def test_copies_of_a_connection_for_other_orgs_share_its_token_source() -> None:
    conn = resolve(TRIPLE)
    other = dataclasses.replace(conn, org_id="another-org")
    assert other.credentials is conn.credentials
