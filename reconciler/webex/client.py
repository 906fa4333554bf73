"""Async HTTP client for the Webex API: auth, orgId, pagination, error bodies, bounds and the fault policy.

Only this module talks HTTP. Two limits shape the traffic: a concurrency bound around each exchange
(limiter.py: it adapts, halving on a throttle, growing back on successes) and the org-wide pace
(pace.py: a 429 or 423 pauses every request of the org for what Retry-After says, then requests leave at
a rate learned from the server). Requests waiting for the pace hold their concurrency slot; requests
backing off after a fault do not.

The fault policy (RetryPolicy): a throttle is not a fault. It is retried for as long as the run's wait
budget (`max_wait`) lasts, with no count. 500, 502, 503, 504 and a connection that failed, dropped or timed
out are faults: each request has `attempts` tries for them, with exponential back-off and jitter, and no
back-off starts that would end past `deadline` (pauses for throttles are not counted there). Any other
error is final. Every method is retried: a PUT here sends desired values and the one POST (the
announcement-language action) sets a code, so sending either twice changes nothing more.

Every answer is bounded before it is believed: one try as a whole (connecting, headers and the whole body)
within `timeout`, a body of at most MAX_ANSWER_BYTES on the wire and decoded, a list of at most MAX_PAGES
pages and MAX_ITEMS items. And every text that enters from an answer has the token redacted on the way
in, bodies and headers alike, so no later use of it can leak the token.

The bearer token comes from a token source (oauth.py) at each try: a fixed token, or one renewed from an
integration's refresh token before it expires. A 401 makes the source renew once, if it can, and the request
is tried once more with the new token; a second 401 is final. The secrets the source learns (each new
token among them) join what is redacted.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from reconciler.webex.errors import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    NoAnswer,
    Refused,
    Retried,
    WebexError,
)
from reconciler.webex.limiter import DEFAULT_CONCURRENCY, AdaptiveLimiter, LimiterStats, Outcome
from reconciler.webex.oauth import StaticToken, TokenSource
from reconciler.webex.pace import Pace, PaceClosed, PaceStats, PauseCallback
from reconciler.webex.security import (
    REDACTED,
    base_url_problem,
    origin_problem,
    plain_http_problem,
    redact,
)

DEFAULT_BASE_URL = "https://webexapis.com/v1"
Params = Mapping[str, str | int]

THROTTLED = frozenset({423, 429})  # the server asks to come back later (Retry-After)
SERVER_ERRORS = frozenset({500, 502, 503, 504})
# Failures after which the request may not have reached the server, or its answer got lost.
TRANSIENT_TRANSPORT_ERRORS = (httpx.NetworkError, httpx.RemoteProtocolError, httpx.TimeoutException)
RETRY_REASONS = ("429", "423", "5xx", "transport")

REDACTED_BYTES = REDACTED.encode()
# No list of this API comes near these; a server that sends more is broken or hostile.
MAX_PAGES = 1000
MAX_ITEMS = 200_000


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are tried again. Times are in seconds."""

    attempts: int = 6  # tries of one request for faults (5xx, lost connections), the first included
    base_backoff: float = 0.5  # back-off after the first fault; doubles every try
    max_backoff: float = 30.0
    jitter: float = 1.0  # up to this much is added at random to each back-off, so clients spread out
    default_wait: float = 5.0  # for a 429/423 whose Retry-After is missing or unreadable
    min_wait: float = 1.0  # a Retry-After under this (0 included) waits this: never a burst of retries
    max_wait: float = 1800.0  # the run's budget for all the waiting the org asks for (--max-wait)
    deadline: float = 300.0  # no fault back-off starts that would end later than this after the first try

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        times = (self.base_backoff, self.max_backoff, self.jitter, self.default_wait, self.min_wait)
        if min(times) < 0 or self.max_wait < 0 or self.deadline <= 0:
            raise ValueError("RetryPolicy times must not be negative, and the deadline must be positive")

    def throttle_wait(self, retry_after: str | None, now: Callable[[], float] = time.time) -> float:
        """The pause a 429/423 whose Retry-After header is `retry_after` asks for: exactly what it says,
        however long, but never under `min_wait`; `default_wait` when it is missing or unreadable."""
        wait = parse_retry_after(retry_after, now)
        return max(self.default_wait if wait is None else wait, self.min_wait)

    def backoff(self, faults: int) -> float:
        """The wait after the `faults`-th fault of a request: base·2ⁿ⁻¹ up to max_backoff, plus jitter."""
        growing = min(self.base_backoff * 2.0 ** (faults - 1), self.max_backoff)
        return growing + random.uniform(0, self.jitter)


@dataclass
class ClientStats:
    """What a client did, for reports and benchmarks."""

    requests_sent: int = 0
    retries: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RETRY_REASONS, 0))
    waited: float = 0.0  # seconds requests spent waiting before retries: fault back-offs and the org's pauses
    # The adaptive concurrency limit: now, lowest reached, decreases (the client's limiter keeps it current)
    concurrency: LimiterStats = field(default_factory=LimiterStats)
    pace: PaceStats = field(default_factory=PaceStats)  # the org's pauses and the learned rate

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


class WebexClient:
    """The API's only door. `sleep` and `clock` are the test hooks: every wait goes through `sleep`, and
    every deadline and pause is measured on `clock`, so tests pass fakes and nothing really waits."""

    def __init__(
        self,
        base_url: str,
        token: str | TokenSource,
        *,
        org_id: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_pause: PauseCallback | None = None,
    ) -> None:
        # An in-process transport (the sandbox, tests) puts nothing on a wire: plain http is safe there.
        self._in_process = isinstance(transport, httpx.ASGITransport | httpx.MockTransport)
        problem = base_url_problem(base_url, allow_plain_http=self._in_process)
        if problem:
            raise ValueError(f"unusable base URL: {problem}")
        if timeout <= 0:
            raise ValueError("the timeout must be positive")
        self.base_url = base_url.rstrip("/")
        self._base = httpx.URL(self.base_url)
        self.org_id = org_id
        self._retry = retry
        self._timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._auth: TokenSource = StaticToken(token) if isinstance(token, str) else token
        self._bytes_of: tuple[str, ...] = ()
        self._bytes: tuple[bytes, ...] = ()
        self._limiter = AdaptiveLimiter(concurrency)
        self._pace = Pace(retry.max_wait, clock=clock, sleep=sleep, on_pause=on_pause)
        self._http = httpx.AsyncClient(
            headers={"Accept": "application/json"},
            transport=transport or _network_transport(self._base, concurrency),
            timeout=timeout,
        )
        self.stats = ClientStats(concurrency=self._limiter.stats, pace=self._pace.stats)
        self.run_id = uuid.uuid4().hex[:16]
        self._sequence = 0

    def __repr__(self) -> str:  # never the token, not even in a debugger or a traceback
        return f"WebexClient(base_url={self.base_url!r}, org_id={self.org_id!r}, retry={self._retry!r})"

    @property
    def _secrets(self) -> tuple[str, ...]:
        """Every form of every secret the token source knows, as of now (a renewal adds to them)."""
        return self._auth.secrets

    @property
    def _secret_bytes(self) -> tuple[bytes, ...]:
        secrets = self._auth.secrets
        if secrets is not self._bytes_of:
            self._bytes_of, self._bytes = secrets, tuple(secret.encode() for secret in secrets)
        return self._bytes

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
        return self._json_object(response)

    async def put_json(self, path: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """PUT a JSON body; returns the status and the answer's JSON object ({} for 204)."""
        response = await self.request("PUT", path, json=body)
        return response.status_code, self._json_object(response)

    async def list_items(
        self, path: str, items_key: str, params: Params | None = None, page_size: int | None = 1000
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list, following `Link: rel="next"` one page after another, up to
        MAX_PAGES pages and MAX_ITEMS items: a list that goes on past them is an error, not a hang.

        `page_size` None sends no `max`, for lists whose reference documents none.
        """
        query: dict[str, str | int] = {**(params or {})}
        if page_size is not None:
            query["max"] = page_size
        response = await self.request("GET", path, params=query)
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        for pages in range(1, MAX_PAGES + 1):
            page = self._json_object(response).get(items_key)
            if isinstance(page, list):  # anything else is read as an empty page
                items.extend(item for item in page if isinstance(item, dict))
            if len(items) > MAX_ITEMS:
                raise self._endless(path, f"has more than {MAX_ITEMS:,} items")
            next_link = response.links.get("next", {}).get("url")
            if not next_link:
                return items
            if pages == MAX_PAGES:
                break
            next_url = self._next_url(response, next_link, query, seen)
            response = await self.request("GET", next_url)
        raise self._endless(path, f"goes on past {MAX_PAGES:,} pages")

    def _endless(self, path: str, what: str) -> WebexError:
        shown = redact(_shown_path(self._url(path), self._base), self._secrets)
        return Refused(0, f"the list {what}; stopping", method="GET", path=shown)

    def _next_url(
        self, response: httpx.Response, link: str, query: Mapping[str, str | int], seen: set[str]
    ) -> str:
        """The next page's URL: relative links resolved, dropped parameters put back, loops refused."""
        url = response.url.join(link)
        shown = redact(_shown_path(url, self._base), self._secrets)
        problem = origin_problem(url, self._base)
        if problem:
            # The token goes with every request: never follow a link off the base URL's origin.
            raise Refused(0, f"refusing a next-page link to {problem}", path=shown)
        next_url = _with_dropped_params(str(url), query)
        if next_url in seen:
            raise Refused(0, "the API sent the same next-page link twice; stopping", path=shown)
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
        return await self._tries(method, target, json, shown_path)

    def _url(self, path: str) -> httpx.URL:
        """The absolute URL of `path` (a path is taken under the base URL), parsed once: parsing is most
        of httpx's own cost per request, and httpx would parse a relative URL again to join it."""
        if path.startswith(("https://", "http://")):
            return httpx.URL(path)
        return httpx.URL(f"{self.base_url}/{path.lstrip('/')}")

    async def _tries(
        self, method: str, target: httpx.URL, json: Mapping[str, Any] | None, shown_path: str
    ) -> httpx.Response:
        """Try until an answer, a final error, the fault tries or deadline, or the wait budget run out."""
        tried = _Tries(self._clock())
        while True:
            try:
                return await self._exchange(method, target, json, shown_path, tried)
            except _Throttled as throttle:
                error = throttle.error
                tried.throttled += 1
                self.stats.retries[str(error.status)] += 1
                try:
                    self._pace.throttled(throttle.number, self._retry.throttle_wait(error.retry_after))
                except PaceClosed as closed:
                    said = "none" if error.retry_after is None else repr(error.retry_after[:40])
                    error.message = f"{closed}; the last answer: {error.message} (Retry-After: {said})"
                    raise self._last(error, tried) from None
            except PaceClosed as closed:
                raise WebexError(0, str(closed), method=method, path=shown_path) from None
            except WebexError as error:
                if error.status == 401 and not tried.renewed:
                    tried.renewed = True  # once: a token refused twice is refused
                    if await self._auth.renew(tried.token, self):
                        continue
                reason = retry_reason(error)
                tried.faults += 1
                if reason is None or tried.faults >= self._retry.attempts:
                    raise self._last(error, tried) from None
                wait = self._retry.backoff(tried.faults)
                if self._clock() - tried.started - tried.paced + wait > self._retry.deadline:
                    raise self._last(error, tried) from None
                self.stats.retries[reason] += 1
                self.stats.waited += wait
                await self._sleep(wait)

    def _last(self, error: WebexError, tried: _Tries) -> WebexError:
        """The error to raise, with what the request met before it when it was tried more than once."""
        if tried.throttled or tried.faults > 1:
            error.retried = Retried(tried.throttled, tried.faults, self._clock() - tried.started)
        return error

    async def _exchange(
        self,
        method: str,
        target: httpx.URL,
        json: Mapping[str, Any] | None,
        shown_path: str,
        tried: _Tries,
    ) -> httpx.Response:
        """One try: the slot is held while waiting for the org's pace and for the exchange."""
        async with self._limiter.slot() as slot:
            paused, slotted = await self._pace.wait_turn()
            tried.paced += paused + slotted
            self.stats.waited += paused
            # Asked as late as can be: a token taken before a long pause could expire during it.
            tried.token = await self._auth.token(self)
            number = self._pace.sent()
            response = await self._send(method, target, json, shown_path, tried.token)
            slot.report(capacity_signal(response.status_code))
        if response.status_code in THROTTLED:
            error = WebexError.from_response(response, shown_path, secrets=self._secrets)
            raise _Throttled(error, number)
        if response.status_code >= 400:
            raise WebexError.from_response(response, shown_path, secrets=self._secrets)
        self._pace.answered()
        return response

    async def post_form(self, path: str, form: Mapping[str, str]) -> httpx.Response:
        """One try of a form-encoded POST that carries no bearer token (the token endpoint's), bounded as
        every try is; the answer whatever its status, redacted. For the token source (oauth.py)."""
        url = self._url(path)
        shown_path = redact(_shown_path(url, self._base), self._secrets)
        return await self._send("POST", url, None, shown_path, None, form=form)

    async def _send(
        self,
        method: str,
        target: httpx.URL,
        json: Mapping[str, Any] | None,
        shown_path: str,
        token: str | None,
        *,
        form: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        # One run id per client, a sequence number per request: unique, and Webex support (or a log
        # search) can find every request of one run.
        self._sequence += 1
        tracking = f"WXCR_{self.run_id}_{self._sequence:06d}"
        headers = {"TrackingID": tracking}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = self._http.build_request(method, target, json=json, data=form, headers=headers)
        self._check_destination(request.url, method, shown_path)
        self.stats.requests_sent += 1
        try:
            async with asyncio.timeout(self._timeout):
                return await self._receive(request)
        except TimeoutError:
            message = f"no complete answer within {self._timeout:g} s (--timeout)"
            raise NoAnswer(0, message, method=method, path=shown_path, tracking_id=tracking) from None
        except AnswerTooLarge as exc:
            raise Refused(0, str(exc), method=method, path=shown_path, tracking_id=tracking) from None
        except httpx.HTTPError as exc:
            kind = NoAnswer if isinstance(exc, TRANSIENT_TRANSPORT_ERRORS) else WebexError
            message = redact(_describe(exc), self._secrets)
            # `from None`: the httpx exception holds the request, Authorization header and all.
            raise kind(0, message, method=method, path=shown_path, tracking_id=tracking) from None

    async def _receive(self, request: httpx.Request) -> httpx.Response:
        """The answer to `request`, read whole within MAX_ANSWER_BYTES and with the token redacted."""
        response = await self._http.send(request, stream=True)
        try:
            if isinstance(response.stream, httpx.AsyncByteStream):
                response.stream = _CappedStream(response.stream)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise AnswerTooLarge()
                chunks.append(chunk)
        finally:
            await response.aclose()
        return self._settled(response, b"".join(chunks))

    def _settled(self, response: httpx.Response, body: bytes) -> httpx.Response:
        """The answer as the program may read it: decoded, and no form of the token anywhere in it."""
        headers = [
            (name, value)
            for name, value in response.headers.raw
            if name.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
        ]
        if self._secret_bytes:
            body = self._redact_bytes(body)
            headers = [(name, self._redact_bytes(value)) for name, value in headers]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=body,
            request=response.request,
            extensions=response.extensions,
        )

    def _redact_bytes(self, data: bytes) -> bytes:
        for secret in self._secret_bytes:
            data = data.replace(secret, REDACTED_BYTES)
        return data

    def _json_object(self, response: httpx.Response) -> dict[str, Any]:
        data = _json_object(response)
        # A JSON escape (\u0041...) can spell the token where the bytes did not show it.
        if data and self._secrets and b"\\" in response.content:
            return dict(redact(data, self._secrets))
        return data

    def _check_destination(self, url: httpx.URL, method: str, shown_path: str) -> None:
        """Defence in depth: whatever built the URL, the token goes to the base URL's origin, encrypted."""
        problem = origin_problem(url, self._base)
        if problem is None and not self._in_process:
            problem = plain_http_problem(url)
        if problem:
            raise WebexError(0, f"refusing to send the request: {problem}", method=method, path=shown_path)


@dataclass
class _Tries:
    """What one request met so far."""

    started: float
    throttled: int = 0  # 429/423 answers
    faults: int = 0  # failed tries of any other kind
    paced: float = 0.0  # time spent waiting for the org's pace: not the fault deadline's to count
    token: str = ""  # the bearer token the last try carried
    renewed: bool = False  # the token source was asked for a new token after a 401


class _Throttled(Exception):
    """A try answered 429 or 423: not a failure of the request, a word on the org's pace."""

    def __init__(self, error: WebexError, number: int) -> None:
        self.error = error
        self.number = number  # the request's number in the pace's count


class _CappedStream(httpx.AsyncByteStream):
    """An answer's bytes as they come off the wire, refused past MAX_ANSWER_BYTES before any decoding."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        async for chunk in self._stream:
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise AnswerTooLarge()
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


def _network_transport(base: httpx.URL, concurrency: int) -> httpx.AsyncBaseTransport:
    """The transport to a real server: aiohttp's (transport.py: a quarter of the CPU per request).
    Imported only here, as aiohttp takes 0.15 s to import, which `validate` and the in-process sandbox
    do not need."""
    from reconciler.webex.transport import AiohttpTransport, env_proxy

    return AiohttpTransport(max_connections=concurrency, proxy=env_proxy(base))


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
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
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
