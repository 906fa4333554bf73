"""Token sources: a refreshing token through the real WebexClient, against a scripted token endpoint and API
(httpx.MockTransport) on a fake clock, so expiry moves without waiting."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from inprocess import FakeClock

from reconciler.webex.client import WebexClient
from reconciler.webex.errors import NoAnswer, Refused, WebexError
from reconciler.webex.oauth import (
    MAX_LIFETIME,
    TOKEN_TRIES,
    RefreshGrant,
    RefreshingToken,
    StaticToken,
    TokenRefused,
)

BASE = "https://webexapis.com/v1"
CLIENT_ID = "C0ffee-client-id"
SECRET = "client-SECRET-0123456789"
REFRESH = "refresh-SECRET-0123456789"
SECRETS = (SECRET, REFRESH)


class Server:
    """A token endpoint issuing `token-N-SECRET…` tokens, and an API that takes the tokens in `valid`."""

    def __init__(self, clock: FakeClock, lifetime: float = 3600, rotate: bool = False) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.rotate = rotate
        self.forms: list[dict[str, str]] = []  # every token request's form, in order
        self.api: list[str] = []  # the bearer token of every API request, in order
        self.valid: set[str] = set()
        self.token_answers: list[httpx.Response | Exception] = []  # scripted answers, before issuing
        self.refresh = REFRESH

    def issue(self) -> httpx.Response:
        token = f"token-{len(self.forms)}-SECRET-abcdefgh"
        self.valid.add(token)
        body: dict[str, Any] = {"access_token": token, "expires_in": self.lifetime, "token_type": "Bearer"}
        if self.rotate:
            self.refresh = f"refresh-{len(self.forms)}-SECRET-abcdefgh"
        body.update(refresh_token=self.refresh, refresh_token_expires_in=7776000)
        return httpx.Response(200, json=body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/access_token":
            assert request.method == "POST" and "authorization" not in request.headers
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            self.forms.append(dict(parse_qsl(request.content.decode())))
            if self.token_answers:
                answer = self.token_answers.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer
            return self.issue()
        token = request.headers["authorization"].removeprefix("Bearer ")
        self.api.append(token)
        if token not in self.valid:
            return httpx.Response(401, json={"message": "The request requires a valid access token"})
        return httpx.Response(200, json={"items": [], "token": token})


def source(clock: FakeClock) -> RefreshingToken:
    return RefreshingToken(RefreshGrant(CLIENT_ID, SECRET, REFRESH), clock=clock, sleep=clock.sleep)


def make_client(server: Callable[[httpx.Request], Any], clock: FakeClock, auth: Any = None) -> WebexClient:
    return WebexClient(
        BASE,
        auth or source(clock),
        transport=httpx.MockTransport(server),
        clock=clock,
        sleep=clock.sleep,
        concurrency=20,
    )


def get(client: WebexClient) -> dict[str, Any]:
    return asyncio.run(client.get_json("/locations"))


def run(work: Callable[[WebexClient], Any], client: WebexClient) -> Any:
    async def go() -> Any:
        async with client:
            return await work(client)

    return asyncio.run(go())


def assert_no_secret(text: str, *more: str) -> None:
    for secret in (*SECRETS, *more):
        assert secret not in text


def test_the_first_request_trades_the_refresh_token_then_carries_the_access_token() -> None:
    clock = FakeClock()
    server = Server(clock)
    body = run(lambda c: c.get_json("/locations"), make_client(server, clock))
    assert server.forms == [
        {
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "refresh_token": REFRESH,
        }
    ]
    assert server.api == ["token-1-SECRET-abcdefgh"]
    assert body["token"] == "[redacted]"  # the new token joined what is redacted from every answer


def test_the_token_is_renewed_before_it_expires_with_a_margin_from_when_it_was_asked() -> None:
    clock = FakeClock()
    server = Server(clock, lifetime=1000)  # margin: a fifth of it, 200 s

    async def work(client: WebexClient) -> None:
        await client.get_json("/locations")
        clock.now += 799  # 799 s after the token was asked for, 1 s before the margin
        await client.get_json("/locations")
        assert len(server.forms) == 1
        clock.now += 1
        await client.get_json("/locations")

    run(work, make_client(server, clock))
    assert len(server.forms) == 2
    assert server.api == ["token-1-SECRET-abcdefgh", "token-1-SECRET-abcdefgh", "token-2-SECRET-abcdefgh"]


def test_the_lifetime_counts_from_the_request_leaving_not_its_slow_answer() -> None:
    clock = FakeClock()
    server = Server(clock, lifetime=1000)

    def slow(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/access_token"):
            clock.now += 50  # the answer takes 50 s: the server's clock started before it
        return server(request)

    started = clock.now

    async def work(client: WebexClient) -> None:
        await client.get_json("/locations")  # asked at `started`, answered 50 s later
        clock.now = started + 800  # 800 s after asking: past the margin, though only 750 s after the answer
        await client.get_json("/locations")

    run(work, make_client(slow, clock))
    assert len(server.forms) == 2


def test_a_401_renews_once_and_the_request_is_tried_again_with_the_new_token() -> None:
    clock = FakeClock()
    server = Server(clock)

    async def work(client: WebexClient) -> dict[str, Any]:
        await client.get_json("/locations")
        server.valid.clear()  # revoked before its time: the API answers 401 to it
        return await client.get_json("/locations")

    run(work, make_client(server, clock))
    assert len(server.forms) == 2
    assert server.api == ["token-1-SECRET-abcdefgh", "token-1-SECRET-abcdefgh", "token-2-SECRET-abcdefgh"]
    assert clock.waits == []  # a renewal is no fault: no back-off


def test_a_second_401_is_the_error_as_with_a_fixed_token() -> None:
    clock = FakeClock()
    server = Server(clock)

    def refusing(request: httpx.Request) -> httpx.Response:
        answer = server(request)
        server.valid.clear()  # every token is refused once issued
        return answer

    with pytest.raises(WebexError) as info:
        run(lambda c: c.get_json("/locations"), make_client(refusing, clock))
    assert info.value.status == 401
    assert len(server.forms) == 2  # the first token, and one renewal
    assert len(server.api) == 2  # the request, and its one retry
    assert_no_secret(str(info.value), "token-1-SECRET-abcdefgh", "token-2-SECRET-abcdefgh")


def test_twenty_requests_meeting_a_401_at_once_share_one_renewal() -> None:
    clock = FakeClock()
    server = Server(clock)
    refused_before_renewal: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/access_token") and server.forms:
            # The renewal's answer waits until every request has met its 401: a client that renewed per
            # request would have sent twenty POSTs by then.
            for _ in range(10_000):
                if server.api.count("token-1-SECRET-abcdefgh") >= 21:
                    break
                await asyncio.sleep(0)
            refused_before_renewal.append(server.api.count("token-1-SECRET-abcdefgh") - 1)
        return server(request)

    async def work(client: WebexClient) -> list[dict[str, Any]]:
        await client.get_json("/locations")
        server.valid.clear()
        return await asyncio.gather(*(client.get_json("/locations") for _ in range(20)))

    answers = run(work, make_client(handler, clock))
    assert len(answers) == 20
    assert refused_before_renewal == [20]
    assert len(server.forms) == 2
    assert server.api[21:] == ["token-2-SECRET-abcdefgh"] * 20


def test_a_fixed_token_is_never_renewed() -> None:
    clock = FakeClock()
    server = Server(clock)
    with pytest.raises(WebexError) as info:
        run(
            lambda c: c.get_json("/locations"),
            make_client(server, clock, StaticToken("fixed-token-0123456789")),
        )
    assert info.value.status == 401
    assert server.forms == [] and server.api == ["fixed-token-0123456789"]


def test_a_new_refresh_token_replaces_the_old_and_every_one_is_redacted() -> None:
    clock = FakeClock()
    server = Server(clock, lifetime=100, rotate=True)

    async def work(client: WebexClient) -> None:
        for _ in range(3):
            await client.get_json("/locations")
            clock.now += 100

    auth = source(clock)
    run(work, make_client(server, clock, auth))
    assert [form["refresh_token"] for form in server.forms] == [
        REFRESH,
        "refresh-1-SECRET-abcdefgh",
        "refresh-2-SECRET-abcdefgh",
    ]
    for secret in (SECRET, REFRESH, "refresh-1-SECRET-abcdefgh", "token-3-SECRET-abcdefgh"):
        assert secret in auth.secrets
    assert_no_secret(repr(auth), "refresh-1-SECRET-abcdefgh")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"expires_in": 3600}, "has no text as its access_token"),
        ({"access_token": 12345678, "expires_in": 3600}, "has no text as its access_token"),
        ({"access_token": "two words-SECRET", "expires_in": 3600}, "a value with a space or tab"),
        ({"access_token": "line\nbreak-SECRET", "expires_in": 3600}, "a value with a line break"),
        ({"access_token": "x" * 5000, "expires_in": 3600}, "more than 4096 characters"),
        ({"access_token": "new-token-SECRET"}, "has no number of seconds as its expires_in"),
        ({"access_token": "new-token-SECRET", "expires_in": "3600"}, "no number of seconds"),
        ({"access_token": "new-token-SECRET", "expires_in": True}, "no number of seconds"),
        ({"access_token": "new-token-SECRET", "expires_in": 0}, "lifetime (expires_in) outside"),
        ({"access_token": "new-token-SECRET", "expires_in": -60}, "lifetime (expires_in) outside"),
        ({"access_token": "new-token-SECRET", "expires_in": MAX_LIFETIME + 1}, "outside"),
        ({"access_token": "new-token-SECRET", "expires_in": 3600, "token_type": "MAC"}, "other than Bearer"),
        (
            {"access_token": "new-token-SECRET", "expires_in": 3600, "refresh_token": 7},
            "as its refresh_token",
        ),
        ([], "is not a JSON object"),
        ("not json at all", "is not a JSON object"),
    ],
)
def test_an_unusable_answer_is_refused_and_nothing_is_sent_with_it(body: Any, problem: str) -> None:
    clock = FakeClock()
    server = Server(clock)
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    server.token_answers = [httpx.Response(200, content=content, headers={"TrackingID": "ROUTER_t1"})]
    with pytest.raises(Refused) as info:
        run(lambda c: c.get_json("/locations"), make_client(server, clock))
    message = str(info.value)
    assert problem in message
    assert message.startswith("answer refused on POST /access_token: the token endpoint's answer")
    assert "trackingId ROUTER_t1" in message
    assert_no_secret(message, "new-token-SECRET", "two words-SECRET", "line\nbreak-SECRET")
    assert len(server.forms) == 1 and server.api == []  # not tried again, and no API request sent


@pytest.mark.parametrize("status", [400, 401])
def test_refused_credentials_are_one_clear_error_remembered_for_the_rest_of_the_run(status: int) -> None:
    clock = FakeClock()
    server = Server(clock)
    echo = f"invalid_grant: no such refresh token {REFRESH} for secret {SECRET}"  # a server that echoes
    body = {"message": echo, "errors": [{"description": echo}], "trackingId": "ROUTER_tok"}
    server.token_answers = [httpx.Response(status, json=body)]

    async def work(client: WebexClient) -> list[BaseException | dict[str, Any]]:
        return await asyncio.gather(
            *(client.get_json("/locations") for _ in range(5)), return_exceptions=True
        )

    errors = run(work, make_client(server, clock))
    assert len(server.forms) == 1 and server.api == []  # asked once, never again in a storm
    for error in errors:
        assert isinstance(error, TokenRefused)
        message = str(error)
        assert message.startswith(f"credentials refused (HTTP {status}) on POST /access_token: invalid_grant")
        assert "trackingId ROUTER_tok" in message
        assert "check WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET and WEBEX_REFRESH_TOKEN" in message
        assert "[redacted]" in message
        assert_no_secret(message)


def test_an_oauth_shaped_refusal_is_read_too() -> None:
    clock = FakeClock()
    server = Server(clock)
    body = {"error": "invalid_client", "error_description": "Client authentication failed"}
    server.token_answers = [httpx.Response(401, json=body)]
    with pytest.raises(TokenRefused, match="invalid_client: Client authentication failed"):
        run(lambda c: c.get_json("/locations"), make_client(server, clock))


def test_a_token_endpoint_fault_is_tried_again_a_few_times() -> None:
    clock = FakeClock()
    server = Server(clock)
    server.token_answers = [httpx.Response(503), httpx.ConnectError("refused")]
    run(lambda c: c.get_json("/locations"), make_client(server, clock))
    assert len(server.forms) == 3 and server.api == ["token-3-SECRET-abcdefgh"]
    assert clock.waits == [0.5, 1.0]


@pytest.mark.parametrize(
    ("answers", "kind", "status"),
    [
        ([httpx.Response(502)] * TOKEN_TRIES, WebexError, 502),
        ([httpx.Response(429)] * TOKEN_TRIES, WebexError, 429),
        ([httpx.ReadError("lost")] * TOKEN_TRIES, NoAnswer, 0),
    ],
)
def test_a_token_endpoint_down_through_its_tries_ends_the_request(
    answers: list[Any], kind: type[WebexError], status: int
) -> None:
    clock = FakeClock()
    server = Server(clock)
    server.token_answers = list(answers)
    with pytest.raises(kind) as info:
        run(lambda c: c.get_json("/locations"), make_client(server, clock))
    assert info.value.status == status and info.value.path == "/access_token"
    assert len(server.forms) == TOKEN_TRIES and server.api == []


def test_another_4xx_of_the_token_endpoint_is_not_tried_again() -> None:
    clock = FakeClock()
    server = Server(clock)
    server.token_answers = [httpx.Response(404, json={"message": "no such endpoint"})]
    with pytest.raises(WebexError, match="HTTP 404 on POST /access_token: no such endpoint"):
        run(lambda c: c.get_json("/locations"), make_client(server, clock))
    assert len(server.forms) == 1


def test_the_source_works_across_event_loops() -> None:
    # The CLI may run one event loop after another with one connection's token source.
    clock = FakeClock()
    server = Server(clock, lifetime=100)
    auth = source(clock)
    for _ in range(2):
        run(lambda c: c.get_json("/locations"), make_client(server, clock, auth))
        clock.now += 100
    assert len(server.forms) == 2 and auth.renewals == 2


def test_reprs_show_no_secret() -> None:
    clock = FakeClock()
    auth = source(clock)
    assert_no_secret(repr(auth) + repr(RefreshGrant(CLIENT_ID, SECRET, REFRESH)))
    assert "fixed-token-0123456789" not in repr(StaticToken("fixed-token-0123456789"))
    client = make_client(Server(clock), clock, auth)
    assert_no_secret(repr(client))
    asyncio.run(client.aclose())
