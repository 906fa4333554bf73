"""How the sandbox behaves: timings, limits and the quirks of the live API it reproduces."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class SandboxSettings:
    """Knobs of the simulator. The defaults behave like a quiet, healthy Webex org."""

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
    # Seconds since the epoch; tests inject their own to move job time without sleeping.
    clock: Callable[[], float] = time.time

    # Fault injection: later switches go here (failing jobs, 5xx answers, malformed Retry-After, ...).
