"""Running the installed `wxc-reconcile` as a user would, for the end-to-end tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from reconciler.sandbox import ServerThread, webex_id

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "locations.yaml"
TOKEN = "e2e-secret-token-0123456789abcdefghijklmnopqrstuvwxyz"
CLI = shutil.which("wxc-reconcile", path=str(Path(sys.executable).parent)) or shutil.which("wxc-reconcile")


def loc_id(name: str) -> str:
    return webex_id("LOCATION", name)


def wxc(
    *args: str,
    base_url: str | None = None,
    cwd: Path | None = None,
    token: str | None = TOKEN,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the CLI with a clean Webex/GitHub environment (`token` None: no WEBEX_ACCESS_TOKEN at all);
    fails the test if the token shows anywhere, or if the run takes more than `timeout` seconds."""
    assert CLI, "the wxc-reconcile console script is not installed (pip install -e '.[test]')"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "GITHUB_"))}
    environ.update(
        {"NO_COLOR": "1", **({} if token is None else {"WEBEX_ACCESS_TOKEN": token}), **(env or {})}
    )
    if base_url is not None:
        environ["WEBEX_BASE_URL"] = base_url
    result = subprocess.run(
        [CLI, *args], capture_output=True, text=True, env=environ, cwd=cwd, timeout=timeout, check=False
    )
    assert TOKEN not in result.stdout + result.stderr
    return result


def puts(server: ServerThread) -> list[tuple[str, object]]:
    return [(r.path, r.body) for r in server.requests if r.method == "PUT"]


def writes(server: ServerThread) -> list[tuple[str, object]]:
    """Every request that may change the org (a PUT, an action's POST), in the order sent."""
    return [(r.path, r.body) for r in server.requests if r.method != "GET"]


def gets(server: ServerThread) -> list[str]:
    return [r.path for r in server.requests if r.method == "GET"]
