"""What the commands share: exit codes, consoles, error handling, connection and safety options."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from reconciler.connection import (
    SANDBOX_STATE_FILE,
    ClientLimits,
    ConfigError,
    Connection,
    CredentialNames,
    resolve_base_url,
    resolve_connection,
)
from reconciler.desired.model import InvalidInput
from reconciler.fleet import ORG_ERRORS, OrgError
from reconciler.planfile import PlanFileError, StalePlan
from reconciler.render import github
from reconciler.render.progress import pause_notice
from reconciler.safety import Thresholds, UnsafePlan
from reconciler.webex.pace import PauseCallback

# DESIGN.md's exit codes.
EXIT_OK = 0  # success, nothing to change
EXIT_ERROR = 1  # runtime or API error, or a partly failed apply
EXIT_CHANGES = 2  # changes present (plan --detailed-exitcode) or applied (apply --detailed-exitcode)
EXIT_INVALID = 3  # invalid input: usage, YAML, schema, semantic, org references
EXIT_UNSAFE = 4  # plan refused as unsafe; needs --force
EXIT_STALE = 5  # saved plan is stale

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


# GitHub takes up to 1 MiB of job summary per step, far more than a PR comment.
STEP_SUMMARY_LIMIT = 1_000_000


def to_step_summary(markdown: Callable[[int], str]) -> None:
    """Append markdown (rendered for the summary's size limit) to the job summary, in GitHub Actions."""
    if os.environ.get("GITHUB_STEP_SUMMARY") and not github.append_step_summary(markdown(STEP_SUMMARY_LIMIT)):
        err.print("warning: could not write to $GITHUB_STEP_SUMMARY", style="yellow")


def explain(exc: OrgError, console: Console = err, prefix: str = "") -> int:
    """Say what went wrong, as the user should read it (never a traceback), and return its exit code.

    `prefix` names the org when a run acts in several.
    """
    if isinstance(exc, InvalidInput):
        for error in exc.errors:
            console.print(f"{prefix}{error}", soft_wrap=True, markup=False)
        if in_github_actions():  # so the errors show on the pull request's lines
            github.print_commands(github.annotations(exc.errors))
        console.print(f"{prefix}{len(exc.errors)} error(s); nothing was sent to the org.", style="red")
        return EXIT_INVALID
    if isinstance(exc, ConfigError | PlanFileError):
        console.print(f"{prefix}error: {exc}", soft_wrap=True, markup=False)
        return EXIT_INVALID
    if isinstance(exc, StalePlan):
        console.print(
            f"{prefix}{exc.headline}; nothing was applied:", style="red", markup=False, soft_wrap=True
        )
        for reason in exc.reasons:
            console.print(f"  - {reason}", soft_wrap=True, markup=False)
        console.print("Plan again to see what applying the desired state would do now.", markup=False)
        return EXIT_STALE
    if isinstance(exc, UnsafePlan):
        console.print(f"{prefix}Refusing to apply: {exc}. Nothing was sent.", style="red", soft_wrap=True)
        console.print("Review the plan, then re-run with --force if this is intended.", markup=False)
        return EXIT_UNSAFE
    console.print(f"{prefix}error: {exc}", soft_wrap=True, markup=False)
    return EXIT_ERROR


def handles_user_errors(command: Callable[..., int]) -> Callable[..., int]:
    """Turn input, configuration, plan and API errors into messages and exit codes, never tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return command(*args, **kwargs)
        except ORG_ERRORS as exc:
            return explain(exc)

    return wrapper


@dataclass(frozen=True)
class Connector:
    """The connection flags, made into a Connection when a run needs one: for the one org of the
    flags, or for each org of a project (whose credentials may differ)."""

    sandbox: bool
    token_file: Path | None
    base_url: str | None
    org_id: str | None
    limits: ClientLimits
    # the first connection made for each set of credential variables (see `for_org`)
    _by_names: dict[CredentialNames, Connection] = field(default_factory=dict, compare=False, repr=False)

    @property
    def resolved_base_url(self) -> str:
        return resolve_base_url(self.base_url, self.sandbox)

    def single(self) -> Connection:
        return resolve_connection(
            sandbox=self.sandbox,
            token_file=self.token_file,
            base_url=self.base_url,
            org_id=self.org_id,
            limits=self.limits,
        )

    def for_org(self, key: str, org_id: str | None, credentials: Mapping[str, str]) -> Connection:
        """A project org's connection: its orgId and the credentials its variables name; pauses the
        org asks for are told with its key. Orgs whose variables are the same share one token source,
        so a partner's renewing token is renewed once for all of them, not once per org."""
        if self.org_id:
            raise ConfigError("--org-id / WEBEX_ORG_ID cannot be used with a project: each org names its own")
        shown = self.limits.on_pause
        on_pause = None if shown is None else functools.partial(_keyed_pause, key, shown)
        limits = replace(self.limits, on_pause=on_pause)
        names = CredentialNames.of(credentials)
        first = self._by_names.get(names)
        if first is None:
            first = resolve_connection(
                sandbox=self.sandbox,
                token_file=self.token_file,
                base_url=self.base_url,
                org_id=org_id,
                limits=limits,
                names=names,
            )
            self._by_names[names] = first
        return replace(first, org_id=org_id, limits=limits)


def _keyed_pause(key: str, shown: PauseCallback, asked: float, paused: float, budget: float) -> None:
    err.print(f"{key}: ", end="", markup=False)
    shown(asked, paused, budget)


def stack(command: Callable[..., Any], options: list[Callable[[Any], Any]]) -> Callable[..., int]:
    for option in reversed(options):
        command = option(command)
    return command


def connection_options(command: Callable[..., int]) -> Callable[..., int]:
    """--sandbox, --token-file, --base-url, --org-id, --concurrency, --max-wait and --timeout for
    commands that read the org.

    The command receives them as one `connector` (and `concurrency`); it makes the connection (a
    missing token is a ConfigError) when it knows which org or orgs it acts in.
    """

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        sandbox: bool,
        token_file: Path | None,
        base_url: str | None,
        org_id: str | None,
        max_wait: float,
        timeout: float,
        **kwargs: Any,
    ) -> int:
        limits = ClientLimits(max_wait=max_wait, timeout=timeout, on_pause=pause_notice(err))
        connector = Connector(sandbox, token_file, base_url, org_id, limits)
        return command(*args, connector=connector, **kwargs)

    return stack(
        wrapper,
        [
            click.option(
                "--sandbox",
                is_flag=True,
                help=f"Use the built-in sandbox org (state in ./{SANDBOX_STATE_FILE}).",
            ),
            click.option(
                "--token-file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Read the access token from this file (default: $WEBEX_ACCESS_TOKEN).",
            ),
            click.option("--base-url", envvar="WEBEX_BASE_URL", help="API base URL [env WEBEX_BASE_URL]."),
            click.option(
                "--org-id", envvar="WEBEX_ORG_ID", help="Act in this organization [env WEBEX_ORG_ID]."
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 100),
                default=10,
                show_default=True,
                help="Requests in flight at once.",
            ),
            click.option(
                "--max-wait",
                type=click.FloatRange(0, 7 * 24 * 3600),
                default=1800,
                show_default=True,
                metavar="SECONDS",
                help="The most the whole run may wait for the org's rate limit (Retry-After).",
            ),
            click.option(
                "--timeout",
                type=click.FloatRange(0, 3600, min_open=True),
                default=30,
                show_default=True,
                metavar="SECONDS",
                help="The most one try of one request may take: connecting, headers and the whole answer.",
            ),
        ],
    )


def threshold_options(command: Callable[..., int]) -> Callable[..., int]:
    """--max-changes-pct and --max-changes, given to the command as one `thresholds`."""

    @functools.wraps(command)
    def wrapper(*args: Any, max_changes_pct: float, max_changes: int | None, **kwargs: Any) -> int:
        return command(*args, thresholds=Thresholds(max_changes_pct, max_changes), **kwargs)

    return stack(
        wrapper,
        [
            click.option(
                "--max-changes-pct",
                type=click.FloatRange(0, 100),
                default=30.0,
                show_default=True,
                help="Refuse when more than this share of the managed locations would change "
                "(judged from 10 managed locations up).",
            ),
            click.option(
                "--max-changes",
                type=click.IntRange(0),
                help="Refuse when more than this many locations would change.",
            ),
        ],
    )


paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))


def format_option(*choices: str) -> Callable[[Any], Any]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True)
