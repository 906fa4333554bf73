"""WebexClient: auth, TrackingID, orgId, pagination, 429/423 back-off, put_json and the concurrency bound.

Every test plays the server with an `httpx.MockTransport` handler and injects `sleep` to record waits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import itertools
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.webex import client as client_module
from reconciler.webex.client import RetryPolicy, WebexClient, capacity_signal, parse_retry_after
from reconciler.webex.errors import NoAnswer, WebexError
from reconciler.webex.limiter import LimiterStats, Outcome

BASE = "https://webexapis.com/v1"
TOKEN = "tok-SECRET-0123456789"

Handler = Callable[[httpx.Request], Any]


class Recorder:
    """Records the waits the client asks for, without waiting; it is the client's clock too, so a
    wait moves time on exactly as much as it asked."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 1_000.0

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_client(handler: Handler, **kwargs: Any) -> tuple[WebexClient, Recorder]:
    sleep = kwargs.pop("sleep", None) or Recorder()
    if isinstance(sleep, Recorder):
        kwargs.setdefault("clock", sleep.clock)
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
    # one run id shared by every request of a client, then a sequence number
    assert len({t.rsplit("_", 1)[0] for t in tracking}) == 1
    assert [t.rsplit("_", 1)[1] for t in tracking] == ["000001", "000002", "000003", "000004"]


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


# --- 429 / 423: Retry-After --------------------------------------------------------------------------

THROTTLES = pytest.mark.parametrize("status", [429, 423])


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


@THROTTLES
def test_retry_after_seconds_is_waited_then_the_call_succeeds(status: int) -> None:
    handler, statuses = _throttled_then_ok(status, "2")
    body, waits, client = _get_with(handler)
    assert body == {"ok": True}
    assert waits == [2.0]
    assert statuses == [status, 200]
    assert client.requests_sent == 2


@THROTTLES
def test_an_http_date_retry_after_waits_until_that_date(status: int) -> None:
    statuses: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not statuses:
            statuses.append(status)
            when = email.utils.formatdate(time.time() + 100, usegmt=True)
            return httpx.Response(status, headers={"Retry-After": when})
        statuses.append(200)
        return httpx.Response(200, json={})

    _, waits, _ = _get_with(handler)
    assert statuses == [status, 200]
    assert len(waits) == 1
    assert 95.0 < waits[0] <= 100.0


@THROTTLES
def test_a_past_http_date_waits_the_floor(status: int) -> None:
    handler, statuses = _throttled_then_ok(status, "Wed, 21 Oct 2015 07:28:00 GMT")
    _, waits, _ = _get_with(handler)
    assert waits == [RetryPolicy().min_wait] == [1.0]
    assert statuses == [status, 200]


@THROTTLES
@pytest.mark.parametrize("value", ["0", "00"])
def test_retry_after_zero_waits_the_floor_not_a_burst_of_retries(status: int, value: str) -> None:
    handler, statuses = _throttled_then_ok(status, value, throttled=3)
    _, waits, _ = _get_with(handler)
    assert waits == [1.0, 1.0, 1.0]
    assert statuses == [status] * 3 + [200]


@THROTTLES
@pytest.mark.parametrize(
    "value", ["rand(30),add(30)", "soon", "1.5", "-3", "", "1e3", "Wed, 31 Feb 2015 07:28:00 GMT"]
)
def test_malformed_retry_after_falls_back_to_the_default_wait(status: int, value: str) -> None:
    handler, statuses = _throttled_then_ok(status, value)
    _, waits, _ = _get_with(handler, retry=RetryPolicy(default_wait=7.0))
    assert waits == [7.0]
    assert statuses == [status, 200]


@THROTTLES
def test_missing_retry_after_uses_the_default_wait(status: int) -> None:
    handler, statuses = _throttled_then_ok(status, None, throttled=2)
    _, waits, _ = _get_with(handler)
    assert waits == [RetryPolicy().default_wait] * 2 == [5.0, 5.0]
    assert statuses == [status, status, 200]


@THROTTLES
def test_a_retry_after_of_194_s_is_waited_in_full(status: int) -> None:
    handler, statuses = _throttled_then_ok(status, "194")  # a value the live API sent
    _, waits, _ = _get_with(handler)
    assert waits == [194.0]
    assert statuses == [status, 200]


@THROTTLES
@pytest.mark.parametrize("value", ["86400", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_a_retry_after_over_the_run_budget_stops_at_once_saying_what_the_org_asked(
    status: int, value: str
) -> None:
    handler, statuses = _throttled_then_ok(status, value)
    with pytest.raises(WebexError) as info:
        _get_with(handler)
    error = info.value
    assert error.status == status
    assert "over --max-wait (1800 s, 0 s waited so far)" in error.message
    assert error.message.endswith(f"the last answer: slow down (Retry-After: {value!r})")
    assert statuses == [status]  # nothing more was sent, and nothing was slept


def test_a_retry_after_of_endless_digits_is_unreadable_and_waits_the_default() -> None:
    handler, _ = _throttled_then_ok(429, "9" * 400)
    _, waits, _ = _get_with(handler)
    assert waits == [5.0]


@THROTTLES
def test_a_lower_budget_stops_a_retry_after_it_cannot_cover(status: int) -> None:
    handler, _ = _throttled_then_ok(status, "194")
    with pytest.raises(WebexError) as info:
        _get_with(handler, retry=RetryPolicy(max_wait=10.0))
    assert info.value.message.startswith("the org asked to wait 194 s; over --max-wait (10 s")


def test_the_budget_counts_every_pause_of_the_run() -> None:
    handler, statuses = _throttled_then_ok(429, "4", throttled=10)
    with pytest.raises(WebexError) as info:
        _get_with(handler, retry=RetryPolicy(max_wait=10.0))
    # 4 + 4 s fit the 10 s budget; a third pause would make 12 s
    assert "the org asked to wait 4 s; over --max-wait (10 s, 8 s waited so far)" in info.value.message
    assert statuses == [429, 429, 429]


def test_a_missing_retry_after_over_the_budget_stops_too() -> None:
    handler, _ = _throttled_then_ok(429, None)
    with pytest.raises(WebexError) as info:
        _get_with(handler, retry=RetryPolicy(default_wait=50.0, max_wait=3.0))
    assert "asked to wait 50 s" in info.value.message


def test_retry_after_waits_get_no_backoff_or_jitter() -> None:
    handler, _ = _throttled_then_ok(429, "4", throttled=4)
    _, waits, _ = _get_with(handler, retry=RetryPolicy(base_backoff=10.0, jitter=5.0))
    assert waits == [4.0] * 4


@THROTTLES
def test_throttles_use_no_fault_tries_and_end_with_the_budget_naming_the_last_answer(status: int) -> None:
    statuses: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        statuses.append(status)
        return httpx.Response(
            status,
            json={"message": f"Too many requests ({len(statuses)})", "trackingId": f"T{len(statuses)}"},
            headers={"Retry-After": "3"},
        )

    sleep = Recorder()

    async def go() -> None:
        client, _ = make_client(handler, retry=RetryPolicy(attempts=4, max_wait=30.0), sleep=sleep)
        async with client:
            await client.get_json("/telephony/config/locations")

    with pytest.raises(WebexError) as info:
        run(go)
    error = info.value
    assert error.status == status
    # ten pauses of 3 s fill the 30 s budget; the eleventh answer is the last
    assert len(statuses) == 11 > 4
    assert sleep.waits == [3.0] * 10
    assert error.message.endswith("the last answer: Too many requests (11) (Retry-After: '3')")
    assert error.tracking_id == "T11"
    assert error.retried is not None
    assert (error.retried.throttled, error.retried.faults) == (11, 0)
    assert "trackingId T11" in str(error)
    assert "gave up after 11 429/423 answers and 0 faults over 30 s" in str(error)
    assert error.path == "/telephony/config/locations"


def test_attempts_one_still_waits_out_a_throttle() -> None:
    handler, statuses = _throttled_then_ok(429, "1")
    body, waits, _ = _get_with(handler, retry=RetryPolicy(attempts=1))
    assert body == {"ok": True}
    assert statuses == [429, 200]
    assert waits == [1.0]


def test_five_429s_then_a_500_then_a_204_succeeds() -> None:
    answers = [429] * 5 + [500, 204]
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(answers[len(seen)])
        return httpx.Response(seen[-1], headers={"Retry-After": "2"} if seen[-1] == 429 else {})

    async def go() -> tuple[int, dict[str, Any]]:
        client, _ = make_client(handler, retry=RetryPolicy(attempts=2, jitter=0.0))
        async with client:
            return await client.put_json("/telephony/config/locations/L1", {"routingPrefix": "12"})

    # attempts=2: one fault retry is all there is, and the five throttles did not use it up
    assert run(go) == (204, {})
    assert seen == answers


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


# --- the total deadline ------------------------------------------------------------------------------


class FakeClock:
    """The client's clock and sleep at once: sleeping moves time on, and nothing really waits."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _with_clock(handler: Handler, policy: RetryPolicy, clock: FakeClock) -> WebexClient:
    return WebexClient(
        BASE, TOKEN, transport=httpx.MockTransport(handler), retry=policy, sleep=clock.sleep, clock=clock
    )


def _always(
    status: int, seen: list[httpx.Request], headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """Answers `status` every time, with a message and trackingId numbered by the try."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        n = len(seen)
        body = {
            "message": f"failure {n}",
            "errors": [{"description": f"failure {n}", "errorCode": 1000 + n}],
            "trackingId": f"ROUTER_{n}",
        }
        return httpx.Response(status, json=body, headers=headers or {})

    return handler


FLAT_30 = {"base_backoff": 30.0, "max_backoff": 30.0, "jitter": 0.0}


def test_deadline_stops_before_a_wait_that_would_end_past_it() -> None:
    seen: list[httpx.Request] = []
    clock = FakeClock()
    policy = RetryPolicy(attempts=50, deadline=100.0, **FLAT_30)
    client = _with_clock(_always(503, seen), policy, clock)

    async def go() -> None:
        async with client:
            await client.get_json("/locations")

    with pytest.raises(WebexError) as info:
        run(go)
    # 30 + 30 + 30 = 90 s waited; a fourth wait would end at 120 s, past the 100 s deadline
    assert clock.waits == [30.0, 30.0, 30.0]
    assert len(seen) == 4
    err = info.value
    assert (err.status, err.message, err.tracking_id) == (503, "failure 4", "ROUTER_4")
    assert "HTTP 503" in str(err) and "trackingId ROUTER_4" in str(err)
    assert "gave up after 0 429/423 answers and 4 faults over 90 s" in str(err)
    assert client.stats.waited == 90.0


def test_deadline_counts_the_time_exchanges_take_too() -> None:
    seen: list[httpx.Request] = []
    clock = FakeClock()
    failing = _always(503, seen)

    def slow_server(request: httpx.Request) -> httpx.Response:
        clock.now += 45.0  # every answer takes 45 s
        return failing(request)

    policy = RetryPolicy(attempts=50, deadline=100.0, base_backoff=10.0, max_backoff=10.0, jitter=0.0)
    client = _with_clock(slow_server, policy, clock)

    async def go() -> None:
        async with client:
            await client.get_json("/locations")

    with pytest.raises(WebexError) as info:
        run(go)
    # try 1 ends at 45 s, its wait at 55; try 2 ends at 100 s: a wait now would end past the deadline
    assert clock.waits == [10.0]
    assert len(seen) == 2
    assert info.value.tracking_id == "ROUTER_2"


def test_the_fault_deadline_does_not_count_the_pauses_the_org_asked_for() -> None:
    answers = [429, 503, 429, 503, 200]
    seen: list[int] = []
    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(answers[len(seen)])
        return httpx.Response(seen[-1], headers={"Retry-After": "200"}, json={"ok": True})

    client = _with_clock(handler, RetryPolicy(deadline=100.0, **FLAT_30), clock)

    async def go() -> dict[str, Any]:
        async with client:
            return await client.get_json("/locations")

    # 200 + 30 + 200 + 30 s in all, but only the 60 s of back-off count against the 100 s deadline
    assert run(go) == {"ok": True}
    assert clock.waits == [200.0, 30.0, 200.0, 30.0]


def test_deadline_bounds_the_5xx_backoff_as_well() -> None:
    seen: list[httpx.Request] = []
    clock = FakeClock()
    policy = RetryPolicy(attempts=50, base_backoff=10.0, max_backoff=1000.0, jitter=0.0, deadline=25.0)
    client = _with_clock(_always(503, seen), policy, clock)

    async def go() -> None:
        async with client:
            await client.get_json("/locations")

    with pytest.raises(WebexError) as info:
        run(go)
    assert clock.waits == [10.0]  # the next back-off, 20 s, would end at 30 s
    assert len(seen) == 2
    assert (info.value.status, info.value.tracking_id) == (503, "ROUTER_2")


def test_a_call_that_succeeds_in_time_is_not_cut_short() -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []
    failing = _always(503, seen)

    def handler(request: httpx.Request) -> httpx.Response:
        return failing(request) if len(seen) < 3 else httpx.Response(200, json={"ok": True})

    client = _with_clock(handler, RetryPolicy(deadline=90.0, **FLAT_30), clock)

    async def go() -> dict[str, Any]:
        async with client:
            return await client.get_json("/locations")

    assert run(go) == {"ok": True}
    assert clock.waits == [30.0, 30.0, 30.0]  # the last wait ends exactly at the deadline: allowed
    assert len(seen) == 3


# --- 5xx and lost connections: exponential back-off with jitter --------------------------------------

SERVER_ERRORS = pytest.mark.parametrize("status", [500, 502, 503, 504])
NO_JITTER = RetryPolicy(base_backoff=1.0, max_backoff=8.0, jitter=0.0)


def _call(client: WebexClient, method: str) -> Any:
    if method == "PUT":
        return client.put_json("/telephony/config/locations/L1", {"routingPrefix": "12"})
    return client.get_json("/telephony/config/locations/L1")


@SERVER_ERRORS
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_5xx_is_retried_then_the_call_succeeds(status: int, method: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) <= 2:
            return httpx.Response(status, json={"message": "try later"})
        return httpx.Response(200, json={"ok": True})

    async def go() -> tuple[Any, WebexClient, Recorder]:
        client, sleep = make_client(handler, retry=NO_JITTER)
        async with client:
            return await _call(client, method), client, sleep

    answer, client, sleep = run(go)
    assert answer == ({"ok": True} if method == "GET" else (200, {"ok": True}))
    assert [r.method for r in seen] == [method] * 3
    assert len({r.content for r in seen}) == 1  # a PUT resends the same body
    assert sleep.waits == [1.0, 2.0]
    assert client.stats.retries == {"429": 0, "423": 0, "5xx": 2, "transport": 0}


@SERVER_ERRORS
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_5xx_forever_raises_the_last_answer_after_exactly_attempts_tries(status: int, method: str) -> None:
    seen: list[httpx.Request] = []

    async def go() -> None:
        client, _ = make_client(_always(status, seen), retry=RetryPolicy(attempts=4))
        async with client:
            await _call(client, method)

    with pytest.raises(WebexError) as info:
        run(go)
    assert len(seen) == 4
    err = info.value
    assert (err.status, err.method, err.path) == (status, method, "/telephony/config/locations/L1")
    assert (err.message, err.error_codes, err.tracking_id) == ("failure 4", (1004,), "ROUTER_4")
    text = str(err)
    for part in (f"HTTP {status}", method, "failure 4", "errorCode 1004", "trackingId ROUTER_4"):
        assert part in text, (part, text)
    assert err.to_dict() == {
        "status": status,
        "message": "failure 4",
        "errorCodes": [1004],
        "trackingId": "ROUTER_4",
        "retried": {
            "throttled": 0,
            "faults": 4,
            "seconds": round(err.retried.seconds, 1) if err.retried else 0,
        },
    }
    assert "gave up after 0 429/423 answers and 4 faults" in text


@pytest.mark.parametrize("status", [501, 505, 599])
def test_other_5xx_statuses_are_final(status: int) -> None:
    seen: list[httpx.Request] = []

    async def go() -> None:
        client, _ = make_client(_always(status, seen))
        async with client:
            await client.get_json("/locations")

    with pytest.raises(WebexError) as info:
        run(go)
    assert info.value.status == status
    assert len(seen) == 1


TRANSPORT_FAILURES = [
    httpx.ConnectError("[Errno 111] Connection refused"),
    httpx.ConnectTimeout("timed out"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.ReadError("[Errno 104] Connection reset by peer"),
    httpx.WriteError("[Errno 32] Broken pipe"),
    httpx.ReadTimeout("The read operation timed out"),
    httpx.WriteTimeout("The write operation timed out"),
    httpx.PoolTimeout("no free connection"),
]
TRANSPORT_IDS = [type(e).__name__ for e in TRANSPORT_FAILURES]


@pytest.mark.parametrize("failure", TRANSPORT_FAILURES, ids=TRANSPORT_IDS)
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_lost_connection_or_timeout_is_retried_then_the_call_succeeds(
    failure: httpx.HTTPError, method: str
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise failure
        return httpx.Response(200, json={"ok": True})

    async def go() -> tuple[Any, WebexClient, Recorder]:
        client, sleep = make_client(handler, retry=NO_JITTER)
        async with client:
            return await _call(client, method), client, sleep

    answer, client, sleep = run(go)
    assert answer == ({"ok": True} if method == "GET" else (200, {"ok": True}))
    assert len(seen) == 2
    assert seen[0].content == seen[1].content
    assert sleep.waits == [1.0]
    assert client.stats.retries["transport"] == 1


@pytest.mark.parametrize("failure", TRANSPORT_FAILURES, ids=TRANSPORT_IDS)
def test_a_connection_lost_every_time_raises_status_zero_after_attempts_tries(
    failure: httpx.HTTPError,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise failure

    async def go() -> None:
        client, _ = make_client(handler, retry=RetryPolicy(attempts=3))
        async with client:
            await client.put_json("/telephony/config/locations/L1", {"routingPrefix": "12"})

    with pytest.raises(WebexError) as info:
        run(go)
    assert len(seen) == 3
    err = info.value
    assert isinstance(err, NoAnswer)
    assert err.status == 0
    assert err.message == f"{type(failure).__name__}: {failure}"
    assert str(err).startswith("no answer on PUT /telephony/config/locations/L1: " + err.message)
    # no server answered: the TrackingID the last try was sent with, for Webex support to look up
    assert err.tracking_id == seen[-1].headers["TrackingID"]


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (httpx.ReadTimeout(""), "ReadTimeout: timed out waiting for the answer"),
        (httpx.RemoteProtocolError(""), "RemoteProtocolError: the server closed the connection"),
        (httpx.ConnectError(""), "ConnectError: could not connect"),
    ],
)
def test_a_failure_httpx_left_without_a_message_still_reads(failure: httpx.HTTPError, message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    async def go() -> None:
        client, _ = make_client(handler, retry=RetryPolicy(attempts=1))
        async with client:
            await client.get_json("/locations")

    with pytest.raises(WebexError) as info:
        run(go)
    assert info.value.message.startswith(message)


def test_a_transport_failure_that_another_try_cannot_fix_is_final() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.LocalProtocolError("Illegal header value")

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.get_json("/locations")

    with pytest.raises(WebexError) as info:
        run(go)
    assert len(seen) == 1
    assert info.value.status == 0 and not isinstance(info.value, NoAnswer)


def _backoffs(policy: RetryPolicy) -> list[float]:
    """The waits of one GET that meets a 500 on every try."""
    seen: list[httpx.Request] = []

    async def go() -> list[float]:
        client, sleep = make_client(_always(500, seen), retry=policy)
        async with client:
            with pytest.raises(WebexError):
                await client.get_json("/locations")
        return sleep.waits

    waits: list[float] = run(go)
    assert len(seen) == policy.attempts
    return waits


def test_backoff_doubles_from_base_up_to_max() -> None:
    policy = RetryPolicy(attempts=7, base_backoff=1.0, max_backoff=8.0, jitter=0.0)
    assert _backoffs(policy) == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_backoff_has_jitter_within_its_bound() -> None:
    policy = RetryPolicy(attempts=7, base_backoff=1.0, max_backoff=8.0, jitter=0.5)
    runs = [_backoffs(policy) for _ in range(5)]
    for waits in runs:
        for wait, floor in zip(waits, [1.0, 2.0, 4.0, 8.0, 8.0, 8.0], strict=True):
            assert floor <= wait <= floor + 0.5, waits
    # random jitter: five runs of six waits do not all come out the same
    assert len({tuple(waits) for waits in runs}) > 1


def test_backoff_jitter_spans_its_whole_range(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = RetryPolicy(attempts=3, base_backoff=1.0, max_backoff=8.0, jitter=0.5)
    monkeypatch.setattr(random, "uniform", lambda low, high: low)
    assert _backoffs(policy) == [1.0, 2.0]
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    assert _backoffs(policy) == [1.5, 2.5]


def test_default_policy() -> None:
    policy = RetryPolicy()
    assert (policy.attempts, policy.base_backoff, policy.max_backoff, policy.jitter) == (6, 0.5, 30.0, 1.0)
    assert (policy.default_wait, policy.max_wait, policy.deadline) == (5.0, 1800.0, 300.0)
    assert policy.min_wait == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.attempts = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "bad",
    [{"attempts": 0}, {"base_backoff": -1.0}, {"max_wait": -1.0}, {"jitter": -0.1}, {"deadline": 0.0}],
)
def test_a_policy_that_cannot_work_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**bad)


def test_throttle_then_server_error_then_success_uses_each_rule() -> None:
    answers = [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(503, json={"message": "down"}),
        httpx.Response(423, headers={"Retry-After": "rand(30),add(30)"}),
        httpx.Response(200, json={"ok": True}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    body, waits, client = _get_with(handler, retry=RetryPolicy(base_backoff=1.0, jitter=0.0))
    assert body == {"ok": True}
    # Retry-After; the back-off after the first fault (1·2⁰: throttles are not faults); the default wait
    # for an unreadable Retry-After
    assert waits == [7.0, 1.0, 5.0]
    assert client.stats.retries == {"429": 1, "423": 1, "5xx": 1, "transport": 0}


# --- 4xx: final ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 410, 415, 428])
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_client_errors_are_never_retried(status: int, method: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            status, json={"message": "nope", "trackingId": "ROUTER_4XX"}, headers={"Retry-After": "1"}
        )

    async def go() -> tuple[WebexClient, Recorder]:
        client, sleep = make_client(handler)
        async with client:
            with pytest.raises(WebexError) as info:
                await _call(client, method)
        assert (info.value.status, info.value.method) == (status, method)
        assert "trackingId ROUTER_4XX" in str(info.value)
        return client, sleep

    client, sleep = run(go)
    assert len(seen) == 1
    assert sleep.waits == []
    assert client.stats.retries == {"429": 0, "423": 0, "5xx": 0, "transport": 0}


# --- stats ---------------------------------------------------------------------------------------------


def test_stats_count_requests_retries_by_reason_and_time_waited() -> None:
    faults: dict[str, list[httpx.Response | Exception]] = {
        "/v1/a": [httpx.Response(429, headers={"Retry-After": "2"})],
        "/v1/b": [httpx.Response(423, headers={"Retry-After": "3"}), httpx.Response(423)],
        "/v1/c": [httpx.Response(502)],
        "/v1/d": [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")],
        "/v1/e": [],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        pending = faults[request.url.path]
        if not pending:
            return httpx.Response(200, json={})
        fault = pending.pop(0)
        if isinstance(fault, Exception):
            raise fault
        return fault

    async def go() -> WebexClient:
        client, _ = make_client(handler, retry=RetryPolicy(base_backoff=1.0, jitter=0.0, default_wait=4.0))
        async with client:
            for path in ("/a", "/b", "/c", "/d", "/e"):
                await client.get_json(path)
        return client

    client = run(go)
    stats = client.stats
    assert stats.requests_sent == client.requests_sent == 11
    assert stats.retries == {"429": 1, "423": 2, "5xx": 1, "transport": 2}
    # a: 2; b: 3 + 4 (default); c: 1; d: 1 + 2 (back-off grows with the try)
    assert stats.waited == 13.0
    # One request at a time: each throttle is a round of its own, so 429, 423, 423 halve 10 → 5 → 2 → 1;
    # the 502 and the lost connections say nothing; five successes then win back 1 → 2 → 3 (+2 credit).
    concurrency = {"max_limit": 10, "limit": 3, "lowest_limit": 1, "decreases": 3}
    # three pauses the org asked for: 2 + 3 + 4 s
    assert (stats.pace.pauses, stats.pace.paused) == (3, 9.0)
    assert stats.to_dict() == {
        "requests_sent": 11,
        "retries": stats.retries,
        "waited": 13.0,
        "concurrency": concurrency,
        "pace": dataclasses.asdict(stats.pace),
    }


def test_stats_do_not_count_a_retry_that_did_not_happen() -> None:
    seen: list[httpx.Request] = []

    async def go() -> WebexClient:
        client, _ = make_client(_always(500, seen), retry=RetryPolicy(attempts=3, jitter=0.0))
        async with client:
            with pytest.raises(WebexError):
                await client.get_json("/locations")
        return client

    client = run(go)
    assert client.stats.requests_sent == 3
    assert client.stats.retries["5xx"] == 2
    assert client.stats.waited == 0.5 + 1.0


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


@pytest.mark.parametrize("fault", [httpx.Response(503), httpx.Response(502)], ids=["503", "502"])
def test_a_request_backing_off_after_a_fault_does_not_hold_a_slot(fault: httpx.Response) -> None:
    """concurrency=1: while A backs off after its fault, B is sent and completes; only then does A's wait
    end. (A throttle is another matter: it pauses the whole org, see the pace tests below.)"""
    order: list[str] = []

    async def go() -> None:
        b_done = asyncio.Event()
        a_waiting = asyncio.Event()

        def handler(request: httpx.Request) -> httpx.Response:
            name = request.url.path.rsplit("/", 1)[-1]
            order.append(name)
            if order == ["A"]:
                return fault
            return httpx.Response(200, json={"name": name})

        async def sleep(seconds: float) -> None:
            a_waiting.set()
            # Would never be set if A kept the only slot while waiting: the bound stops the test, not a hang
            await asyncio.wait_for(b_done.wait(), timeout=5)

        client = WebexClient(BASE, TOKEN, concurrency=1, transport=httpx.MockTransport(handler), sleep=sleep)

        async def b() -> None:
            await a_waiting.wait()  # B starts only once A is waiting
            assert await client.get_json("/locations/B") == {"name": "B"}
            b_done.set()

        async with client:
            a, _ = await asyncio.gather(client.get_json("/locations/A"), b())
        assert a == {"name": "A"}

    run(go)
    assert order == ["A", "B", "A"]


# --- adaptive concurrency: a rate limit costs time, not failures ---------------------------------------


class BurstServer:
    """Answers 429 (Retry-After 1) to the first `burst` requests it finishes, 200 after that.

    Each request stays in the server for a few turns of the event loop so that concurrent ones pile up.
    On arrival it records how many are in the server, itself included, and the client's limit then.
    """

    def __init__(self, burst: int, status: int = 429) -> None:
        self.burst = burst
        self.status = status
        self.active = 0
        self.arrivals: list[tuple[int, int]] = []  # (requests in the server, the client's limit)
        self.answers: list[int] = []
        self.client: WebexClient | None = None

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.client is not None
        self.active += 1
        self.arrivals.append((self.active, self.client.stats.concurrency.limit))
        await _let_everything_runnable_run(3)
        self.active -= 1
        throttled = len(self.answers) < self.burst
        self.answers.append(self.status if throttled else 200)
        if throttled:
            return httpx.Response(self.status, json={"message": "slow down"}, headers={"Retry-After": "1"})
        return httpx.Response(200, json={"path": request.url.path})


BurstRun = tuple[list[Any], WebexClient, Recorder]


def _burst_run(server: BurstServer, requests: int, concurrency: int) -> BurstRun:
    """`requests` GETs at once through a client of `concurrency`: their answers, the client, its waits."""

    async def go() -> BurstRun:
        client, sleep = make_client(server, concurrency=concurrency)
        server.client = client
        async with client:
            results = await asyncio.gather(*(client.get_json(f"/locations/L{i}") for i in range(requests)))
        return results, client, sleep

    result: BurstRun = run(go)
    return result


def test_a_burst_of_429s_lowers_the_limit_then_successes_restore_it() -> None:
    server = BurstServer(burst=12)
    results, client, sleep = _burst_run(server, requests=60, concurrency=8)

    # Every request eventually succeeded: the rate limit cost waits, not failures.
    assert [r["path"] for r in results] == [f"/v1/locations/L{i}" for i in range(60)]
    assert server.answers.count(429) == 12 and server.answers.count(200) == 60
    assert client.stats.requests_sent == 72
    # Each 429 was waited out, for what Retry-After said; the org-wide pause is waited once by all the
    # requests that meet it, not once per request: one pause per round of throttles.
    assert client.stats.retries["429"] == 12
    assert sleep.waits == [1.0] * client.stats.pace.pauses
    assert client.stats.pace.pauses == client.stats.pace.throttles == client.stats.concurrency.decreases

    # No request ever arrived while the requests in the server, itself included, exceeded the limit.
    assert all(active <= limit for active, limit in server.arrivals), server.arrivals
    limits = [limit for _, limit in server.arrivals]
    first_low = next(i for i, limit in enumerate(limits) if limit < 8)
    # The first wave went out at the full 8; then the limit dropped, with fewer requests at once...
    assert max(active for active, _ in server.arrivals[:first_low]) == 8
    assert max(active for active, _ in server.arrivals[first_low : first_low + 12]) <= 4
    # ...and recovered to the configured concurrency, never beyond it.
    assert limits[-1] == 8 and max(limits) == 8
    stats = client.stats.concurrency
    assert (stats.max_limit, stats.limit) == (8, 8)
    # Twelve 429s, but only a few halvings: a burst's throttles count once per round.
    assert 1 <= stats.decreases <= 3
    assert stats.lowest_limit == 8 >> stats.decreases


def test_a_burst_of_423s_lowers_the_limit_too() -> None:
    server = BurstServer(burst=4, status=423)
    results, client, sleep = _burst_run(server, requests=4, concurrency=4)
    assert len(results) == 4
    # One pause for the org, waited by the four together
    assert sleep.waits == [1.0]
    assert (client.stats.pace.pauses, client.stats.pace.throttles) == (1, 1)
    # One round: the four in flight together drew the four 423s and halved the limit once, to 2; the
    # four retries, sent at 2, then succeeded: two successes at 2 make it 3.
    assert client.stats.concurrency == LimiterStats(max_limit=4, limit=3, lowest_limit=2, decreases=1)


def test_concurrency_one_still_works_through_a_burst_of_429s() -> None:
    server = BurstServer(burst=3)
    results, client, sleep = _burst_run(server, requests=5, concurrency=1)
    assert [r["path"] for r in results] == [f"/v1/locations/L{i}" for i in range(5)]
    assert max(active for active, _ in server.arrivals) == 1
    assert sleep.waits == [1.0] * 3
    assert client.stats.concurrency == LimiterStats(max_limit=1, limit=1, lowest_limit=1, decreases=0)


def test_server_errors_and_lost_connections_leave_the_limit_alone() -> None:
    answers: list[httpx.Response | Exception] = [
        httpx.Response(503),
        httpx.ConnectError("refused"),
        httpx.Response(500),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return httpx.Response(200, json={})

    async def go() -> WebexClient:
        client, _ = make_client(handler, concurrency=4, retry=NO_JITTER)
        async with client:
            await client.get_json("/locations")
        return client

    client = run(go)
    assert client.stats.concurrency == LimiterStats(max_limit=4, limit=4, lowest_limit=4, decreases=0)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (429, Outcome.THROTTLED),
        (423, Outcome.THROTTLED),
        (500, Outcome.NEUTRAL),
        (503, Outcome.NEUTRAL),
        (599, Outcome.NEUTRAL),
        (200, Outcome.SUCCESS),
        (204, Outcome.SUCCESS),
        (404, Outcome.SUCCESS),
        (409, Outcome.SUCCESS),
    ],
)
def test_what_each_answer_says_about_the_rate(status: int, outcome: Outcome) -> None:
    assert capacity_signal(status) is outcome


def test_a_fresh_client_reports_its_full_concurrency() -> None:
    client = WebexClient(BASE, TOKEN, concurrency=6, transport=httpx.MockTransport(_ok([])))
    assert client.stats.concurrency == LimiterStats(max_limit=6, limit=6, lowest_limit=6, decreases=0)
    assert client.stats.to_dict()["concurrency"] == {
        "max_limit": 6,
        "limit": 6,
        "lowest_limit": 6,
        "decreases": 0,
    }
    asyncio.run(client.aclose())


def test_a_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WebexClient(BASE, TOKEN, concurrency=0, transport=httpx.MockTransport(_ok([])))


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


def test_a_next_link_that_downgrades_to_plain_http_is_refused() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(
            200, json={"items": []}, headers=link("http://webexapis.com/v1/locations?start=1")
        )

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.list_items("/locations", "items")

    with pytest.raises(WebexError, match="another scheme: http instead of https"):
        run(go)
    assert [u.scheme for u in seen] == ["https"]


def test_a_next_link_to_another_port_is_refused() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"items": []}, headers=link("https://webexapis.com:8443/v1/x"))

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.list_items("/locations", "items")

    with pytest.raises(WebexError, match="another port: 8443"):
        run(go)
    assert len(seen) == 1


# --- where the token may go ----------------------------------------------------------------------------


class WireTransport(httpx.AsyncBaseTransport):
    """Stands for the network: unlike MockTransport and ASGITransport, the client may not trust it."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self.handler(request)
        return response


def _ok(seen: list[httpx.Request]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    return handler


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1/v1",
        "http://127.0.0.1:54321/v1",
        "http://127.8.9.10:8080/v1",
        "http://localhost:8080/v1",
        "http://LOCALHOST/v1",
        "http://[::1]:8080/v1",
    ],
)
def test_plain_http_goes_to_loopback_addresses(base_url: str) -> None:
    seen: list[httpx.Request] = []

    async def go() -> None:
        async with WebexClient(base_url, TOKEN, transport=WireTransport(_ok(seen))) as client:
            await client.get_json("/locations")

    run(go)
    assert len(seen) == 1
    assert seen[0].url.scheme == "http"
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("http://webexapis.com/v1", "plain http would send the token unencrypted to webexapis.com"),
        ("http://10.1.2.3/v1", "plain http"),
        ("http://[::2]/v1", "plain http"),
        ("http://localhost.example.com/v1", "plain http"),
        ("ftp://webexapis.com/v1", "not an absolute https:// URL"),
        ("webexapis.com/v1", "not an absolute https:// URL"),
        ("https://admin:hunter2@webexapis.com/v1", "must not carry credentials"),
        ("https://webexapis.com/v1?access_token=abc", "must not carry a query"),
    ],
)
def test_the_client_refuses_a_base_url_the_token_must_not_go_to(base_url: str, problem: str) -> None:
    with pytest.raises(ValueError, match="unusable base URL") as info:
        WebexClient(base_url, TOKEN, transport=WireTransport(_ok([])))
    assert problem in str(info.value)
    assert "hunter2" not in str(info.value) and "abc" not in str(info.value)


def test_in_process_transports_may_use_any_plain_http_host() -> None:
    """The sandbox and the tests: an ASGI app or a mock handler in this process puts nothing on a wire."""
    seen: list[httpx.Request] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"via": "asgi"}'})

    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        asgi = WebexClient("http://sandbox/v1", TOKEN, transport=httpx.ASGITransport(app=app))
        mock = WebexClient("http://sandbox/v1", TOKEN, transport=httpx.MockTransport(_ok(seen)))
        async with asgi, mock:
            return await asgi.get_json("/locations"), await mock.get_json("/locations")

    assert run(go) == ({"via": "asgi"}, {})
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://evil.example/v1/locations", "another host: evil.example"),
        ("http://webexapis.com/v1/locations", "another scheme: http instead of https"),
    ],
)
def test_an_absolute_url_off_the_base_origin_is_refused_before_sending(url: str, problem: str) -> None:
    seen: list[httpx.Request] = []

    async def go() -> None:
        client, _ = make_client(_ok(seen))
        async with client:
            await client.get_json(url)

    with pytest.raises(WebexError, match="refusing to send the request") as info:
        run(go)
    assert problem in str(info.value)
    assert info.value.status == 0
    assert seen == []


def test_an_absolute_url_on_the_base_origin_is_sent() -> None:
    seen: list[httpx.Request] = []

    async def go() -> None:
        client, _ = make_client(_ok(seen))
        async with client:
            await client.get_json(f"{BASE}/locations?start=5")

    run(go)
    assert [str(r.url) for r in seen] == [f"{BASE}/locations?start=5"]


def test_repr_of_the_client_never_shows_the_token() -> None:
    client = WebexClient(BASE, TOKEN, org_id="ORG-1", transport=httpx.MockTransport(_ok([])))
    for shown in (repr(client), str(client)):
        assert TOKEN not in shown
        assert "webexapis.com" in shown and "ORG-1" in shown
    asyncio.run(client.aclose())


def test_plain_http_is_refused_at_sending_even_if_the_base_url_check_were_bypassed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: a bug letting a bad base URL through construction still sends nothing."""
    monkeypatch.setattr(client_module, "base_url_problem", lambda *_, **__: None)
    seen: list[httpx.Request] = []

    async def go() -> None:
        async with WebexClient(
            "http://webexapis.com/v1", TOKEN, transport=WireTransport(_ok(seen))
        ) as client:
            await client.get_json("/locations")

    with pytest.raises(WebexError, match="refusing to send the request: plain http") as info:
        run(go)
    assert info.value.status == 0
    assert seen == []


# --- the org-wide pace: one throttle pauses every request of the org -----------------------------------


def test_one_429_pauses_every_other_request_of_the_org() -> None:
    """A 429 answers for the org: requests that leave after it, whoever sends them, wait its Retry-After."""
    sleep = Recorder()
    arrivals: list[tuple[str, float]] = []
    throttled_at: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        arrivals.append((name, sleep.now))
        await _let_everything_runnable_run(2)  # concurrent requests overlap in the server
        if name == "L0" and not throttled_at:
            throttled_at.append(sleep.now)
            return httpx.Response(429, headers={"Retry-After": "5"}, json={"message": "slow down"})
        return httpx.Response(200, json={"name": name})

    async def go() -> list[Any]:
        client, _ = make_client(handler, concurrency=3, sleep=sleep)
        async with client:
            return await asyncio.gather(*(client.get_json(f"/locations/L{i}") for i in range(8)))

    results = run(go)
    assert [r["name"] for r in results] == [f"L{i}" for i in range(8)]
    (when,) = throttled_at
    first_wave = [name for name, at in arrivals if at == when]
    later = [(name, at) for name, at in arrivals[len(first_wave) :]]
    assert len(first_wave) == 3  # sent together, before anyone knew of the throttle
    assert len(later) == 8 - 3 + 1  # the rest, and L0 again
    assert all(at >= when + 5.0 for _, at in later), arrivals


def test_requests_waiting_for_the_pause_hold_their_concurrency_slot() -> None:
    """concurrency=1: while A waits out the org's pause, B is not sent either."""
    order: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        order.append(name)
        if order == ["A"]:
            return httpx.Response(429, headers={"Retry-After": "30"})
        return httpx.Response(200, json={"name": name})

    async def go() -> None:
        client, _ = make_client(handler, concurrency=1)
        async with client:
            await asyncio.gather(client.get_json("/locations/A"), client.get_json("/locations/B"))

    run(go)
    assert order == ["A", "A", "B"]


def test_after_a_throttle_requests_leave_at_the_learned_rate() -> None:
    """Ten requests got through in the second before the throttle: after its pause they leave at that
    rate, evenly spaced, and the rate grows from there."""
    sleep = Recorder()
    arrivals: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        arrivals.append(sleep.now)
        if len(arrivals) <= 10:
            sleep.now += 0.1  # ten answers in one second
            return httpx.Response(200, json={})
        if len(arrivals) == 11:
            return httpx.Response(429, headers={"Retry-After": "1"})
        return httpx.Response(200, json={})

    async def go() -> WebexClient:
        client, _ = make_client(handler, concurrency=1, sleep=sleep)
        async with client:
            for i in range(30):
                await client.get_json(f"/locations/L{i}")
        return client

    client = run(go)
    assert client.stats.pace.rate == pytest.approx(10.0)
    after = arrivals[11:]
    gaps = [b - a for a, b in itertools.pairwise(after)]
    assert after[0] == pytest.approx(arrivals[10] + 1.0)  # the pause first
    assert gaps[0] == pytest.approx(1 / 10.0, rel=0.05)  # the ten a second learned
    assert all(later <= earlier + 1e-9 for earlier, later in itertools.pairwise(gaps))  # growing


def test_a_pause_past_the_budget_fails_the_requests_still_waiting_without_sending_them() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(429, headers={"Retry-After": "100"}, json={"trackingId": "ROUTER_X"})

    async def go() -> list[Any]:
        client, _ = make_client(handler, concurrency=1, retry=RetryPolicy(max_wait=150.0))
        async with client:
            return await asyncio.gather(
                *(client.get_json(f"/locations/L{i}") for i in range(3)), return_exceptions=True
            )

    outcomes = run(go)
    assert all(isinstance(outcome, WebexError) for outcome in outcomes)
    assert len(sent) == 2  # one pause of 100 s fit; the second would take 200 s of a 150 s budget
    assert all("over --max-wait (150 s, 100 s waited so far)" in str(outcome) for outcome in outcomes)


# --- bounds on what a server may send ------------------------------------------------------------------


def test_a_list_that_never_ends_stops_at_the_page_cap_naming_the_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGES", 5)
    pages: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        pages.append(str(request.url))
        return httpx.Response(200, json={"items": [{}]}, headers=link(f"{BASE}/locations?start={len(pages)}"))

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.list_items("/locations", "items")

    with pytest.raises(WebexError) as info:
        run(go)
    assert len(pages) == 5
    assert (info.value.method, info.value.path) == ("GET", "/locations")
    assert "the list goes on past 5 pages; stopping" in str(info.value)


def test_a_list_over_the_item_cap_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_ITEMS", 10)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"n": i} for i in range(11)]})

    async def go() -> None:
        client, _ = make_client(handler)
        async with client:
            await client.list_items("/locations", "items")

    with pytest.raises(WebexError, match="the list has more than 10 items; stopping"):
        run(go)


def test_a_decompression_bomb_is_refused_without_filling_the_memory() -> None:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
    bomb = packer.compress(b"\0" * (64 * 2**20)) + packer.flush()  # 64 MiB of zeros in about 64 KiB
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})

    with pytest.raises(WebexError) as info:
        _get_with(handler)
    assert "larger than 32 MiB" in info.value.message
    assert seen == [1]  # refused, not tried again


def test_a_try_that_does_not_end_within_the_timeout_is_a_lost_answer_retried_then_reported() -> None:
    tries: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        tries.append(1)
        await asyncio.Event().wait()  # a server that never finishes its answer
        raise AssertionError("unreachable")

    with pytest.raises(WebexError) as info:
        _get_with(handler, timeout=0.05, retry=RetryPolicy(attempts=3, jitter=0.0))
    assert len(tries) == 3
    assert info.value.status == 0
    assert "no complete answer within 0.05 s" in str(info.value)
    assert "gave up after 0 429/423 answers and 3 faults" in str(info.value)


def test_the_token_is_redacted_from_2xx_answers_bodies_headers_and_json_escapes() -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in TOKEN)

    def handler(request: httpx.Request) -> httpx.Response:
        body = f'{{"name": "{TOKEN}", "nested": [{{"failureReason": "x {escaped} y"}}]}}'
        return httpx.Response(200, content=body.encode(), headers={"TrackingID": f"T-{TOKEN}"})

    async def go() -> tuple[dict[str, Any], httpx.Response]:
        client, _ = make_client(handler)
        async with client:
            return await client.get_json("/locations"), await client.request("GET", "/locations")

    body, response = run(go)
    assert body == {"name": "[redacted]", "nested": [{"failureReason": "x [redacted] y"}]}
    assert response.headers["TrackingID"] == "T-[redacted]"
    assert TOKEN not in response.text
