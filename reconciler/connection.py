"""Where to send requests and with which credentials: flags, environment, or the built-in sandbox."""

from __future__ import annotations

import codecs
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from reconciler.target import Target
from reconciler.webex.client import DEFAULT_BASE_URL, RetryPolicy, WebexClient
from reconciler.webex.oauth import RefreshGrant, RefreshingToken, StaticToken, TokenSource
from reconciler.webex.pace import PauseCallback
from reconciler.webex.security import base_url_problem, token_problem

SANDBOX_STATE_FILE = ".wxc-sandbox.json"
SANDBOX_BASE_URL = "http://127.0.0.1/v1"  # in-process: requests never leave this process
SANDBOX_TOKEN = "sandbox"  # the sandbox accepts any token; never a real one
ONE_TOKEN = "it must hold the token alone, on one line"


@dataclass(frozen=True)
class ClientLimits:
    """How long a run may wait: for the org's rate limit in all, and for one try of one request."""

    max_wait: float = RetryPolicy().max_wait  # seconds, the whole run (--max-wait)
    timeout: float = 30.0  # seconds, one try as a whole: connecting, headers and the full body (--timeout)
    on_pause: PauseCallback | None = None  # told of each pause the org asks for (progress on a terminal)


class ConfigError(Exception):
    """The connection settings are missing or unusable (a usage error: exit 3)."""


@dataclass(frozen=True)
class CredentialNames:
    """The names of the environment variables the credentials are read from (a project file may name
    others per org); never their values."""

    access_token: str = "WEBEX_ACCESS_TOKEN"
    client_id: str = "WEBEX_CLIENT_ID"
    client_secret: str = "WEBEX_CLIENT_SECRET"
    refresh_token: str = "WEBEX_REFRESH_TOKEN"

    @property
    def refresh(self) -> tuple[str, str, str]:
        """The three an integration's or service app's renewing tokens need, in the grant's order."""
        return (self.client_id, self.client_secret, self.refresh_token)

    @property
    def refresh_words(self) -> str:
        return f"{self.client_id}, {self.client_secret} and {self.refresh_token}"

    @classmethod
    def of(cls, names: Mapping[str, str]) -> CredentialNames:
        """From a project's `credentials` (accessToken, clientId, clientSecret, refreshToken)."""
        default = cls()
        return cls(
            names.get("accessToken", default.access_token),
            names.get("clientId", default.client_id),
            names.get("clientSecret", default.client_secret),
            names.get("refreshToken", default.refresh_token),
        )


@dataclass(frozen=True)
class Connection:
    """Where requests go and the token source that authorizes them. Connections copied from one
    (`dataclasses.replace(connection, org_id=...)`) share its token source, so several orgs on one
    partner's credentials renew their token once for all."""

    base_url: str
    credentials: TokenSource
    org_id: str | None = None
    sandbox_state: Path | None = None  # set when talking to the in-process sandbox org
    limits: ClientLimits = ClientLimits()

    def __repr__(self) -> str:  # never show the token, not even in a debugger or a traceback
        return f"Connection(base_url={self.base_url!r}, org_id={self.org_id!r}, sandbox={self.sandbox})"

    @property
    def token(self) -> str | None:
        """The fixed access token; None when tokens are renewed from a refresh token."""
        return self.credentials.value if isinstance(self.credentials, StaticToken) else None

    @property
    def sandbox(self) -> bool:
        return self.sandbox_state is not None

    @property
    def target(self) -> Target:
        """The org this connection reaches, as a saved plan records it (the token is not part of it)."""
        return Target("sandbox" if self.sandbox else self.base_url, self.org_id)

    def client(self, concurrency: int) -> WebexClient:
        transport: httpx.AsyncBaseTransport | None = None
        if self.sandbox_state is not None:
            # Imported here: the simulator is a separate package the real client never needs.
            from reconciler.sandbox import SandboxOrgs, StateFileError, create_app

            try:  # once here, so that a corrupt state file is a usage error before the first request
                orgs = SandboxOrgs.load(self.sandbox_state)
            except StateFileError as exc:
                raise ConfigError(str(exc)) from None
            transport = httpx.ASGITransport(app=create_app(orgs, state_path=self.sandbox_state))
        return WebexClient(
            self.base_url,
            self.credentials,
            org_id=self.org_id,
            concurrency=concurrency,
            transport=transport,
            timeout=self.limits.timeout,
            retry=RetryPolicy(max_wait=self.limits.max_wait),
            on_pause=self.limits.on_pause,
        )


def resolve_connection(
    *,
    sandbox: bool,
    token_file: Path | None,
    base_url: str | None,
    org_id: str | None,
    limits: ClientLimits = ClientLimits(),
    environ: Mapping[str, str] = os.environ,
    names: CredentialNames = CredentialNames(),
) -> Connection:
    """The connection the flags and environment ask for; flags win over the environment."""
    if sandbox:
        sandbox_token = StaticToken(SANDBOX_TOKEN)
        return Connection(SANDBOX_BASE_URL, sandbox_token, org_id, Path(SANDBOX_STATE_FILE), limits)
    return Connection(
        resolve_base_url(base_url, sandbox, environ),
        resolve_credentials(token_file, environ, names),
        org_id or environ.get("WEBEX_ORG_ID") or None,
        limits=limits,
    )


def resolve_credentials(
    token_file: Path | None, environ: Mapping[str, str], names: CredentialNames = CredentialNames()
) -> TokenSource:
    """The token source: --token-file wins, then a complete client id, secret and refresh token, then the
    access token. A part of the three without the rest is an error naming what is missing."""
    if token_file is not None:
        return StaticToken(read_token(token_file, environ))
    given = {name: environ.get(name, "").strip() for name in names.refresh}
    missing = [name for name, value in given.items() if not value]
    if not missing:
        client_id, client_secret, refresh_token = (checked(given[name], name) for name in names.refresh)
        grant = RefreshGrant(client_id, client_secret, refresh_token, source=names.refresh_words)
        return RefreshingToken(grant)
    if len(missing) < len(given):
        present = [name for name in names.refresh if name not in missing]
        raise ConfigError(
            f"{' and '.join(present)} {'is' if len(present) == 1 else 'are'} set but "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not: tokens that renew "
            f"themselves need all of {names.refresh_words} (or unset them and give {names.access_token})"
        )
    if not environ.get(names.access_token, "").strip():
        raise ConfigError(
            f"no access token: set {names.access_token}, or {names.refresh_words} for tokens that renew "
            "themselves, or pass --token-file FILE (or use --sandbox to try the built-in sandbox org)"
        )
    return StaticToken(read_token(None, environ, names.access_token))


def resolve_base_url(given: str | None, sandbox: bool, environ: Mapping[str, str] = os.environ) -> str:
    """The API's base URL the flags and environment ask for, if a token may go there: https, or plain
    http to this machine only."""
    if sandbox:
        return SANDBOX_BASE_URL
    base_url = given or environ.get("WEBEX_BASE_URL") or DEFAULT_BASE_URL
    problem = base_url_problem(base_url)
    if problem:
        raise ConfigError(f"the base URL (--base-url / WEBEX_BASE_URL) is unusable: {problem}")
    return base_url


def read_token(
    token_file: Path | None = None,
    environ: Mapping[str, str] = os.environ,
    variable: str = "WEBEX_ACCESS_TOKEN",
) -> str:
    """The access token: from `token_file` when given, else $`variable`; ConfigError if none.

    Whitespace around it (a file's last newline) is dropped, a UTF-8 byte order mark too; what is left
    must be one header-safe word (see `checked`).
    """
    if token_file is not None:
        where = f"the token file {token_file}"
        try:
            raw = token_file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {where}: {exc.strerror}") from None
        token = raw.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="replace").strip()
        if not token:
            raise ConfigError(f"{where} is empty")
    else:
        where = variable
        token = environ.get(variable, "").strip()
        if not token:
            raise ConfigError(
                f"no access token: set {variable} or pass --token-file FILE "
                "(or use --sandbox to try the built-in sandbox org)"
            )
    return checked(token, where, "an access token", ONE_TOKEN)


def checked(
    value: str,
    where: str,
    what: str = "a credential",
    rule: str = "it must hold the value alone, on one line",
) -> str:
    """`value`, if it is one header-safe word (see `token_problem`): checked here rather than by the HTTP
    library, whose refusal is a traceback that may quote it. Else a ConfigError naming `where` only."""
    problem = token_problem(value)
    if problem is not None:
        # Never the value nor any part of it: only what kind of character is wrong.
        raise ConfigError(f"{where} holds {problem}, which {what} cannot have; {rule}")
    return value
