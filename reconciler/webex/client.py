"""Async HTTP client for the Webex API: auth, orgId, pagination, error bodies, 429 back-off.

Only this module talks HTTP. Concurrency is bounded here, around each exchange, so that a request
waiting out a Retry-After does not hold a slot other requests could use.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from reconciler.webex.errors import WebexError

DEFAULT_BASE_URL = "https://webexapis.com/v1"
Params = Mapping[str, str | int]


@dataclass(frozen=True)
class RetryPolicy:
    """How 429 (and 423) answers are waited out. The full fault policy builds on this."""

    max_attempts: int = 6
    default_wait: float = 5.0  # when Retry-After is missing or unreadable
    max_wait: float = 120.0


class WebexClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        org_id: str | None = None,
        concurrency: int = 10,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.org_id = org_id
        self._retry = retry
        self._sleep = sleep
        self._slots = asyncio.Semaphore(concurrency)
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
            timeout=timeout,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self.requests_sent = 0

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
        self, path: str, items_key: str, params: Params | None = None, page_size: int = 1000
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list, following `Link: rel="next"` one page after another."""
        query: dict[str, str | int] = {**(params or {}), "max": page_size}
        response = await self.request("GET", path, params=query)
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            page = _json_object(response).get(items_key) or []
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
        base = httpx.URL(self.base_url)
        shown = _shown_path(url, self.base_url)
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            # The token goes with every request: never follow a link to another host.
            raise WebexError(0, f"refusing a next-page link to another host: {url.host}", path=shown)
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
        url = httpx.URL(path)
        query = dict(params or {})
        if self.org_id and "orgId" not in url.params:
            query["orgId"] = self.org_id
        shown_path = _shown_path(url, self.base_url)
        for attempt in range(1, self._retry.max_attempts + 1):
            async with self._slots:
                response = await self._send(method, url, query, json, shown_path)
            if response.status_code in (423, 429) and attempt < self._retry.max_attempts:
                await self._sleep(self._wait_for(response))
                continue
            if response.status_code >= 400:
                raise WebexError.from_response(response, shown_path)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send(
        self,
        method: str,
        url: httpx.URL,
        query: dict[str, str | int],
        json: Mapping[str, Any] | None,
        shown_path: str,
    ) -> httpx.Response:
        self.requests_sent += 1
        headers = {"TrackingID": f"WXCR_{uuid.uuid4()}"}
        try:
            # Merge rather than pass params=: httpx would replace a query the URL already carries.
            target = url.copy_merge_params(query) if query else url
            return await self._http.request(method, target, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise WebexError(0, f"{type(exc).__name__}: {exc}", method=method, path=shown_path) from None

    def _wait_for(self, response: httpx.Response) -> float:
        wait = parse_retry_after(response.headers.get("Retry-After"))
        return min(wait if wait is not None else self._retry.default_wait, self._retry.max_wait)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After value (seconds or HTTP date); None when unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def _json_object(response: httpx.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _with_dropped_params(next_link: str, query: Mapping[str, str | int]) -> str:
    """Put back the query parameters a next link dropped (seen on the live API); the link's own win."""
    url = httpx.URL(next_link)
    missing = {k: str(v) for k, v in query.items() if k not in url.params and k != "start"}
    return str(url.copy_merge_params(missing)) if missing else next_link


def _shown_path(url: httpx.URL, base_url: str) -> str:
    """The path relative to the base URL, as people read it in plans and errors."""
    if url.is_absolute_url:
        base_path = httpx.URL(base_url).path.rstrip("/")
        path = url.path
        return path[len(base_path) :] if base_path and path.startswith(base_path + "/") else path
    return "/" + url.path.lstrip("/")
