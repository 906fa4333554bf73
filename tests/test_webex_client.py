"""WebexClient: auth, TrackingID, orgId, pagination, 429/423 back-off, put_json and the concurrency bound.

Every test plays the server with an `httpx.MockTransport` handler and injects `sleep` to record waits.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.webex.client import RetryPolicy, WebexClient, parse_retry_after
from reconciler.webex.errors import WebexError

BASE = "https://webexapis.com/v1"
TOKEN = "tok-SECRET-0123456789"

Handler = Callable[[httpx.Request], Any]


class Recorder:
    """Records the waits the client asks for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(handler: Handler, **kwargs: Any) -> tuple[WebexClient, Recorder]:
    sleep = kwargs.pop("sleep", None) or Recorder()
    client = WebexClient(BASE, TOKEN, transport=httpx.MockTransport(handler), sleep=sleep, **kwargs)
    return client, sleep


def run(coro_fn: Callable[[], Any]) -> Any:
    return asyncio.run(coro_fn())


def link(url: str) -> dict[str, str]:
    return {"Link": f'<{url}>; rel="next"'}


# --- auth and TrackingID -----------------------------------------------------------------------------


def test_bearer_token_and_distinct_tracking_id_on_every_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "PUT":
            return httpx.Response(204)
        if len(seen) == 1:
            return httpx.Response(
                200, json={"items": [{"id": "1"}]}, headers=link(f"{BASE}/locations?start=1")
            )
        return httpx.Response(200, json={"items": [{"id": "2"}]})

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.list_items("/locations", "items")
            await client.get_json("/telephony/config/locations/L1")
            await client.put_json("/telephony/config/locations/L1", {"outsideDialDigit": "9"})

    run(go)
    assert len(seen) == 4
    assert [r.headers.get("Authorization") for r in seen] == [f"Bearer {TOKEN}"] * 4
    tracking = [r.headers.get("TrackingID") for r in seen]
    assert all(tracking), tracking
    assert len(set(tracking)) == 4


def test_tracking_id_differs_between_retries_of_the_same_call() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["TrackingID"])
        if len(seen) < 3:
            return httpx.Response(429, headers={"Retry-After": "1"})
        return httpx.Response(200, json={})

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.get_json("/locations")

    run(go)
    assert len(seen) == 3
    assert len(set(seen)) == 3


def test_requests_go_under_the_base_url() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={})

    async def go() -> None:
        # a trailing slash on the base URL and a path with or without a leading slash all land the same
        client = WebexClient(BASE + "/", TOKEN, transport=httpx.MockTransport(handler), sleep=Recorder())
        async with client:
            await client.get_json("/telephony/config/locations/L1")
            await client.get_json("telephony/config/locations/L1")

    run(go)
    assert [(u.host, u.path) for u in seen] == [("webexapis.com", "/v1/telephony/config/locations/L1")] * 2


# --- orgId -------------------------------------------------------------------------------------------


def test_org_id_added_to_every_call_when_the_client_has_one() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "PUT":
            return httpx.Response(204)
        return httpx.Response(200, json={"items": []})

    async def go() -> None:
        client, _ = make_client(handler, org_id="ORG-1")
        async with client:
            await client.get_json("/telephony/config/locations/L1")
            await client.list_items("/locations", "items", {"name": "Paris"})
            await client.put_json("/telephony/pstn/locations/L1/connection", {"id": "X"})

    run(go)
    assert [r.method for r in seen] == ["GET", "GET", "PUT"]
    assert [r.url.params.get_list("orgId") for r in seen] == [["ORG-1"]] * 3
    assert seen[1].url.params["name"] == "Paris"


def test_org_id_absent_when_the_client_has_none() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204) if request.method == "PUT" else httpx.Response(200, json={"items": []})

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.get_json("/telephony/config/locations/L1")
            await client.list_items("/locations", "items")
            await client.put_json("/telephony/pstn/locations/L1/connection", {"id": "X"})

    run(go)
    assert len(seen) == 3
    assert all("orgId" not in r.url.params for r in seen)
    # no query at all on the plain GET and the PUT
    assert seen[0].url.query == b""
    assert seen[2].url.query == b""


def test_org_id_not_duplicated_when_the_next_link_carries_it() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(
                200,
                json={"items": [{"id": "1"}]},
                headers=link(f"{BASE}/locations?orgId=ORG-1&max=1000&start=1"),
            )
        return httpx.Response(200, json={"items": [{"id": "2"}]})

    async def go() -> list[dict[str, Any]]:
        client, _ = make_client(handler, org_id="ORG-1")
        async with client:
            return await client.list_items("/locations", "items")

    items = run(go)
    assert [i["id"] for i in items] == ["1", "2"]
    assert [r.url.params.get_list("orgId") for r in seen] == [["ORG-1"], ["ORG-1"]]
    # the link is followed as given: its start/max survive
    assert dict(seen[1].url.params.multi_items()) == {"orgId": "ORG-1", "max": "1000", "start": "1"}


# --- pagination --------------------------------------------------------------------------------------


def test_list_items_follows_next_links_across_pages_in_order() -> None:
    seen: list[httpx.Request] = []
    pages = {
        None: ({"items": [{"id": "a"}, {"id": "b"}]}, f"{BASE}/locations?start=2&max=2"),
        "2": ({"items": [{"id": "c"}, {"id": "d"}]}, f"{BASE}/locations?start=4&max=2"),
        "4": ({"items": [{"id": "e"}, {"id": "f"}]}, f"{BASE}/locations?start=6&max=2"),
        "6": ({"items": [{"id": "g"}]}, None),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body, next_url = pages[request.url.params.get("start")]
        return httpx.Response(200, json=body, headers=link(next_url) if next_url else {})

    async def go() -> list[dict[str, Any]]:
        client, _ = make_client(handler)
        async with client:
            return await client.list_items("/locations", "items", page_size=2)

    items = run(go)
    assert [i["id"] for i in items] == list("abcdefg")
    assert len(seen) == 4
    assert seen[0].url.params.get("max") == "2"
    assert "start" not in seen[0].url.params
    assert [r.url.params.get("start") for r in seen[1:]] == ["2", "4", "6"]


def test_list_items_asks_for_max_on_the_first_request_default_1000() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"trunks": [{"id": "T1", "name": "t"}]})

    async def go() -> list[dict[str, Any]]:
        client, _ = make_client(handler)
        async with client:
            return await client.list_items("/telephony/config/premisePstn/trunks", "trunks")

    items = run(go)
    assert items == [{"id": "T1", "name": "t"}]
    assert len(seen) == 1  # no Link header: stops after one page
    assert seen[0].url.params.get_list("max") == ["1000"]


def _dropping_server(seen: list[httpx.Request]) -> Handler:
    """Pages by `start`, like the live API, with next links that drop the original query params."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) > 6:  # a client that keeps re-asking for the same page: stop it, the test then fails
            return httpx.Response(200, json={"items": []})
        start = request.url.params.get("start")
        if start is None:
            # original name/orgId gone from the link, and the server capped max to 2
            return httpx.Response(
                200, json={"items": [{"id": "1"}]}, headers=link(f"{BASE}/locations?start=2&max=2")
            )
        if start == "2":
            # a next link without max at all
            return httpx.Response(
                200, json={"items": [{"id": "2"}]}, headers=link(f"{BASE}/locations?start=4")
            )
        return httpx.Response(200, json={"items": [{"id": "3"}]})

    return handler


def test_next_link_that_drops_query_params_gets_them_back_but_its_own_start_and_max_win() -> None:
    seen: list[httpx.Request] = []

    async def go() -> list[dict[str, Any]]:
        client, _ = make_client(_dropping_server(seen))
        async with client:
            return await client.list_items("/locations", "items", {"name": "Paris"}, page_size=500)

    items = run(go)
    assert [i["id"] for i in items] == ["1", "2", "3"]
    assert [dict(r.url.params.multi_items()) for r in seen] == [
        {"name": "Paris", "max": "500"},
        {"name": "Paris", "max": "2", "start": "2"},
        {"name": "Paris", "max": "500", "start": "4"},
    ]
    for r in seen:  # nothing duplicated on the followed links
        assert len(r.url.params.multi_items()) == len(set(r.url.params.keys()))


def test_next_link_that_drops_org_id_and_params_with_an_org_client() -> None:
    seen: list[httpx.Request] = []

    async def go() -> list[dict[str, Any]]:
        client, _ = make_client(_dropping_server(seen), org_id="ORG-1")
        async with client:
            return await client.list_items("/locations", "items", {"name": "Paris"}, page_size=500)

    items = run(go)
    assert [dict(r.url.params.multi_items()) for r in seen] == [
        {"name": "Paris", "max": "500", "orgId": "ORG-1"},
        {"name": "Paris", "max": "2", "start": "2", "orgId": "ORG-1"},
        {"name": "Paris", "max": "500", "start": "4", "orgId": "ORG-1"},
    ]
    assert [i["id"] for i in items] == ["1", "2", "3"]


def test_org_id_keeps_a_query_string_already_in_the_path() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    async def go() -> None:
        client, _ = make_client(handler, org_id="ORG-1")
        async with client:
            await client.get_json(
                "/telephony/pstn/locations/L1/connectionOptions?serviceTypes=GEOGRAPHIC_NUMBERS"
            )

    run(go)
    assert dict(seen[0].url.params.multi_items()) == {"serviceTypes": "GEOGRAPHIC_NUMBERS", "orgId": "ORG-1"}


def test_a_query_string_already_in_the_path_is_kept_without_org_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.get_json(
                "/telephony/pstn/locations/L1/connectionOptions?serviceTypes=GEOGRAPHIC_NUMBERS"
            )

    run(go)
    assert dict(seen[0].url.params.multi_items()) == {"serviceTypes": "GEOGRAPHIC_NUMBERS"}


def test_next_link_keeps_its_own_value_for_a_param_the_caller_also_gave() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(
                200, json={"items": [{"id": "1"}]}, headers=link(f"{BASE}/locations?name=Other&start=5")
            )
        return httpx.Response(200, json={"items": []})

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.list_items("/locations", "items", {"name": "Paris", "start": 0})

    run(go)
    assert seen[0].url.params["start"] == "0"
    assert seen[1].url.params.get_list("name") == ["Other"]
    assert seen[1].url.params.get_list("start") == ["5"]


def test_start_is_never_copied_from_the_original_query_onto_a_next_link() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(
                200, json={"items": [{"id": "1"}]}, headers=link(f"{BASE}/locations?cursor=abc")
            )
        return httpx.Response(200, json={"items": [{"id": "2"}]})

    async def go() -> list[dict[str, Any]]:
        client, _ = make_client(handler)
        async with client:
            return await client.list_items("/locations", "items", {"start": 0})

    items = run(go)
    assert [i["id"] for i in items] == ["1", "2"]
    assert "start" not in seen[1].url.params
    assert seen[1].url.params["cursor"] == "abc"


def test_list_items_tolerates_a_page_without_the_items_key_and_ignores_non_dict_items() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        n = len(seen)
        if n == 1:
            body = {"items": ["junk", 3, None, {"id": "1"}, ["x"]]}
            return httpx.Response(200, json=body, headers=link(f"{BASE}/locations?start=1"))
        if n == 2:
            return httpx.Response(200, json={"other": 1}, headers=link(f"{BASE}/locations?start=2"))
        if n == 3:
            return httpx.Response(200, json={"items": None}, headers=link(f"{BASE}/locations?start=3"))
        return httpx.Response(200, json={"items": [{"id": "2"}]})

    async def go() -> list[dict[str, Any]]:
        client, _ = make_client(handler)
        async with client:
            return await client.list_items("/locations", "items")

    items = run(go)
    assert items == [{"id": "1"}, {"id": "2"}]
    assert len(seen) == 4


def test_list_items_error_on_a_later_page_names_the_path_relative_to_the_base() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "start" not in request.url.params:
            return httpx.Response(
                200, json={"items": [{"id": "1"}]}, headers=link(f"{BASE}/locations?start=1")
            )
        return httpx.Response(500, json={"message": "boom", "trackingId": "T-500"})

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.list_items("/locations", "items")

    with pytest.raises(WebexError) as info:
        run(go)
    assert info.value.status == 500
    assert info.value.path == "/locations"
    assert info.value.method == "GET"


# --- 429 / 423 back-off ------------------------------------------------------------------------------


def _throttled_then_ok(status: int, retry_after: str | None, throttled: int = 1) -> tuple[Handler, list[int]]:
    statuses: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if len(statuses) < throttled:
            statuses.append(status)
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            return httpx.Response(status, json={"message": "slow down"}, headers=headers)
        statuses.append(200)
        return httpx.Response(200, json={"ok": True})

    return handler, statuses


def _get_with(handler: Handler, **kwargs: Any) -> tuple[dict[str, Any], list[float], WebexClient]:
    async def go() -> tuple[dict[str, Any], list[float], WebexClient]:
        client, sleep = make_client(handler, **kwargs)
        async with client:
            return await client.get_json("/locations"), sleep.waits, client

    return run(go)


def test_429_with_retry_after_seconds_waits_then_succeeds() -> None:
    handler, statuses = _throttled_then_ok(429, "2")
    body, waits, client = _get_with(handler)
    assert body == {"ok": True}
    assert waits == [2.0]
    assert statuses == [429, 200]
    assert client.requests_sent == 2


def test_429_with_an_http_date_retry_after_waits_until_that_date() -> None:
    statuses: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not statuses:
            statuses.append(429)
            when = email.utils.formatdate(time.time() + 100, usegmt=True)
            return httpx.Response(429, headers={"Retry-After": when})
        statuses.append(200)
        return httpx.Response(200, json={})

    _, waits, _ = _get_with(handler)
    assert statuses == [429, 200]
    assert len(waits) == 1
    assert 95.0 < waits[0] <= 100.0


def test_429_with_a_past_http_date_waits_zero() -> None:
    handler, statuses = _throttled_then_ok(429, "Wed, 21 Oct 2015 07:28:00 GMT")
    _, waits, _ = _get_with(handler)
    assert waits == [0.0]
    assert statuses == [429, 200]


@pytest.mark.parametrize("value", ["rand(30),add(30)", "soon", "1.5", "-3", ""])
def test_malformed_retry_after_falls_back_to_the_default_wait(value: str) -> None:
    handler, statuses = _throttled_then_ok(429, value)
    _, waits, _ = _get_with(handler, retry=RetryPolicy(default_wait=7.0))
    assert waits == [7.0]
    assert statuses == [429, 200]


def test_missing_retry_after_uses_the_default_wait() -> None:
    handler, statuses = _throttled_then_ok(429, None, throttled=2)
    _, waits, _ = _get_with(handler)
    assert waits == [RetryPolicy().default_wait] * 2
    assert statuses == [429, 429, 200]


def test_huge_retry_after_is_capped_at_max_wait() -> None:
    handler, _ = _throttled_then_ok(429, "86400")
    _, waits, _ = _get_with(handler)
    assert waits == [RetryPolicy().max_wait]

    handler, _ = _throttled_then_ok(429, "194")
    _, waits, _ = _get_with(handler, retry=RetryPolicy(max_wait=10.0))
    assert waits == [10.0]


def test_default_wait_is_capped_too() -> None:
    handler, _ = _throttled_then_ok(429, None)
    _, waits, _ = _get_with(handler, retry=RetryPolicy(default_wait=50.0, max_wait=3.0))
    assert waits == [3.0]


def test_gives_up_after_max_attempts_and_raises_the_429() -> None:
    statuses: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        statuses.append(429)
        return httpx.Response(
            429,
            json={"message": "Too many requests", "trackingId": f"T{len(statuses)}"},
            headers={"Retry-After": "3"},
        )

    sleep = Recorder()

    async def go() -> None:
        client, _ = make_client(handler, retry=RetryPolicy(max_attempts=4), sleep=sleep)
        async with client:
            await client.get_json("/telephony/config/locations")

    with pytest.raises(WebexError) as info:
        run(go)
    assert info.value.status == 429
    assert info.value.message == "Too many requests"
    assert info.value.tracking_id == "T4"  # the last answer's
    assert info.value.path == "/telephony/config/locations"
    assert len(statuses) == 4
    assert sleep.waits == [3.0, 3.0, 3.0]


def test_max_attempts_one_means_no_retry() -> None:
    handler, statuses = _throttled_then_ok(429, "1")
    with pytest.raises(WebexError) as info:
        _get_with(handler, retry=RetryPolicy(max_attempts=1))
    assert info.value.status == 429
    assert statuses == [429]


def test_423_is_waited_out_like_429() -> None:
    handler, statuses = _throttled_then_ok(423, "4", throttled=2)
    body, waits, _ = _get_with(handler)
    assert body == {"ok": True}
    assert waits == [4.0, 4.0]
    assert statuses == [423, 423, 200]


def test_423_also_raises_after_max_attempts() -> None:
    handler, statuses = _throttled_then_ok(423, None, throttled=99)
    with pytest.raises(WebexError) as info:
        _get_with(handler, retry=RetryPolicy(max_attempts=2))
    assert info.value.status == 423
    assert statuses == [423, 423]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 500, 502, 503])
def test_other_errors_are_not_retried(status: int) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json={"message": "nope"}, headers={"Retry-After": "1"})

    sleep = Recorder()

    async def go() -> None:
        client, _ = make_client(handler, sleep=sleep)
        async with client:
            await client.put_json("/telephony/config/locations/L1", {"routingPrefix": "12"})

    with pytest.raises(WebexError) as info:
        run(go)
    assert info.value.status == status
    assert info.value.method == "PUT"
    assert len(seen) == 1
    assert sleep.waits == []


def test_a_throttled_put_resends_the_same_body() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if len(bodies) == 1:
            return httpx.Response(429, headers={"Retry-After": "1"})
        return httpx.Response(204)

    async def go() -> tuple[int, dict[str, Any]]:
        client, _ = make_client(handler)
        async with client:
            return await client.put_json("/telephony/config/locations/L1", {"routingPrefix": "12"})

    assert run(go) == (204, {})
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert b'"routingPrefix"' in bodies[0]


# --- parse_retry_after -------------------------------------------------------------------------------


def test_parse_retry_after_seconds() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 194 ") == 194.0
    assert parse_retry_after("0") == 0.0


def test_parse_retry_after_http_date() -> None:
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    at = email.utils.parsedate_to_datetime(date).timestamp()
    assert parse_retry_after(date, now=lambda: at - 30) == pytest.approx(30.0)
    assert parse_retry_after(date, now=lambda: at + 30) == 0.0  # in the past: no wait
    assert parse_retry_after(date) == 0.0  # 2015 is in the past with the real clock too


@pytest.mark.parametrize("value", ["rand(30),add(30)", "garbage", "1.5", "-1", "", "   "])
def test_parse_retry_after_garbage_is_none(value: str) -> None:
    assert parse_retry_after(value) is None


def test_parse_retry_after_none_is_none() -> None:
    assert parse_retry_after(None) is None


def test_parse_retry_after_unicode_digit_garbage_is_none() -> None:
    assert parse_retry_after("\u00b2") is None


def test_non_ascii_retry_after_byte_falls_back_to_the_default_wait() -> None:
    statuses: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not statuses:
            statuses.append(429)
            return httpx.Response(429, headers=[(b"Retry-After", b"\xb2")])
        statuses.append(200)
        return httpx.Response(200, json={})

    _, waits, _ = _get_with(handler)
    assert waits == [RetryPolicy().default_wait]


# --- put_json / get_json -----------------------------------------------------------------------------


def test_put_json_204_returns_status_and_empty_dict_and_sends_json() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async def go() -> tuple[int, dict[str, Any]]:
        client, _ = make_client(handler)
        async with client:
            return await client.put_json("/telephony/config/locations/L1", {"outsideDialDigit": "9"})

    assert run(go) == (204, {})
    assert seen[0].method == "PUT"
    assert seen[0].headers["Content-Type"] == "application/json"
    assert httpx.Response(200, content=seen[0].content).json() == {"outsideDialDigit": "9"}


def test_put_json_200_returns_status_and_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"batchJobId": "JOB-1", "extra": [1]})

    async def go() -> tuple[int, dict[str, Any]]:
        client, _ = make_client(handler)
        async with client:
            return await client.put_json("/telephony/config/locations/L1", {"routingPrefix": "12"})

    assert run(go) == (200, {"batchJobId": "JOB-1", "extra": [1]})


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json=[1, 2]),
        httpx.Response(200, text="not json"),
        httpx.Response(200, content=b""),
        httpx.Response(200, json="a string"),
    ],
    ids=["list", "text", "empty", "string"],
)
def test_get_json_non_object_answers_read_as_empty_dict(response: httpx.Response) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return response

    async def go() -> dict[str, Any]:
        client, _ = make_client(handler)
        async with client:
            return await client.get_json("/locations/L1")

    assert run(go) == {}


# --- concurrency -------------------------------------------------------------------------------------


async def _let_everything_runnable_run(turns: int = 200) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)  # a yield to the loop, not a wait


def test_concurrency_bound_holds_with_gather() -> None:
    state = {"in_flight": 0, "peak": 0, "done": 0}

    async def go() -> list[dict[str, Any]]:
        release = asyncio.Event()
        two_in = asyncio.Event()

        async def handler(request: httpx.Request) -> httpx.Response:
            state["in_flight"] += 1
            state["peak"] = max(state["peak"], state["in_flight"])
            if state["in_flight"] >= 2:
                two_in.set()
            await release.wait()
            state["in_flight"] -= 1
            state["done"] += 1
            return httpx.Response(200, json={"n": request.url.path})

        client, _ = make_client(handler, concurrency=2)
        async with client:
            work = asyncio.gather(*(client.get_json(f"/locations/L{i}") for i in range(6)))
            await two_in.wait()
            await _let_everything_runnable_run()
            # without the bound, all six would be inside the handler by now
            assert state["in_flight"] == 2
            assert state["done"] == 0
            release.set()
            return await work

    results = run(go)
    assert [r["n"] for r in results] == [f"/v1/locations/L{i}" for i in range(6)]
    assert state["peak"] == 2
    assert state["done"] == 6


def test_a_request_waiting_out_retry_after_does_not_hold_a_slot() -> None:
    observed: dict[str, bool] = {}

    async def go() -> None:
        b_done = asyncio.Event()

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/A") and "a_throttled" not in observed:
                observed["a_throttled"] = True
                return httpx.Response(429, headers={"Retry-After": "1"})
            return httpx.Response(200, json={})

        async def sleep(seconds: float) -> None:
            await _let_everything_runnable_run()
            observed["b_done_while_a_waited"] = b_done.is_set()

        client = WebexClient(BASE, TOKEN, concurrency=1, transport=httpx.MockTransport(handler), sleep=sleep)

        async def b() -> None:
            await client.get_json("/locations/B")
            b_done.set()

        async with client:
            await asyncio.gather(client.get_json("/locations/A"), b())

    run(go)
    assert observed == {"a_throttled": True, "b_done_while_a_waited": True}


def test_relative_next_link_is_resolved_against_the_page_url() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if "start" not in request.url.params:
            return httpx.Response(
                200, json={"items": [{"n": 1}]}, headers={"Link": '</v1/locations?start=1&max=1>; rel="next"'}
            )
        return httpx.Response(200, json={"items": [{"n": 2}]})

    async def run() -> list[dict[str, object]]:
        async with WebexClient(BASE, "t", transport=httpx.MockTransport(handler)) as client:
            return await client.list_items("/locations", "items")

    assert asyncio.run(run()) == [{"n": 1}, {"n": 2}]
    assert seen[1].startswith("https://webexapis.com/v1/locations?start=1")


def test_a_next_link_to_another_host_is_refused_and_the_token_not_sent_there() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(
            200,
            json={"items": []},
            headers={"Link": '<https://evil.example/v1/locations?start=1>; rel="next"'},
        )

    async def run() -> None:
        async with WebexClient(BASE, "t", transport=httpx.MockTransport(handler)) as client:
            await client.list_items("/locations", "items")

    with pytest.raises(WebexError, match="another host"):
        asyncio.run(run())
    assert hosts == ["webexapis.com"]


def test_a_next_link_that_repeats_stops_instead_of_looping() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"items": [1]}, headers={"Link": f'<{BASE}/locations?start=1&max=1>; rel="next"'}
        )

    async def run() -> None:
        async with WebexClient(BASE, "t", transport=httpx.MockTransport(handler)) as client:
            await client.list_items("/locations", "items")

    with pytest.raises(WebexError, match="same next-page link twice"):
        asyncio.run(run())
