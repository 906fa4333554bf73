"""Running the installed `wxc-reconcile` as a user would, for the end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

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


@dataclass
class Served:
    """A `wxc-reconcile sandbox serve` process: its base URL, and once it has ended all it printed
    (uvicorn's access log among it)."""

    base_url: str
    output: str = ""


@contextlib.contextmanager
def sandbox_serve(*options: str, startup_timeout: float = 30) -> Iterator[Served]:
    """`wxc-reconcile sandbox serve` on a free port of 127.0.0.1 with `options`, until the block ends.

    Its output goes to a file, not a pipe: a pipe nobody reads while the server runs would fill, and
    the server would block on its next log line."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert CLI
    served = Served(f"http://127.0.0.1:{port}/v1")
    with tempfile.TemporaryFile("w+") as output:
        serving = subprocess.Popen(
            [CLI, "sandbox", "serve", "--port", str(port), *options],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                try:
                    httpx.get(f"{served.base_url}/locations", timeout=1)
                    break
                except httpx.TransportError:
                    assert serving.poll() is None, "sandbox serve ended"
                    assert time.monotonic() < deadline, "sandbox serve did not start"
                    time.sleep(0.05)
            yield served
        finally:
            serving.terminate()
            serving.wait(timeout=10)
            output.seek(0)
            served.output = output.read()
