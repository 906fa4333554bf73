"""Where the client's bearer token comes from: a fixed access token, or one renewed from a refresh token.

Webex integrations and service apps trade a refresh token (with their client id and secret) for an access
token at `POST {base_url}/access_token` (form-encoded, `grant_type=refresh_token`). `RefreshingToken` does
that trade when the first request needs a token, again shortly before the token expires, and at most once
more for a request the API answered 401. The tokens live in this object only: nothing here prints, logs or
writes them, and every secret it learns (client secret, each refresh and access token) is added to
`secrets`, which the client redacts from every answer and error.

One renewal at a time: requests that meet an expired or refused token at once wait for the same POST, and
a request whose token was already replaced meanwhile takes the new one without another. A token endpoint
that refuses, or stays down through its few tries, ends the run's requests with that error: it is
remembered, so it is never asked again in a storm.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from reconciler.webex.errors import NoAnswer, Refused, WebexError
from reconciler.webex.security import secret_forms, token_problem

TOKEN_PATH = "/access_token"
TOKEN_TRIES = 3  # of one renewal, for 5xx, 429/423 and lost connections
TOKEN_BACKOFF = 0.5  # seconds after the first failed try; doubles
# Renew this long before the token's end, so that no request leaves with a token about to expire; a short
# lifetime (the sandbox's) renews at four fifths of it instead.
RENEW_MARGIN = 300.0
# Webex issues access tokens for days or weeks; a lifetime outside these bounds is a broken answer.
MIN_LIFETIME = 1.0
MAX_LIFETIME = 366 * 24 * 3600.0
MAX_TOKEN_LENGTH = 4096  # characters; a header of more is refused by servers anyway
RETRIED_STATUSES = frozenset({423, 429, 500, 502, 503, 504})


class TokenEndpoint(Protocol):
    """What a token source needs of the client: one bounded try of a form POST that carries no bearer."""

    async def post_form(self, path: str, form: Mapping[str, str]) -> httpx.Response: ...


class TokenSource(Protocol):
    """What the client asks for the bearer token of each try."""

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every form of every secret known so far, to redact from whatever the client reads."""
        ...

    async def token(self, endpoint: TokenEndpoint) -> str:
        """The token to send now."""
        ...

    async def renew(self, rejected: str, endpoint: TokenEndpoint) -> bool:
        """After a 401 to `rejected`: True when a newer token is there to try once more."""
        ...


class StaticToken:
    """A fixed access token (--token-file, WEBEX_ACCESS_TOKEN): never renewed, a 401 is final."""

    def __init__(self, token: str) -> None:
        self.value = token
        self.secrets = secret_forms(token)

    def __repr__(self) -> str:  # never the token
        return "StaticToken()"

    async def token(self, endpoint: TokenEndpoint) -> str:
        return self.value

    async def renew(self, rejected: str, endpoint: TokenEndpoint) -> bool:
        return False


@dataclass(frozen=True)
class RefreshGrant:
    """An integration's or service app's credentials, and where they came from (for messages only)."""

    client_id: str
    client_secret: str
    refresh_token: str
    source: str = "WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET and WEBEX_REFRESH_TOKEN"

    def __repr__(self) -> str:  # never a secret, not even in a traceback
        return f"RefreshGrant(source={self.source!r})"


class TokenRefused(WebexError):
    """The token endpoint refused the credentials (a 400 or 401): only new credentials will do."""

    @property
    def head(self) -> str:
        return f"credentials refused (HTTP {self.status})"


@dataclass(frozen=True)
class _Issued:
    token: str
    expires_at: float  # on the source's clock


class RefreshingToken:
    """Access tokens traded for a refresh token, renewed before they expire and once on a 401.

    `clock` and `sleep` are the test hooks, as in the client: a fake clock moves expiry without waiting.
    Usable by several clients at once (one org each, the same credentials): they then share each token.
    """

    def __init__(
        self,
        grant: RefreshGrant,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._grant = grant
        self._refresh_token = grant.refresh_token
        self._clock = clock
        self._sleep = sleep
        self._issued: _Issued | None = None
        self._failure: WebexError | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._secrets: tuple[str, ...] = ()
        self.renewals = 0  # POSTs that brought a token, for tests and reports
        self._learn(grant.client_secret, grant.refresh_token)

    def __repr__(self) -> str:  # never a secret
        return f"RefreshingToken({self._grant!r}, renewals={self.renewals})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    async def token(self, endpoint: TokenEndpoint) -> str:
        issued = self._issued
        if issued is not None and self._clock() < issued.expires_at:
            return issued.token
        async with self._renewal_lock():
            issued = self._issued  # another request may have renewed it while this one waited
            if issued is None or self._clock() >= issued.expires_at:
                issued = await self._renew(endpoint)
            return issued.token

    async def renew(self, rejected: str, endpoint: TokenEndpoint) -> bool:
        async with self._renewal_lock():
            if self._issued is None or self._issued.token == rejected:
                await self._renew(endpoint)
            return True

    def _renewal_lock(self) -> asyncio.Lock:
        """The lock of the running event loop: a lock waited on in one loop cannot be used in the next."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def _renew(self, endpoint: TokenEndpoint) -> _Issued:
        """One renewal (a few tries), under the lock; its failure is every later request's."""
        if self._failure is not None:
            raise _copy(self._failure)
        try:
            self._issued = await self._trade(endpoint)
        except WebexError as error:
            self._issued = None
            self._failure = error
            raise _copy(error) from None
        self.renewals += 1
        return self._issued

    async def _trade(self, endpoint: TokenEndpoint) -> _Issued:
        form = {
            "grant_type": "refresh_token",
            "client_id": self._grant.client_id,
            "client_secret": self._grant.client_secret,
            "refresh_token": self._refresh_token,
        }
        for tries in range(1, TOKEN_TRIES + 1):
            # The lifetime counts from the request's leaving: the server's clock started no later.
            sent = self._clock()
            try:
                response = await endpoint.post_form(TOKEN_PATH, form)
            except NoAnswer:
                if tries == TOKEN_TRIES:
                    raise
            else:
                if response.status_code < 400:
                    return self._read(response, sent)
                error = WebexError.from_response(response, TOKEN_PATH, secrets=self._secrets)
                if response.status_code in (400, 401):
                    raise self._refused(error)
                if response.status_code not in RETRIED_STATUSES or tries == TOKEN_TRIES:
                    raise error
            await self._sleep(TOKEN_BACKOFF * 2 ** (tries - 1))
        raise AssertionError("unreachable: the last try returns or raises")

    def _refused(self, error: WebexError) -> TokenRefused:
        message = f"{error.message}; check {self._grant.source}"
        return TokenRefused(
            error.status,
            message,
            method="POST",
            path=TOKEN_PATH,
            error_codes=error.error_codes,
            tracking_id=error.tracking_id,
        )

    def _read(self, response: httpx.Response, sent: float) -> _Issued:
        """The answer's token and lifetime, every value checked; the newest refresh token kept."""
        body = _json(response)
        tracking = response.headers.get("TrackingID")
        problem, access_token, lifetime, refresh_token = _answer_problem(body)
        if problem is not None:
            raise Refused(
                0,
                f"the token endpoint's answer {problem}; not used",
                method="POST",
                path=TOKEN_PATH,
                tracking_id=tracking,
            )
        self._learn(access_token)
        if refresh_token is not None:
            self._learn(refresh_token)
            self._refresh_token = refresh_token
        margin = min(RENEW_MARGIN, lifetime / 5)
        return _Issued(access_token, sent + lifetime - margin)

    def _learn(self, *secrets: str) -> None:
        known = dict.fromkeys(self._secrets)
        for secret in secrets:
            known.update(dict.fromkeys(secret_forms(secret)))
        # Longest first: a secret that holds another is redacted whole.
        self._secrets = tuple(sorted(known, key=len, reverse=True))


def _answer_problem(body: Any) -> tuple[str | None, str, float, str | None]:
    """What is wrong with a token answer (None when nothing), its access token, lifetime, refresh token."""
    if not isinstance(body, dict):
        return "is not a JSON object", "", 0.0, None
    access_token = body.get("access_token")
    problem = _token_value_problem(access_token)
    if problem is not None:
        return f"has {problem} as its access_token", "", 0.0, None
    assert isinstance(access_token, str)
    lifetime = body.get("expires_in")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float):
        return "has no number of seconds as its expires_in", "", 0.0, None
    if not (math.isfinite(lifetime) and MIN_LIFETIME <= lifetime <= MAX_LIFETIME):
        return (
            f"gives the token a lifetime (expires_in) outside {MIN_LIFETIME:g} s to {MAX_LIFETIME:g} s",
            "",
            0.0,
            None,
        )
    token_type = body.get("token_type")
    if token_type is not None and (not isinstance(token_type, str) or token_type.lower() != "bearer"):
        return "has a token_type other than Bearer", "", 0.0, None
    refresh_token = body.get("refresh_token")
    if refresh_token is not None:
        problem = _token_value_problem(refresh_token)
        if problem is not None:
            return f"has {problem} as its refresh_token", "", 0.0, None
        assert isinstance(refresh_token, str)
    return None, access_token, float(lifetime), refresh_token


def _token_value_problem(value: Any) -> str | None:
    """Why `value` cannot be used as a token, in words that never show it; None when it can."""
    if not isinstance(value, str) or not value:
        return "no text"
    if len(value) > MAX_TOKEN_LENGTH:
        return f"more than {MAX_TOKEN_LENGTH} characters"
    problem = token_problem(value)
    return None if problem is None else f"a value with {problem}"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):
        return None


def _copy(error: WebexError) -> WebexError:
    """A fresh exception of the same failure: one exception object raised in many tasks would gather
    every task's traceback."""
    copied = type(error)(
        error.status,
        error.message,
        method=error.method,
        path=error.path,
        error_codes=error.error_codes,
        tracking_id=error.tracking_id,
    )
    copied.retried = error.retried
    return copied
