"""The baseline: reading the same data the way admins script it today, to compare the reconciler with.

One location after another, with a plain synchronous `httpx.Client`: GET the calling locations list
(following `Link: rel="next"`, at `max=1000`), then for each location GET its details, then GET its PSTN
connection. No concurrency. A 429 is honoured naively: sleep what Retry-After says (5 s when it is not a
number of seconds), then send the same request again. Nothing is compared or planned: this only reads.

Run as its own process by plan_bench.py (so its CPU time and memory are its own, and it does not share a
GIL with the sandbox server): `WEBEX_ACCESS_TOKEN=... python bench/baseline.py BASE_URL`. Prints a JSON
object: locations read, requests sent, 429s seen.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import httpx


def _get(
    http: httpx.Client, url: str, params: dict[str, Any] | None, counts: dict[str, int]
) -> httpx.Response:
    while True:
        counts["requests"] += 1
        response = http.get(url, params=params)
        if response.status_code != 429:
            response.raise_for_status()
            return response
        counts["throttled"] += 1
        retry_after = response.headers.get("Retry-After", "")
        time.sleep(float(retry_after) if retry_after.isdigit() else 5.0)


def read_all(base_url: str, token: str) -> dict[str, int]:
    counts = {"locations": 0, "requests": 0, "throttled": 0}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers, timeout=30.0) as http:
        locations: list[dict[str, Any]] = []
        response = _get(http, "telephony/config/locations", {"max": 1000}, counts)
        while True:
            locations.extend(response.json().get("locations", []))
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                break
            response = _get(http, next_url, None, counts)
        for location in locations:
            location_id = location["id"]
            _get(http, f"telephony/config/locations/{location_id}", None, counts).json()
            _get(http, f"telephony/pstn/locations/{location_id}/connection", None, counts).json()
            counts["locations"] += 1
    return counts


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: WEBEX_ACCESS_TOKEN=... baseline.py BASE_URL", file=sys.stderr)
        return 2
    print(json.dumps(read_all(argv[0], os.environ["WEBEX_ACCESS_TOKEN"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
