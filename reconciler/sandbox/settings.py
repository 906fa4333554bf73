"""How the sandbox behaves: timings, limits, the quirks of the live API it reproduces, and injected faults."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateWindow:
    """A sliding window: at most `requests` requests accepted in any `seconds`, per org."""

    requests: int
    seconds: float

    def __post_init__(self) -> None:
        if self.requests < 1 or not (math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"a rate window needs at least 1 request in more than 0 s, not {self}")

    @classmethod
    def parse(cls, text: str) -> RateWindow:
        """`N/SECONDS`, e.g. "300/60" (300 requests a minute); ValueError saying what is wrong."""
        requests, slash, seconds = text.partition("/")
        try:
            if not slash:
                raise ValueError
            return cls(int(requests), float(seconds))
        except ValueError:
            raise ValueError(
                f"{text!r} is not REQUESTS/SECONDS with at least 1 request in more than 0 s, e.g. 300/60"
            ) from None

    def __str__(self) -> str:
        return f"{self.requests}/{self.seconds:g}"


@dataclass
class SandboxSettings:
    """Knobs of the simulator. The defaults behave like a quiet, healthy Webex org.

    A running app reads its settings at every request, so a test may change the fields of
    `app.state.settings` (or `ServerThread.settings`) between requests; `seed` is read once, by create_app.
    """

    # How long a routing-prefix job runs: STARTING for the first third, STARTED until the end, then
    # COMPLETED (or FAILED when the job has errors).
    job_seconds: float = 1.0
    # Rate limits, each kept per org (the request's `orgId`, else the token's own org), as the live API
    # limits an org, not a client; None: no such limit. A request over a limit answers 429 with a
    # whole-seconds Retry-After header (at least 1), and does not count against the limits.
    # A token bucket of this many requests per second (burst: the same number, at least 1).
    rate_limit_per_second: float | None = None
    # A sliding window, e.g. RateWindow(300, 60): its 429's Retry-After is the seconds until the oldest
    # request of the window leaves it, rounded up.
    rate_limit_window: RateWindow | None = None
    # Page size when a list request has no `max`, and the silent cap on a larger `max`.
    default_page_size: int = 100
    max_page_size: int = 1000
    # Telephony lists' next links keep only `start` and `max`, as seen on the live API; clients re-add
    # their filters. `/locations` always keeps every query parameter.
    drop_query_in_next_links: bool = True
    # GET .../pstn/locations/{id}/connection of a local gateway carries `routeType` and `routeId`, as
    # answers since 2025 do; False: the older shape without them (the route is then only in the location
    # details' `connection {type, id}`).
    pstn_connection_route: bool = True
    # Seconds since the epoch; tests inject their own to move job time without sleeping.
    clock: Callable[[], float] = time.time
    # How the app waits out `latency_ms`; tests inject their own to see the delays without sleeping.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    # Fault injection. Every switch defaults to off, and only requests under /v1/ are affected.
    # Every random choice comes from one random.Random(seed) per app (None: seeded from the OS), so a
    # test with a seed sees the same faults on every run.
    seed: int | None = None
    # The exact text of a 429's Retry-After header, e.g. "rand(30),add(30)" as once seen live, or an
    # HTTP date; None: the whole seconds until the rate limits let a request through again.
    retry_after: str | None = None
    # This share (0 to 1) of requests answers 500, 502, 503 or 504 (at random), before the request has
    # changed anything: a PUT that failed so changed nothing.
    fail_rate: float = 0.0
    # Every answer is delayed this long, plus or minus up to `latency_jitter_ms` (uniformly), without
    # holding up other requests. The request is handled on arrival; only its answer waits.
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    # This share (0 to 1) of requests has its connection closed without an answer (over HTTP; in-process
    # the client gets reconciler.sandbox.ConnectionDropped, an httpx.RemoteProtocolError). Changes nothing.
    drop_rate: float = 0.0
    # Regular expressions (re.search) of the URL paths, e.g. "/v1/telephony/config/locations/", that
    # `fail_rate` and `drop_rate` are limited to; empty: every path.
    fail_paths: tuple[str, ...] = ()
    # How the next routing-prefix changes end; each counts down as a change uses it, in this order:
    # 409 {failureReason} as if another job were running, and nothing changes;
    prefix_conflicts: int = 0
    # 206 {failureReason}: the whole PUT is saved, the prefix included, but no job starts, as observed;
    prefix_not_triggered: int = 0
    # the job ends FAILED with an error item for the location, and the old prefix comes back;
    failing_jobs: int = 0
    # the job ends COMPLETED with exit code COMPLETED_WITH_ERRORS and an error item; the prefix stays.
    jobs_with_errors: int = 0
