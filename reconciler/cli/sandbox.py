from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import EXIT_OK, err, handles_user_errors, out
from reconciler.connection import SANDBOX_STATE_FILE, resolve_connection


@click.group()
def sandbox() -> None:
    """The built-in simulated Webex Calling org."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8080, show_default=True)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=SANDBOX_STATE_FILE,
    show_default=True,
    help="State file, shared with --sandbox.",
)
@click.option("--require-token", is_flag=True, help="Accept only the token in $WEBEX_ACCESS_TOKEN.")
@handles_user_errors
def serve(host: str, port: int, state: Path, require_token: bool) -> int:
    """Serve the sandbox org over HTTP (base URL http://HOST:PORT/v1)."""
    from reconciler.sandbox import SandboxSettings
    from reconciler.sandbox.server import serve as serve_org

    token = None
    if require_token:
        token = resolve_connection(sandbox=False, token_file=None, base_url=None, org_id=None).token
    err.print(f"Sandbox org at http://{host}:{port}/v1 (state in {state})", markup=False)
    serve_org(host, port, state, token, SandboxSettings())
    return EXIT_OK


@sandbox.command()
@click.option(
    "--state", type=click.Path(dir_okay=False, path_type=Path), default=SANDBOX_STATE_FILE, show_default=True
)
def reset(state: Path) -> int:
    """Start the sandbox org afresh from its seed."""
    from reconciler.sandbox import SandboxOrg

    SandboxOrg.seed().save(state)
    out.print(f"Sandbox org reset ({state}).", markup=False)
    return EXIT_OK
