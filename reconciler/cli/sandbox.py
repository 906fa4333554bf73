from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reconciler.cli.common import EXIT_OK, err, handles_user_errors, out, run
from reconciler.connection import SANDBOX_STATE_FILE, ConfigError, read_token
from reconciler.shipped import data_file

if TYPE_CHECKING:  # the simulator is imported by the commands that use it only
    from reconciler.sandbox import SandboxOrgs

_SHARE = click.FloatRange(0.0, 1.0)
_COUNT = click.IntRange(min=0)


def _rate_window(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """`--rate-window 300/60` as a RateWindow (None: no window)."""
    if value is None:
        return None
    from reconciler.sandbox.settings import RateWindow

    try:
        return RateWindow.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _regexes(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse a --fail-path that is not a regular expression now, not at the first request."""
    for value in values:
        try:
            re.compile(value)
        except re.error as exc:
            raise click.BadParameter(f"{value!r} is not a regular expression ({exc})") from None
    return values


# The fault-injection switches of SandboxSettings, off by default; the parameter names are its fields'.
_FAULT_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--job-seconds",
        type=click.FloatRange(min=0.0),
        default=1.0,
        show_default=True,
        help="How long a routing-prefix job runs.",
    ),
    click.option(
        "--rate-limit",
        "rate_limit_per_second",
        type=click.FloatRange(min=0.0, min_open=True),
        help="Requests per second per org (burst as many) before answering 429.",
    ),
    click.option(
        "--rate-window",
        "rate_limit_window",
        metavar="N/SECONDS",
        callback=_rate_window,
        help="At most N requests per org in any SECONDS, e.g. 300/60; the 429's Retry-After: the seconds "
        "until one is free.",
    ),
    click.option(
        "--retry-after",
        metavar="TEXT",
        help="Exact Retry-After text of the 429s, e.g. 'rand(30),add(30)' or an HTTP date "
        "(default: whole seconds).",
    ),
    click.option(
        "--fail-rate",
        type=_SHARE,
        default=0.0,
        help="Share (0 to 1) of requests answering 500/502/503/504, before changing anything.",
    ),
    click.option(
        "--drop-rate",
        type=_SHARE,
        default=0.0,
        help="Share (0 to 1) of requests whose connection is closed without an answer.",
    ),
    click.option(
        "--fail-path",
        "fail_paths",
        multiple=True,
        metavar="REGEX",
        callback=_regexes,
        help="Limit --fail-rate and --drop-rate to URL paths matching this (repeatable).",
    ),
    click.option(
        "--latency-ms",
        type=click.FloatRange(min=0.0),
        default=0.0,
        help="Delay every answer this long, without holding up other requests.",
    ),
    click.option(
        "--latency-jitter-ms",
        type=click.FloatRange(min=0.0),
        default=0.0,
        help="Vary the delay by up to this much either way.",
    ),
    click.option("--seed", type=int, help="Seed of the random faults, to repeat a run exactly."),
    click.option(
        "--prefix-conflicts",
        type=_COUNT,
        default=0,
        help="The next N routing-prefix changes answer 409 (another job in progress).",
    ),
    click.option(
        "--prefix-not-triggered",
        type=_COUNT,
        default=0,
        help="The next N answer 206: other fields change, the prefix does not, no job.",
    ),
    click.option(
        "--failing-jobs",
        type=_COUNT,
        default=0,
        help="The next N start a job that fails; the old prefix comes back.",
    ),
    click.option(
        "--jobs-with-errors",
        type=_COUNT,
        default=0,
        help="The next N start a job that ends COMPLETED_WITH_ERRORS.",
    ),
]


# The token endpoint's integration and lifetimes (TokenSettings); the defaults are the sandbox's own.
_TOKEN_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--token-lifetime",
        type=click.IntRange(min=1),
        default=1_209_600,
        show_default=True,
        metavar="SECONDS",
        help="How long the access tokens of POST /v1/access_token last; then they answer 401.",
    ),
    click.option(
        "--client-id",
        default="sandbox-client",
        show_default=True,
        help="The client id the token endpoint takes.",
    ),
    click.option(
        "--client-secret",
        default="sandbox-secret",
        show_default=True,
        help="The client secret it takes (a made-up one: never give a real secret here).",
    ),
    click.option(
        "--refresh-token",
        default="sandbox-refresh",
        show_default=True,
        help="The refresh token it takes first.",
    ),
    click.option(
        "--rotate-refresh-tokens",
        is_flag=True,
        help="Answer every renewal with a new refresh token, and refuse the one it replaces.",
    ),
]


def _options(options: list[Callable[[Any], Any]]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@click.group()
def sandbox() -> None:
    """The built-in simulated Webex Calling org (or a partner's orgs: `sandbox partner`)."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=SANDBOX_STATE_FILE,
    show_default=True,
    help="State file, shared with --sandbox.",
)
@click.option(
    "--require-token",
    is_flag=True,
    help="Accept only the token in $WEBEX_ACCESS_TOKEN (and those of the token endpoint).",
)
@_options(_TOKEN_OPTIONS)
@_options(_FAULT_OPTIONS)
@handles_user_errors
def serve(
    host: str,
    port: int,
    state: Path,
    require_token: bool,
    token_lifetime: int,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    rotate_refresh_tokens: bool,
    **faults: Any,
) -> int:
    """Serve the sandbox org over HTTP (base URL http://HOST:PORT/v1).

    Its token endpoint, POST /v1/access_token, trades the refresh token below for access tokens.
    Faults are off unless switched on below; the routing-prefix counters apply in the order listed.
    """
    from reconciler.sandbox import SandboxOrgs, SandboxSettings, StateFileError
    from reconciler.sandbox.endpoints.access_token import Integration, TokenSettings
    from reconciler.sandbox.faults import describe
    from reconciler.sandbox.server import serve as serve_org

    token = None
    if require_token:
        token = read_token()
    try:  # here, so that a corrupt state file is a usage error, not a crash of the server's start
        orgs = SandboxOrgs.load(state)
    except StateFileError as exc:
        raise ConfigError(str(exc)) from None
    settings = SandboxSettings(**faults)
    integration = Integration(client_id, client_secret, refresh_token)
    tokens = TokenSettings((integration,), token_lifetime, rotate_refresh_tokens)
    names = ", ".join(org.name for org in orgs.orgs.values())
    err.print(f"Sandbox at http://{host}:{port}/v1: {names} (state in {state})", markup=False, soft_wrap=True)
    if len(orgs.orgs) > 1:
        for org in orgs.orgs.values():
            err.print(f"  orgId={org.id}  {org.name}", markup=False, soft_wrap=True)
    err.print(f"Routing-prefix jobs take {settings.job_seconds:g} s.", markup=False)
    err.print(
        f"Token endpoint: POST /v1/access_token for client {client_id!r}; access tokens last "
        f"{token_lifetime} s" + (", refresh tokens rotate." if rotate_refresh_tokens else "."),
        markup=False,
        soft_wrap=True,
    )
    err.print("Faults: " + ("; ".join(describe(settings)) or "none"), markup=False, soft_wrap=True)
    serve_org(host, port, state, token, settings, tokens)
    return EXIT_OK


@sandbox.command()
@click.option(
    "--state", type=click.Path(dir_okay=False, path_type=Path), default=SANDBOX_STATE_FILE, show_default=True
)
@handles_user_errors
def reset(state: Path) -> int:
    """Start the sandbox org afresh from its seed (the partner example's orgs from theirs)."""
    from reconciler.sandbox import StateFile, StateFileError

    seed = _seed_of(state)
    try:  # under the state's lock, so that a process using the org meanwhile sees the reset
        run(StateFile(state).replace(seed))
    except StateFileError as exc:
        raise ConfigError(str(exc)) from None
    names = ", ".join(org.name for org in seed.orgs.values())
    out.print(f"Sandbox {'orgs' if len(seed.orgs) > 1 else 'org'} reset: {names} ({state}).", markup=False)
    return EXIT_OK


def _seed_of(state: Path) -> SandboxOrgs:
    """What `state` started as: the partner example when it holds that example's orgs, else the
    built-in org (also for a state that is missing or unusable)."""
    from reconciler.sandbox import SandboxOrgs, StateFileError

    partner = SandboxOrgs.partner()
    try:
        current = SandboxOrgs.load(state)
    except StateFileError:
        return SandboxOrgs.seed()
    return partner if current.orgs.keys() == partner.orgs.keys() else SandboxOrgs.seed()


# The partner example sits two directories below the repo's root (examples/partner/), its files'
# `$schema` lines point there; written out as a config repo of its own, they point into its schemas/.
_EXAMPLE_DEPTH = "../../"
_SCHEMAS = ("locations.schema.json", "project.schema.json")
PROJECT_FILE = "wxc-reconcile.yaml"


def _partner_files() -> dict[Path, str]:
    """The partner example's files as a config repo has them, by path relative to its root."""
    example = data_file("partner")
    written = {
        path.relative_to(example): path.read_text(encoding="utf-8").replace(
            f"$schema={_EXAMPLE_DEPTH}", "$schema="
        )
        for path in sorted(example.rglob("*.yaml"))
    }
    for name in _SCHEMAS:
        schema = data_file(name)
        if schema.is_file():  # the project schema ships once the project file is supported
            written[Path("schemas") / name] = schema.read_text(encoding="utf-8")
    return written


@sandbox.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite the example's files where DIRECTORY has them.")
@handles_user_errors
def partner(directory: Path, force: bool) -> int:
    """Write a partner's config repo of two customer orgs into DIRECTORY, with a sandbox of both.

    The project file, each org's desired state (drifted from the sandbox, so the first plan shows
    changes in both orgs) and the sandbox's state file; nothing is overwritten without --force.
    """
    from reconciler.sandbox import SandboxOrgs, StateFile, StateFileError

    files = _partner_files()
    state = directory / SANDBOX_STATE_FILE
    there = [str(rel) for rel in [*files, Path(SANDBOX_STATE_FILE)] if (directory / rel).exists()]
    if there and not force:
        raise ConfigError(
            f"{directory} already has {', '.join(there)}; nothing was written (--force overwrites them)"
        )
    orgs = SandboxOrgs.partner()
    try:
        for rel, text in files.items():
            (directory / rel).parent.mkdir(parents=True, exist_ok=True)
            (directory / rel).write_text(text, encoding="utf-8")
        run(StateFile(state).replace(orgs))  # under its lock, as `sandbox reset`
    except StateFileError as exc:
        raise ConfigError(str(exc)) from None
    except OSError as exc:
        raise ConfigError(f"cannot write the partner example into {directory}: {exc.strerror}") from None
    out.print(f"Wrote a partner's config repo of {len(orgs.orgs)} orgs into {directory}:", markup=False)
    for rel in [*files, Path(SANDBOX_STATE_FILE)]:
        out.print(f"  {rel}", markup=False)
    out.print("Plan every org of its project against the sandbox, from that directory:", markup=False)
    out.print("  wxc-reconcile plan --sandbox", markup=False)
    return EXIT_OK
