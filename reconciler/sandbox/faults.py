"""Fault injection: the switches of SandboxSettings turned into decisions, one request at a time.

The Gateway asks `Faults` how long to delay a request, whether to rate-limit, drop or fail it; the
location PUT asks `take_prefix_outcome` how a routing-prefix change ends. Every random choice comes from
the one `random.Random(settings.seed)` of the app, and a switch that is off draws nothing, so a seeded
test sees the same faults whichever other switches it leaves off.
"""

from __future__ import annotations

import collections
import enum
import math
import random
import re

import httpx

from reconciler.sandbox.settings import RateWindow, SandboxSettings

API_PREFIX = "/v1/"  # faults hit the API only, never a route of the sandbox's own beside it
FAILURE_STATUSES = (500, 502, 503, 504)
# Where the HTTP server leaves a callable that closes the request's connection (an ASGI scope key).
CLOSE_CONNECTION_KEY = "wxc_sandbox.close_connection"


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised to an in-process client (httpx.ASGITransport) for a dropped request.

    In-process there is no connection to close; an httpx transport error is what the client would see
    over HTTP, so its retry logic is exercised the same way.
    """

    def __init__(self) -> None:
        super().__init__("Server disconnected without sending a response (dropped by the sandbox).")


class TokenBucket:
    """`rate` requests per second, bursts of up to max(1, rate)."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.updated = now

    def wait(self, now: float) -> float:
        """0.0 when a request may go through now, else the seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self.tokens -= 1.0


class SlidingWindow:
    """At most `window.requests` requests in any `window.seconds`: the times of the last ones let through."""

    def __init__(self, window: RateWindow) -> None:
        self.window = window
        self.times: collections.deque[float] = collections.deque()

    def wait(self, now: float) -> float:
        """0.0 when a request may go through now, else the seconds until the oldest leaves the window."""
        while self.times and self.times[0] <= now - self.window.seconds:
            self.times.popleft()
        if len(self.times) < self.window.requests:
            return 0.0
        return self.times[0] + self.window.seconds - now

    def take(self, now: float) -> None:
        self.times.append(now)


RateLimit = TokenBucket | SlidingWindow


class Faults:
    """The faults of one app: its random generator and each org's rate limits, over its (mutable) settings."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.random = random.Random(settings.seed)
        # Per org: its rate limits, made for the settings in `_limited_by` (changed: made afresh).
        self._limits: dict[str, list[RateLimit]] = {}
        self._limited_by: tuple[float | None, RateWindow | None] = (None, None)

    @staticmethod
    def applies_to(path: str) -> bool:
        return path.startswith(API_PREFIX)

    def delay(self) -> float:
        """Seconds to hold the request: latency_ms, give or take up to latency_jitter_ms."""
        latency, jitter = self.settings.latency_ms, self.settings.latency_jitter_ms
        if jitter > 0:
            latency += self.random.uniform(-jitter, jitter)
        return max(0.0, latency) / 1000

    def retry_after(self, org_id: str) -> str | None:
        """None when the org's rate limits let the request through, else the Retry-After text of its 429.

        A request let through counts against every limit of the org; a refused one against none.
        """
        limits = self._limits_of(org_id)
        if not limits:
            return None
        now = self.settings.clock()
        wait = max(limit.wait(now) for limit in limits)
        if wait <= 0:
            for limit in limits:
                limit.take(now)
            return None
        if self.settings.retry_after is not None:
            return self.settings.retry_after
        return str(max(1, math.ceil(wait)))

    def _limits_of(self, org_id: str) -> list[RateLimit]:
        rate, window = self.settings.rate_limit_per_second, self.settings.rate_limit_window
        if (rate, window) != self._limited_by:  # changed at run time: every org starts afresh
            self._limits.clear()
            self._limited_by = (rate, window)
        limits = self._limits.get(org_id)
        if limits is None:
            limits = self._limits[org_id] = []
            if rate:
                limits.append(TokenBucket(rate, self.settings.clock()))
            if window is not None:
                limits.append(SlidingWindow(window))
        return limits

    def drops(self, path: str) -> bool:
        """Whether to close the connection of this request without an answer."""
        return self._hits(self.settings.drop_rate, path)

    def failure(self, path: str) -> int | None:
        """The 5xx status to answer this request with, or None."""
        if not self._hits(self.settings.fail_rate, path):
            return None
        return self.random.choice(FAILURE_STATUSES)

    def _hits(self, rate: float, path: str) -> bool:
        if rate <= 0 or not self._in_fail_paths(path):
            return False
        return self.random.random() < rate

    def _in_fail_paths(self, path: str) -> bool:
        patterns = self.settings.fail_paths
        return not patterns or any(re.search(pattern, path) for pattern in patterns)


class PrefixOutcome(enum.Enum):
    """How a routing-prefix change that the org would accept ends."""

    JOB = "a job that completes"
    CONFLICT = "409: another job in progress"
    NOT_TRIGGERED = "206: job not triggered"
    FAILING_JOB = "a job that fails"
    JOB_WITH_ERRORS = "a job that completes with errors"


def take_prefix_outcome(settings: SandboxSettings) -> PrefixOutcome:
    """The outcome of the next routing-prefix change; uses up one of the settings' counters."""
    if settings.prefix_conflicts > 0:
        settings.prefix_conflicts -= 1
        return PrefixOutcome.CONFLICT
    if settings.prefix_not_triggered > 0:
        settings.prefix_not_triggered -= 1
        return PrefixOutcome.NOT_TRIGGERED
    if settings.failing_jobs > 0:
        settings.failing_jobs -= 1
        return PrefixOutcome.FAILING_JOB
    if settings.jobs_with_errors > 0:
        settings.jobs_with_errors -= 1
        return PrefixOutcome.JOB_WITH_ERRORS
    return PrefixOutcome.JOB


def describe(settings: SandboxSettings) -> list[str]:
    """The faults that are on, one phrase each, for the log of a starting server; empty: none."""
    s = settings
    on: list[str] = []
    limits = []
    if s.rate_limit_per_second:
        limits.append(f"{s.rate_limit_per_second:g}/s (token bucket)")
    if s.rate_limit_window is not None:
        window = s.rate_limit_window
        limits.append(f"{window.requests} requests per {window.seconds:g} s (sliding window)")
    if limits:
        retry = f"Retry-After {s.retry_after!r}" if s.retry_after is not None else "whole-seconds Retry-After"
        on.append(f"rate limit {' and '.join(limits)} per org, 429 with {retry}")
    if s.latency_ms > 0 or s.latency_jitter_ms > 0:
        on.append(f"latency {s.latency_ms:g} ms ± {s.latency_jitter_ms:g} ms")
    scope = f" of paths matching {' or '.join(map(repr, s.fail_paths))}" if s.fail_paths else ""
    if s.fail_rate > 0:
        on.append(f"{s.fail_rate:.0%} of requests{scope} fail with 500/502/503/504")
    if s.drop_rate > 0:
        on.append(f"{s.drop_rate:.0%} of requests{scope} dropped without an answer")
    counters = (
        (s.prefix_conflicts, "answer 409 (another job in progress)"),
        (s.prefix_not_triggered, "answer 206 (job not triggered)"),
        (s.failing_jobs, "start a job that fails and restores the old prefix"),
        (s.jobs_with_errors, "start a job that completes with errors"),
    )
    outcomes = [f"{count} {what}" for count, what in counters if count > 0]
    if outcomes:
        on.append("the next routing-prefix changes: " + ", then ".join(outcomes))
    if on and s.seed is not None:
        on.append(f"random seed {s.seed}")
    return on
