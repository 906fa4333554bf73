from pathlib import Path
from typing import Any

import pytest

from reconciler.connection import SANDBOX_TOKEN, ConfigError, Connection, resolve_connection

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
