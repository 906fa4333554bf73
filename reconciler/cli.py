"""The command line: argument handling and exit codes only; the work is in `manager`.

Exit codes (DESIGN.md): 0 success, nothing to change; 1 runtime or API error, or a partly failed
apply; 2 changes present (`plan --detailed-exitcode`); 3 invalid input (usage, YAML, schema, semantic).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from reconciler import __version__, manager
from reconciler.apply import StepResult
from reconciler.connection import SANDBOX_STATE_FILE, ConfigError, Connection, resolve_connection
from reconciler.desired.model import InvalidInput
from reconciler.plan import Plan
from reconciler.render.json import plan_json, report_json
from reconciler.render.progress import progress
from reconciler.render.text import render_plan, report_line, report_summary
from reconciler.webex.errors import WebexError

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_INVALID = 0, 1, 2, 3

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
T = TypeVar("T")


def main() -> None:
    """Console-script entry point: maps every outcome to DESIGN.md's exit codes."""
    try:
        code = cli.main(prog_name="wxc-reconcile", standalone_mode=False)
    except click.UsageError as exc:  # click would exit 2, which here means "changes present"
        exc.show()
        code = EXIT_INVALID
    except click.ClickException as exc:
        exc.show()
        code = EXIT_INVALID
    except click.Abort:
        err.print("Aborted.")
        code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def handles_user_errors(command: Callable[..., int]) -> Callable[..., int]:
    """Turn input, configuration and API errors into messages and exit codes, never tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return command(*args, **kwargs)
        except InvalidInput as exc:
            for error in exc.errors:
                err.print(str(error), soft_wrap=True, markup=False)
            err.print(f"{len(exc.errors)} error(s); nothing was sent to the org.", style="red")
            return EXIT_INVALID
        except ConfigError as exc:
            err.print(f"error: {exc}", soft_wrap=True, markup=False)
            return EXIT_INVALID
        except WebexError as exc:
            err.print(f"error: {exc}", soft_wrap=True, markup=False)
            return EXIT_ERROR

    return wrapper


def connection_options(command: Callable[..., int]) -> Callable[..., int]:
    """--sandbox, --token-file, --base-url, --org-id, --concurrency for commands that read the org.

    The command receives them as one `connection` (and `concurrency`); a missing token is a ConfigError,
    so `handles_user_errors` must stand above this decorator.
    """

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        sandbox: bool,
        token_file: Path | None,
        base_url: str | None,
        org_id: str | None,
        **kwargs: Any,
    ) -> int:
        connection = resolve_connection(
            sandbox=sandbox, token_file=token_file, base_url=base_url, org_id=org_id
        )
        return command(*args, connection=connection, **kwargs)

    options = [
        click.option(
            "--sandbox", is_flag=True, help=f"Use the built-in sandbox org (state in ./{SANDBOX_STATE_FILE})."
        ),
        click.option(
            "--token-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Read the access token from this file (default: $WEBEX_ACCESS_TOKEN).",
        ),
        click.option("--base-url", envvar="WEBEX_BASE_URL", help="API base URL [env WEBEX_BASE_URL]."),
        click.option("--org-id", envvar="WEBEX_ORG_ID", help="Act in this organization [env WEBEX_ORG_ID]."),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 100),
            default=10,
            show_default=True,
            help="Requests in flight at once.",
        ),
    ]
    decorated: Callable[..., int] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wxc-reconcile")
def cli() -> None:
    """Declarative GitOps reconciler for Webex Calling locations."""


@cli.command()
@paths_argument
@handles_user_errors
def validate(paths: tuple[Path, ...]) -> int:
    """Check desired-state files offline; report every error as file:line:col."""
    desired = manager.validate(paths)
    out.print(f"Valid: {len(desired.locations)} locations in {len(desired.files)} file(s).", markup=False)
    return EXIT_OK


@cli.command()
@paths_argument
@handles_user_errors
@connection_options
@format_option
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
def plan(
    paths: tuple[Path, ...], connection: Connection, concurrency: int, fmt: str, detailed_exitcode: bool
) -> int:
    """Read the org and show the changes that apply would make. Changes nothing."""
    with progress(err, "Reading locations") as tick:
        the_plan = _run(manager.plan(paths, connection, concurrency, on_location=tick))
    if fmt == "json":
        print(plan_json(the_plan))
    else:
        render_plan(the_plan, out)
    return EXIT_CHANGES if detailed_exitcode and the_plan.steps else EXIT_OK


@cli.command()
@paths_argument
@handles_user_errors
@connection_options
@format_option
@click.option("--dry-run", is_flag=True, help="Go through every step but send no PUT.")
def apply(paths: tuple[Path, ...], connection: Connection, concurrency: int, fmt: str, dry_run: bool) -> int:
    """Plan, then make the changes: PSTN connection first, then location details, per location."""
    text = fmt == "text"

    def show_plan(the_plan: Plan) -> None:
        if text and the_plan.steps:  # with no steps the report's summary says it all
            render_plan(the_plan, out)
            out.print()

    def show_step(result: StepResult) -> None:
        if text:
            out.print(report_line(result), soft_wrap=True)

    with progress(err, "Reading locations") as tick:
        report = _run(
            manager.apply(
                paths,
                connection,
                concurrency,
                dry_run=dry_run,
                on_plan=show_plan,
                on_location=tick,
                on_step=show_step,
            )
        )
    if text:
        out.print(report_summary(report), soft_wrap=True)
    else:
        print(report_json(report))
    return EXIT_ERROR if report.failed else EXIT_OK


@cli.group()
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
