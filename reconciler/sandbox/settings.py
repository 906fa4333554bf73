"""How the sandbox behaves: timings, limits, the quirks of the live API it reproduces, and injected faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class SandboxSettings:
    """Knobs of the simulator. The defaults behave like a quiet, healthy Webex org.

    A running app reads its settings at every request, so a test may change the fields of
    `app.state.settings` (or `ServerThread.settings`) between requests; `seed` is read once, by create_app.
    """

    # How long a routing-prefix job runs: STARTING for the first third, STARTED until the end, then
    # COMPLETED (or FAILED when the job has errors).
    job_seconds: float = 1.0
    # Token bucket of this many requests per second (burst: the same number, at least 1); None: no limit.
    # An empty bucket answers 429 with a whole-seconds Retry-After header.
    rate_limit_per_second: float | None = None
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
    # HTTP date; None: the whole seconds until the bucket has a token again.
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
