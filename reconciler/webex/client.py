"""Async HTTP client for the Webex API: auth, orgId, pagination, error bodies, and the fault policy.

Only this module talks HTTP. Concurrency is bounded here, around each exchange, so that a request
waiting out a Retry-After or a back-off does not hold a slot other requests could use. The bound adapts
(limiter.py): a 429 or 423 halves it, successes win it back up to `concurrency`, so a rate-limited org is
met with fewer requests at once, and a rate limit costs time rather than failed requests.

The fault policy (RetryPolicy; the mechanics are tenacity's): 429 and 423 wait what Retry-After says,
capped, or a default when it is missing or unreadable; 500, 502, 503, 504 and a connection that failed,
dropped or timed out back off exponentially with jitter; any other error is final. GET and PUT are both
retried: every PUT here sends whole desired values, so sending it twice changes nothing more. All tries
of one request count against `attempts`, and no wait starts that would end past its `deadline`.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_exponential, wait_random

from reconciler.webex.errors import NoAnswer, WebexError
from reconciler.webex.limiter import DEFAULT_CONCURRENCY, AdaptiveLimiter, LimiterStats, Outcome
from reconciler.webex.security import (
    base_url_problem,
    origin_problem,
    plain_http_problem,
    redact,
    secret_forms,
)

DEFAULT_BASE_URL = "https://webexapis.com/v1"
Params = Mapping[str, str | int]

THROTTLED = frozenset({423, 429})  # the server asks to come back later (Retry-After)
SERVER_ERRORS = frozenset({500, 502, 503, 504})
# Failures after which the request may not have reached the server, or its answer got lost.
TRANSIENT_TRANSPORT_ERRORS = (httpx.NetworkError, httpx.RemoteProtocolError, httpx.TimeoutException)
RETRY_REASONS = ("429", "423", "5xx", "transport")


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are tried again. Times are in seconds."""

    attempts: int = 6  # tries of one request in all, the first included
    base_backoff: float = 0.5  # back-off after the first 5xx or lost connection; doubles every try
    max_backoff: float = 30.0
    jitter: float = 1.0  # up to this much is added at random to each back-off, so clients spread out
    default_wait: float = 5.0  # for a 429/423 whose Retry-After is missing or unreadable
    max_wait: float = 120.0  # cap on one Retry-After wait
    deadline: float = 300.0  # no wait starts that would end later than this after the first try

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        times = (self.base_backoff, self.max_backoff, self.jitter, self.default_wait, self.max_wait)
        if min(times) < 0 or self.deadline <= 0:
            raise ValueError("RetryPolicy times must not be negative, and the deadline must be positive")

    def throttle_wait(self, retry_after: str | None, now: Callable[[], float] = time.time) -> float:
        """The wait before retrying a 429/423 whose Retry-After header is `retry_after`."""
        wait = parse_retry_after(retry_after, now)
        return min(self.default_wait if wait is None else wait, self.max_wait)

    def backoff(self) -> wait_base:
        """The wait before retrying a 5xx or a lost connection: base·2ⁿ up to max_backoff, plus jitter."""
        growing = wait_exponential(multiplier=self.base_backoff, max=self.max_backoff)
        return growing + wait_random(0, self.jitter)


@dataclass
class ClientStats:
    """What a client did, for reports and benchmarks."""

    requests_sent: int = 0
    retries: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RETRY_REASONS, 0))
    waited: float = 0.0  # seconds spent waiting before retries
    # The adaptive concurrency limit: now, lowest reached, decreases (the client's limiter keeps it current)
    concurrency: LimiterStats = field(default_factory=LimiterStats)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def retry_reason(error: BaseException) -> str | None:
    """Why a failed try is worth another (one of RETRY_REASONS); None when the failure is final."""
    if isinstance(error, NoAnswer):
        return "transport"
    if not isinstance(error, WebexError):
        return None
    if error.status in THROTTLED:
        return str(error.status)
    return "5xx" if error.status in SERVER_ERRORS else None


def capacity_signal(status: int) -> Outcome:
    """What an answer says about the rate the server takes: a throttle, or none (a 5xx is a fault, not a
    verdict on the rate), or a success: any other answer, a 404 or 409 included, was served at this rate."""
    if status in THROTTLED:
        return Outcome.THROTTLED
    return Outcome.NEUTRAL if status >= 500 else Outcome.SUCCESS


class _Deadline(stop_base):
    """Stops before a wait that would end past the deadline, on the client's clock (tests move it)."""

    def __init__(self, clock: Callable[[], float], seconds: float) -> None:
        self._clock = clock
        self._until = clock() + seconds

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._clock() + retry_state.upcoming_sleep > self._until


class WebexClient:
    """The API's only door. `sleep` and `clock` are the test hooks: every wait goes through `sleep`, and
    each request's deadline is measured on `clock`, so tests pass fakes and nothing really waits."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        org_id: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # An in-process transport (the sandbox, tests) puts nothing on a wire: plain http is safe there.
        self._in_process = isinstance(transport, httpx.ASGITransport | httpx.MockTransport)
        problem = base_url_problem(base_url, allow_plain_http=self._in_process)
        if problem:
            raise ValueError(f"unusable base URL: {problem}")
        self.base_url = base_url.rstrip("/")
        self._base = httpx.URL(self.base_url)
        self.org_id = org_id
        self._retry = retry
        self._backoff = retry.backoff()
        self._sleep = sleep
        self._clock = clock
        self._secrets = secret_forms(token)
        self._limiter = AdaptiveLimiter(concurrency)
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport or _network_transport(self._base, concurrency),
            timeout=timeout,
        )
        self.stats = ClientStats(concurrency=self._limiter.stats)
        self.run_id = uuid.uuid4().hex[:16]
        self._sequence = 0

    def __repr__(self) -> str:  # never the token, not even in a debugger or a traceback
        return f"WebexClient(base_url={self.base_url!r}, org_id={self.org_id!r}, retry={self._retry!r})"

    @property
    def requests_sent(self) -> int:
        return self.stats.requests_sent

    async def __aenter__(self) -> WebexClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_json(self, path: str, params: Params | None = None) -> dict[str, Any]:
        response = await self.request("GET", path, params=params)
        return _json_object(response)

    async def put_json(self, path: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """PUT a JSON body; returns the status and the answer's JSON object ({} for 204)."""
        response = await self.request("PUT", path, json=body)
        return response.status_code, _json_object(response)

    async def list_items(
        self, path: str, items_key: str, params: Params | None = None, page_size: int | None = 1000
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list, following `Link: rel="next"` one page after another.

        `page_size` None sends no `max`, for lists whose reference documents none.
        """
        query: dict[str, str | int] = {**(params or {})}
        if page_size is not None:
            query["max"] = page_size
        response = await self.request("GET", path, params=query)
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            page = _json_object(response).get(items_key)
            if isinstance(page, list):  # anything else is read as an empty page
                items.extend(item for item in page if isinstance(item, dict))
            next_link = response.links.get("next", {}).get("url")
            if not next_link:
                return items
            next_url = self._next_url(response, next_link, query, seen)
            response = await self.request("GET", next_url)

    def _next_url(
        self, response: httpx.Response, link: str, query: Mapping[str, str | int], seen: set[str]
    ) -> str:
        """The next page's URL: relative links resolved, dropped parameters put back, loops refused."""
        url = response.url.join(link)
        shown = redact(_shown_path(url, self._base), self._secrets)
        problem = origin_problem(url, self._base)
        if problem:
            # The token goes with every request: never follow a link off the base URL's origin.
            raise WebexError(0, f"refusing a next-page link to {problem}", path=shown)
        next_url = _with_dropped_params(str(url), query)
        if next_url in seen:
            raise WebexError(0, "the API sent the same next-page link twice; stopping", path=shown)
        seen.add(next_url)
        return next_url

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """One call, tried again as the retry policy says; raises the last failure's WebexError."""
        url = self._url(path)
        query = dict(params or {})
        if self.org_id and "orgId" not in url.params:
            query["orgId"] = self.org_id
        # Merge rather than pass params=: httpx would replace a query the URL already carries.
        target = url.copy_merge_params(query) if query else url
        shown_path = redact(_shown_path(url, self._base), self._secrets)
        async for attempt in self._retrying():
            with attempt:
                return await self._exchange(method, target, json, shown_path)
        raise AssertionError("unreachable: tenacity returns the last try's answer or raises its error")

    def _url(self, path: str) -> httpx.URL:
        """The absolute URL of `path` (a path is taken under the base URL), parsed once: parsing is most
        of httpx's own cost per request, and httpx would parse a relative URL again to join it."""
        if path.startswith(("https://", "http://")):
            return httpx.URL(path)
        return httpx.URL(f"{self.base_url}/{path.lstrip('/')}")

    def _retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            sleep=self._sleep,
            stop=stop_after_attempt(self._retry.attempts) | _Deadline(self._clock, self._retry.deadline),
            wait=self._wait,
            retry=retry_if_exception(lambda error: retry_reason(error) is not None),
            before_sleep=self._count_retry,
            reraise=True,
        )

    def _wait(self, retry_state: RetryCallState) -> float:
        error = _failure(retry_state)
        if error.status in THROTTLED:
            return self._retry.throttle_wait(error.retry_after)
        return self._backoff(retry_state)

    def _count_retry(self, retry_state: RetryCallState) -> None:
        reason = retry_reason(_failure(retry_state))
        if reason is not None:
            self.stats.retries[reason] += 1
        self.stats.waited += retry_state.upcoming_sleep

    async def _exchange(
        self, method: str, target: httpx.URL, json: Mapping[str, Any] | None, shown_path: str
    ) -> httpx.Response:
        """One try. The slot is held for the exchange only: judging and waiting happen outside it."""
        async with self._limiter.slot() as slot:
            response = await self._send(method, target, json, shown_path)
            slot.report(capacity_signal(response.status_code))
        if response.status_code >= 400:
            raise WebexError.from_response(response, shown_path, secrets=self._secrets)
        return response

    async def _send(
        self, method: str, target: httpx.URL, json: Mapping[str, Any] | None, shown_path: str
    ) -> httpx.Response:
        # One run id per client, a sequence number per request: unique, and Webex support (or a log
        # search) can find every request of one run.
        self._sequence += 1
        tracking = f"WXCR_{self.run_id}_{self._sequence:06d}"
        request = self._http.build_request(method, target, json=json, headers={"TrackingID": tracking})
        self._check_destination(request.url, method, shown_path)
        self.stats.requests_sent += 1
        try:
            return await self._http.send(request)
        except httpx.HTTPError as exc:
            kind = NoAnswer if isinstance(exc, TRANSIENT_TRANSPORT_ERRORS) else WebexError
            message = redact(_describe(exc), self._secrets)
            # `from None`: the httpx exception holds the request, Authorization header and all.
            raise kind(0, message, method=method, path=shown_path, tracking_id=tracking) from None

    def _check_destination(self, url: httpx.URL, method: str, shown_path: str) -> None:
        """Defence in depth: whatever built the URL, the token goes to the base URL's origin, encrypted."""
        problem = origin_problem(url, self._base)
        if problem is None and not self._in_process:
            problem = plain_http_problem(url)
        if problem:
            raise WebexError(0, f"refusing to send the request: {problem}", method=method, path=shown_path)


def _network_transport(base: httpx.URL, concurrency: int) -> httpx.AsyncBaseTransport:
    """The transport to a real server: aiohttp's (transport.py: a quarter of the CPU per request).
    Imported only here, as aiohttp takes 0.15 s to import, which `validate` and the in-process sandbox
    do not need."""
    from reconciler.webex.transport import AiohttpTransport, env_proxy

    return AiohttpTransport(max_connections=concurrency, proxy=env_proxy(base))


def _failure(retry_state: RetryCallState) -> WebexError:
    """The WebexError the last try raised (the only kind the retry predicate lets through to here)."""
    error = retry_state.outcome.exception() if retry_state.outcome else None
    if not isinstance(error, WebexError):
        raise TypeError(f"unexpected failure to retry: {error!r}")
    return error


_NO_DETAIL: dict[type[httpx.HTTPError], str] = {
    httpx.ConnectTimeout: "timed out connecting",
    httpx.ReadTimeout: "timed out waiting for the answer",
    httpx.WriteTimeout: "timed out sending the request",
    httpx.PoolTimeout: "timed out waiting for a free connection",
    httpx.ConnectError: "could not connect",
    httpx.RemoteProtocolError: "the server closed the connection without a complete answer",
}


def _describe(exc: httpx.HTTPError) -> str:
    """A readable one-liner for a failure without an answer; httpx leaves some messages empty."""
    detail = str(exc) or _NO_DETAIL.get(type(exc), "no detail")
    return f"{type(exc).__name__}: {detail}"


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After value (whole seconds or an HTTP date); None when unreadable.

    Negative, fractional and made-up values (`rand(30),add(30)` came from the live API) are unreadable.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError, OverflowError):
        return None


def _json_object(response: httpx.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        data = response.json()
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
        return {}
    return data if isinstance(data, dict) else {}


def _with_dropped_params(next_link: str, query: Mapping[str, str | int]) -> str:
    """Put back the query parameters a next link dropped (seen on the live API); the link's own win."""
    url = httpx.URL(next_link)
    missing = {k: str(v) for k, v in query.items() if k not in url.params and k != "start"}
    return str(url.copy_merge_params(missing)) if missing else next_link


def _shown_path(url: httpx.URL, base: httpx.URL) -> str:
    """An absolute URL's path relative to the base URL, as people read it in plans and errors."""
    base_path = base.path.rstrip("/")
    path = url.path
    return path[len(base_path) :] if base_path and path.startswith(base_path + "/") else path
