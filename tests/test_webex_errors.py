"""WebexError: reading Webex error bodies leniently, its text, to_dict(), connection errors, no token leak."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from reconciler.webex.client import RetryPolicy, WebexClient
from reconciler.webex.errors import WebexError
from reconciler.webex.security import REDACTED

BASE = "https://webexapis.com/v1"
TOKEN = "tok-SECRET-0123456789"
PATH = "/telephony/config/locations/L1"


def response(status: int, method: str = "PUT", **kwargs: Any) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request(method, BASE + PATH), **kwargs)


async def _no_sleep(seconds: float) -> None:
    return None


def call_and_catch(handler: Callable[[httpx.Request], httpx.Response], *, method: str = "GET") -> WebexError:
    """Runs one call through a real WebexClient against `handler`; returns the WebexError it raised."""

    async def go() -> None:
        client = WebexClient(
            BASE,
            TOKEN,
            org_id="ORG-1",
            transport=httpx.MockTransport(handler),
            sleep=_no_sleep,
            retry=RetryPolicy(attempts=2),
        )
        async with client:
            if method == "PUT":
                await client.put_json(PATH, {"routingPrefix": "12"})
            else:
                await client.get_json(PATH)

    with pytest.raises(WebexError) as info:
        asyncio.run(go())
    return info.value


# --- from_response: the bodies the API answers with -------------------------------------------------


def test_documented_error_body() -> None:
    body = {
        "message": "Routing prefix is already in use.",
        "errors": [{"description": "Routing prefix is already in use.", "errorCode": 5600}],
        "trackingId": "ROUTER_ABC",
    }
    err = WebexError.from_response(response(400, json=body, headers={"TrackingID": "HDR"}), PATH)
    assert err.status == 400
    assert err.method == "PUT"
    assert err.path == PATH
    assert err.message == "Routing prefix is already in use."  # description equal to message: not repeated
    assert err.error_codes == (5600,)
    assert err.tracking_id == "ROUTER_ABC"  # the body's wins over the header
    assert err.body == body


def test_descriptions_that_add_to_the_message_are_appended() -> None:
    body = {
        "message": "Invalid request",
        "errors": [
            {"description": "routingPrefix must be numeric", "errorCode": 25008},
            {"description": "outsideDialDigit too long", "errorCode": 25009},
        ],
    }
    err = WebexError.from_response(response(400, json=body), PATH)
    assert err.message.startswith("Invalid request")
    assert "routingPrefix must be numeric" in err.message
    assert "outsideDialDigit too long" in err.message
    assert err.error_codes == (25008, 25009)


def test_top_level_error_code_that_differs_from_errors_keeps_both() -> None:
    body = {
        "message": "Duplicate routing prefix",
        "errorCode": 4003,
        "errors": [{"description": "Duplicate routing prefix", "errorCode": 5600}],
        "trackingId": "ROUTER_X",
    }
    err = WebexError.from_response(response(400, json=body), PATH)
    assert err.error_codes == (4003, 5600)


def test_top_level_error_code_equal_to_errors_is_not_repeated() -> None:
    body = {"message": "m", "errorCode": 5600, "errors": [{"description": "m", "errorCode": 5600}]}
    assert WebexError.from_response(response(400, json=body), PATH).error_codes == (5600,)


def test_error_message_key_instead_of_message() -> None:
    body = {"errorMessage": "PSTN connection option not available", "errorCode": 27000}
    err = WebexError.from_response(response(400, json=body, headers={"TrackingID": "PSTN_1"}), PATH)
    assert err.message == "PSTN connection option not available"
    assert err.error_codes == (27000,)
    assert err.tracking_id == "PSTN_1"


def test_failure_reason_body_of_a_409() -> None:
    body = {"failureReason": "Another routing prefix job is in progress"}
    err = WebexError.from_response(response(409, json=body), PATH)
    assert err.status == 409
    assert err.message == "Another routing prefix job is in progress"


def test_only_errors_descriptions_make_the_message_and_codes_may_be_strings() -> None:
    body = {
        "errors": [{"description": "first", "errorCode": 1}, "junk", {"errorCode": "2"}, {"description": 7}]
    }
    err = WebexError.from_response(response(400, json=body), PATH)
    assert err.message == "first"
    assert err.error_codes == (1, 2)  # a numeric-string code is read; non-dict entries are ignored


def test_non_json_html_body() -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    err = WebexError.from_response(
        response(502, method="GET", text=html, headers={"Content-Type": "text/html", "TrackingID": "EDGE_9"}),
        PATH,
    )
    assert err.status == 502
    assert err.method == "GET"
    assert "502 Bad Gateway" in err.message
    assert err.error_codes == ()
    assert err.tracking_id == "EDGE_9"
    assert err.body == html


def test_long_text_body_is_truncated() -> None:
    err = WebexError.from_response(response(500, text="x" * 5000), PATH)
    assert err.message == "x" * 500


def test_plain_text_body() -> None:
    err = WebexError.from_response(response(503, text="  Service Unavailable, try later\n"), PATH)
    assert err.message == "Service Unavailable, try later"


def test_empty_body_falls_back_to_the_reason_phrase() -> None:
    err = WebexError.from_response(response(404, content=b""), PATH)
    assert err.status == 404
    assert err.message == "Not Found"
    assert err.error_codes == ()
    assert err.tracking_id is None


def test_empty_json_object_falls_back_to_the_reason_phrase() -> None:
    err = WebexError.from_response(response(403, json={}), PATH)
    assert err.message == "Forbidden"


def test_unknown_status_without_reason_phrase_still_has_a_message() -> None:
    err = WebexError.from_response(response(599, content=b""), PATH)
    assert err.status == 599
    assert err.message == "error"


def test_json_that_is_not_an_object() -> None:
    err = WebexError.from_response(response(400, json="bad prefix"), PATH)
    assert err.message == "bad prefix"
    assert err.error_codes == ()


def test_tracking_id_from_the_header_when_the_body_has_none() -> None:
    body = {"message": "Not allowed", "errors": [{"description": "Not allowed", "errorCode": 1}]}
    err = WebexError.from_response(response(403, json=body, headers={"TrackingID": "ROUTER_HDR"}), PATH)
    assert err.tracking_id == "ROUTER_HDR"


def test_str_contains_status_method_path_message_codes_and_tracking_id() -> None:
    body = {
        "message": "Routing prefix is already in use.",
        "errorCode": 4003,
        "errors": [{"description": "Routing prefix is already in use.", "errorCode": 5600}],
        "trackingId": "ROUTER_ABC",
    }
    err = WebexError.from_response(response(400, json=body), PATH)
    text = str(err)
    for part in ("400", "PUT", PATH, "Routing prefix is already in use.", "4003", "5600", "ROUTER_ABC"):
        assert part in text, (part, text)
    assert err.args == (text,)  # what tracebacks and logs show


def test_str_without_codes_or_tracking_id_is_plain() -> None:
    err = WebexError(404, "Location not found", method="GET", path="/locations/L9")
    assert str(err) == "HTTP 404 on GET /locations/L9: Location not found"


def test_to_dict() -> None:
    body = {
        "message": "Duplicate",
        "errorCode": 4003,
        "errors": [{"description": "Duplicate", "errorCode": 5600}],
        "trackingId": "ROUTER_ABC",
    }
    err = WebexError.from_response(response(400, json=body), PATH)
    assert err.to_dict() == {
        "status": 400,
        "message": "Duplicate",
        "errorCodes": [4003, 5600],
        "trackingId": "ROUTER_ABC",
        "retried": None,
    }


def test_to_dict_of_an_error_without_codes() -> None:
    assert WebexError(0, "no route").to_dict() == {
        "status": 0,
        "message": "no route",
        "errorCodes": [],
        "trackingId": None,
        "retried": None,
    }


# --- through the client ------------------------------------------------------------------------------


def test_client_raises_a_parsed_webex_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json={"message": "Bad prefix", "errors": [{"description": "Bad prefix", "errorCode": 5600}]},
            headers={"TrackingID": "ROUTER_T"},
        )

    err = call_and_catch(handler, method="PUT")
    assert (err.status, err.method, err.path) == (400, "PUT", PATH)
    assert err.message == "Bad prefix"
    assert err.error_codes == (5600,)
    assert err.tracking_id == "ROUTER_T"


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("[Errno 111] Connection refused"), httpx.ReadTimeout("timed out")],
    ids=["connect", "timeout"],
)
def test_no_answer_is_status_zero_with_a_readable_message(exc: httpx.HTTPError) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    err = call_and_catch(handler)
    assert err.status == 0
    assert err.method == "GET"
    assert err.path == PATH
    assert type(exc).__name__ in err.message
    assert str(exc) in err.message
    text = str(err)
    assert text.startswith("no answer on GET " + PATH)
    assert "HTTP 0" not in text
    assert err.to_dict()["status"] == 0


def test_token_never_appears_in_a_failed_request_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        return httpx.Response(
            401, json={"message": "The request requires a valid access token set in the header"}
        )

    err = call_and_catch(handler)
    assert err.status == 401
    for shown in (str(err), repr(err), repr(err.args), str(err.to_dict()), err.message, err.path):
        assert TOKEN not in shown


def test_token_never_appears_in_a_no_answer_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    err = call_and_catch(handler, method="PUT")
    assert err.status == 0
    for shown in (str(err), repr(err), str(err.to_dict())):
        assert TOKEN not in shown
    # `from None`: a traceback does not print the httpx exception (which holds the request) as the cause
    assert err.__suppress_context__ is True


# --- the token never shows, even when the other side echoes it ---------------------------------------


def _shown(err: WebexError) -> list[str]:
    """Everything of an error that a report, a log or a traceback could show."""
    return [str(err), repr(err), repr(err.args), str(err.to_dict()), err.message, json.dumps(err.body)]


def test_a_token_echoed_in_the_error_body_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = request.headers["Authorization"]
        return httpx.Response(
            401,
            json={
                "message": f"Invalid header {echoed}",
                "errors": [{"description": f"token {TOKEN} expired", "errorCode": 4010}],
                "trackingId": f"ROUTER_{TOKEN}",
                "echo": {"headers": [echoed], TOKEN: 1},
            },
            headers={"TrackingID": TOKEN},
        )

    err = call_and_catch(handler)
    assert err.status == 401
    for shown in _shown(err):
        assert TOKEN not in shown, shown
    assert err.message == f"Invalid header Bearer {REDACTED}: token {REDACTED} expired"
    assert err.error_codes == (4010,)
    assert err.tracking_id == f"ROUTER_{REDACTED}"


def test_a_token_echoed_in_a_plain_text_body_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text=f"upstream rejected {request.headers['Authorization']}")

    err = call_and_catch(handler, method="PUT")
    assert err.status == 502
    for shown in _shown(err):
        assert TOKEN not in shown, shown
    assert err.message == f"upstream rejected Bearer {REDACTED}"


def test_a_percent_encoded_token_is_redacted_too() -> None:
    token = "ab+cd/ef=gh_0123456789"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"message": f"bad ?access_token={quote(token, safe='')}"})

    async def go() -> None:
        async with WebexClient(BASE, token, transport=httpx.MockTransport(handler)) as client:
            await client.get_json(PATH)

    with pytest.raises(WebexError) as info:
        asyncio.run(go())
    assert quote(token, safe="") not in str(info.value)
    assert info.value.message == f"bad ?access_token={REDACTED}"


@pytest.mark.parametrize(
    "exc_type",
    [
        httpx.ConnectError,
        httpx.RemoteProtocolError,
        httpx.ReadTimeout,
        httpx.ProxyError,
        httpx.LocalProtocolError,
    ],
)
def test_a_token_in_an_httpx_exception_message_is_redacted(exc_type: type[httpx.HTTPError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type(f"failed sending {request.headers['Authorization']!r} to webexapis.com")

    err = call_and_catch(handler)
    assert err.status == 0
    for shown in _shown(err):
        assert TOKEN not in shown, shown
    assert err.message == f"{exc_type.__name__}: failed sending 'Bearer {REDACTED}' to webexapis.com"


def test_a_short_placeholder_token_is_not_redacted_from_ordinary_words() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"message": "location not found"})

    async def go() -> None:
        async with WebexClient(BASE, "t", transport=httpx.MockTransport(handler)) as client:
            await client.get_json(PATH)

    with pytest.raises(WebexError) as info:
        asyncio.run(go())
    assert info.value.message == "location not found"


# --- trackingId in every failure -----------------------------------------------------------------------


def test_without_a_server_tracking_id_the_error_quotes_the_one_sent() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["TrackingID"])
        return httpx.Response(404, content=b"")

    err = call_and_catch(handler)
    assert err.tracking_id == sent[-1]
    assert sent[-1].startswith("WXCR_")
    assert f"trackingId {sent[-1]}" in str(err)


def test_the_server_tracking_id_wins_over_the_one_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"message": "gone"}, headers={"TrackingID": "ROUTER_SRV"})

    assert call_and_catch(handler).tracking_id == "ROUTER_SRV"


def test_the_retry_after_header_is_kept_on_the_error() -> None:
    err = WebexError.from_response(response(429, headers={"Retry-After": "rand(30),add(30)"}), PATH)
    assert err.retry_after == "rand(30),add(30)"
    assert WebexError.from_response(response(400), PATH).retry_after is None
