"""AiohttpTransport (reconciler/webex/transport.py) against real servers on 127.0.0.1.

Generic behaviour runs against a small ASGI echo app served by uvicorn in a daemon thread; failures that
ASGI cannot express (a dropped, reset or garbled connection, a proxy) come from plain asyncio servers
started in the test's own event loop. Nothing sleeps: the only waits are bounded waits for an event.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import json
import socket
import ssl
import struct
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from reconciler.webex import client as client_module
from reconciler.webex import transport as transport_module
from reconciler.webex.client import TRANSIENT_TRANSPORT_ERRORS, RetryPolicy, WebexClient
from reconciler.webex.errors import WebexError
from reconciler.webex.transport import AiohttpTransport, env_proxy, transport_error

TOKEN = "tok-SECRET-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
)
GZIP_PAYLOAD = {"items": [{"id": "L1", "name": "Zürich"}]}
SET_COOKIES = ["a=1; Path=/", "b=2; Path=/"]
LINKS = ['<http://127.0.0.1/v1/x?start=2>; rel="next"', '<http://127.0.0.1/v1/x?start=0>; rel="first"']

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def run(coro_fn: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(coro_fn())


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without proxy variables, whatever the machine running it has set."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


# --- servers -----------------------------------------------------------------------------------------


async def echo_app(scope: Message, receive: Receive, send: Send) -> None:
    """Echoes the request (raw path, query, headers, body, client port) as JSON; a few paths do more.

    /gzip answers gzip-compressed JSON, /headers repeats `set-cookie` and `link`, /hang never answers
    (it returns when the client gives up and disconnects, so the server can stop).
    """
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"]
    if path == "/hang":
        while (await receive())["type"] != "http.disconnect":
            pass
        return
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json")]
    if path == "/gzip":
        content = gzip.compress(json.dumps(GZIP_PAYLOAD).encode())
        headers.append((b"content-encoding", b"gzip"))
    elif path == "/headers":
        content = b"{}"
        headers += [(b"set-cookie", value.encode()) for value in SET_COOKIES]
        headers += [(b"link", value.encode()) for value in LINKS]
    else:
        echo = {
            "method": scope["method"],
            "raw_path": scope["raw_path"].decode("ascii"),
            "query_string": scope["query_string"].decode("ascii"),
            "headers": [
                [name.decode("latin-1"), value.decode("latin-1")] for name, value in scope["headers"]
            ],
            "body": body.decode("latin-1"),
            "client_port": scope["client"][1],
        }
        content = json.dumps(echo).encode()
    headers.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": content})


class _Server(uvicorn.Server):
    """uvicorn's server, telling another thread when it listens (no polling)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.listening.set()


@contextmanager
def serve(app: Any, **options: Any) -> Iterator[int]:
    """Serves `app` on 127.0.0.1 at a free port in a daemon thread; yields the port."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", **options)
    server = _Server(config)
    thread = threading.Thread(target=server.run, name="transport-test-server", daemon=True)
    thread.start()
    try:
        if not server.listening.wait(timeout=10) or not server.servers:
            raise RuntimeError("the test server did not start")
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def echo_url() -> Iterator[str]:
    """The echo app over HTTP, e.g. http://127.0.0.1:54321"""
    with serve(echo_app) as port:
        yield f"http://127.0.0.1:{port}"


def echoed_headers(echo: dict[str, Any], name: str) -> list[str]:
    return [value for key, value in echo["headers"] if key == name]


@asynccontextmanager
async def stream_server(handler: StreamHandler) -> AsyncIterator[int]:
    """A plain TCP server in the running loop, for what an HTTP server will not do; yields the port."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


def free_port() -> int:
    """A port nothing listens on: bound once to learn a free number, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def transport_client(**kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=AiohttpTransport(max_connections=2), **kwargs)


# --- the URL as httpx built it -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/v1/telephony/config/locations/%2E%2E",
        "/v1/telephony/pstn/locations/%2e%2e/connection",
        "/v1/telephony/config/locations/a%2Fb%3Fc",
        "/v1/locations?orgId=a%2Fb&start=%2E%2E",
    ],
)
def test_the_url_goes_out_exactly_as_httpx_built_it(echo_url: str, target: str) -> None:
    """Escaped dots, slashes and query characters reach the server unchanged: aiohttp normalises nothing."""

    async def go() -> tuple[bytes, dict[str, Any]]:
        async with transport_client() as client:
            response = await client.get(echo_url + target)
            return response.request.url.raw_path, response.json()

    built, echo = run(go)
    assert built == target.encode()  # httpx itself kept the target as written
    path, _, query = target.partition("?")
    assert (echo["raw_path"], echo["query_string"]) == (path, query)


def test_webex_client_sends_an_escaped_dot_segment_through_aiohttp_unchanged(
    echo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WebexClient without a transport uses AiohttpTransport, and `%2E%2E` reaches the server as sent."""
    made: list[Recording] = []

    class Recording(AiohttpTransport):
        def __init__(self, *, max_connections: int, proxy: str | None = None) -> None:
            super().__init__(max_connections=max_connections, proxy=proxy)
            self.max_connections = max_connections
            self.proxy = proxy
            self.sent: list[str] = []
            made.append(self)

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.sent.append(str(request.url))
            return await super().handle_async_request(request)

    # The real transport, watched: patched where client.py may take it from (its module, or its own name).
    monkeypatch.setattr(transport_module, "AiohttpTransport", Recording)
    monkeypatch.setattr(client_module, "AiohttpTransport", Recording, raising=False)

    async def go() -> dict[str, Any]:
        async with WebexClient(
            f"{echo_url}/v1", TOKEN, concurrency=3, retry=RetryPolicy(attempts=1)
        ) as client:
            return await client.get_json("/telephony/config/locations/%2E%2E")

    echo = run(go)
    assert echo["raw_path"] == "/v1/telephony/config/locations/%2E%2E"
    # the token went out (the echo carried it back, and the client redacted it on the way in)
    assert echoed_headers(echo, "authorization") == ["Bearer [redacted]"]
    assert [(t.max_connections, t.proxy, t.sent) for t in made] == [
        (3, None, [f"{echo_url}/v1/telephony/config/locations/%2E%2E"])
    ]


# --- bodies, headers, cookies, decompression -----------------------------------------------------------


def test_a_put_sends_the_exact_json_bytes_content_type_and_repeated_headers(echo_url: str) -> None:
    """The server gets httpx's body bytes, content-type and length, and both values of a repeated header."""
    body = {"outsideDialDigit": "9", "name": "Zürich", "nested": {"list": [1, 2]}}

    async def go() -> tuple[bytes, dict[str, Any]]:
        async with transport_client() as client:
            headers = [("Authorization", f"Bearer {TOKEN}"), ("X-Twice", "one"), ("X-Twice", "two")]
            response = await client.put(f"{echo_url}/v1/x", json=body, headers=headers)
            return response.request.content, response.json()

    sent, echo = run(go)
    assert echo["method"] == "PUT"
    assert echo["body"].encode("latin-1") == sent
    assert json.loads(sent) == body
    assert echoed_headers(echo, "content-type") == ["application/json"]
    assert echoed_headers(echo, "content-length") == [str(len(sent))]
    assert echoed_headers(echo, "authorization") == [f"Bearer {TOKEN}"]
    assert echoed_headers(echo, "x-twice") == ["one", "two"]


def test_repeated_response_headers_all_reach_the_httpx_response(echo_url: str) -> None:
    """Two `set-cookie` and two `link` headers both survive, in order, as httpx's header list."""

    async def go() -> httpx.Response:
        async with transport_client() as client:
            return await client.get(f"{echo_url}/headers")

    response = run(go)
    assert response.headers.get_list("set-cookie") == SET_COOKIES
    assert response.headers.get_list("link") == LINKS
    assert response.links["next"]["url"] == "http://127.0.0.1/v1/x?start=2"


def test_cookies_are_kept_by_httpx_only(echo_url: str) -> None:
    """httpx stores and sends the cookies; once httpx forgets them nothing else (aiohttp's jar) sends them."""
    # By name, not IP: aiohttp's own jar would ignore cookies from an IP address and prove nothing.
    url = echo_url.replace("127.0.0.1", "localhost")

    async def go() -> tuple[dict[str, str], list[str], list[str]]:
        async with transport_client() as client:
            await client.get(f"{url}/headers")
            stored = dict(client.cookies.items())
            with_cookies = echoed_headers((await client.get(f"{url}/echo")).json(), "cookie")
            client.cookies.clear()
            without = echoed_headers((await client.get(f"{url}/echo")).json(), "cookie")
            return stored, with_cookies, without

    stored, with_cookies, without = run(go)
    assert stored == {"a": "1", "b": "2"}
    assert with_cookies == ["a=1; b=2"]
    assert without == []


def test_gzip_is_decoded_by_httpx_once(echo_url: str) -> None:
    """A gzip answer arrives compressed from aiohttp and httpx decodes it (decoding twice would fail)."""

    async def go() -> httpx.Response:
        async with transport_client() as client:
            return await client.get(f"{echo_url}/gzip")

    response = run(go)
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == GZIP_PAYLOAD


def test_netrc_credentials_are_not_sent(
    echo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .netrc entry for the host adds no Authorization header (aiohttp's trust_env would add one)."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))

    async def go() -> dict[str, Any]:
        async with transport_client() as client:
            echo: dict[str, Any] = (await client.get(f"{echo_url}/echo")).json()
            return echo

    assert echoed_headers(run(go), "authorization") == []


def test_connections_are_bounded_by_max_connections(echo_url: str) -> None:
    """Six requests at once go over at most two connections (the server sees at most two client ports)."""

    async def go() -> set[int]:
        async with transport_client() as client:
            responses = await asyncio.gather(*(client.get(f"{echo_url}/echo?n={n}") for n in range(6)))
            return {response.json()["client_port"] for response in responses}

    ports = run(go)
    assert 1 <= len(ports) <= 2


def test_requests_one_after_another_reuse_one_kept_alive_connection(echo_url: str) -> None:
    """Keep-alive: ten requests in turn reach the server from one client port, over one connection."""

    async def go() -> list[int]:
        async with transport_client() as client:
            return [(await client.get(f"{echo_url}/echo?n={n}")).json()["client_port"] for n in range(10)]

    ports = run(go)
    assert len(ports) == 10 and len(set(ports)) == 1


# --- failures ------------------------------------------------------------------------------------------


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


async def close_without_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    writer.close()


async def reset_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()  # with a zero linger: an RST instead of a FIN


async def answer_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    await writer.drain()
    writer.close()


async def truncate_the_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"items"')
    await writer.drain()
    writer.close()


def assert_no_token(error: BaseException) -> None:
    """Neither the error's message nor those of its causes hold the token."""
    chain: BaseException | None = error
    while chain is not None:
        assert TOKEN not in str(chain), f"{type(chain).__name__} shows the token: {chain}"
        chain = chain.__cause__ or chain.__context__


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (None, httpx.ConnectError),  # nothing listens: connection refused
        (close_without_answer, httpx.RemoteProtocolError),
        (reset_connection, httpx.ReadError),
        (answer_garbage, httpx.RemoteProtocolError),
        (truncate_the_body, httpx.RemoteProtocolError),
    ],
    ids=["refused", "closed", "reset", "garbage", "truncated"],
)
def test_aiohttp_failures_are_raised_as_the_httpx_errors_httpcore_raises(
    handler: StreamHandler | None, expected: type[httpx.TransportError]
) -> None:
    """Each failure becomes httpx's error for it, tied to the request, retried by WebexClient, token-free."""

    async def go() -> tuple[str, BaseException]:
        async def request(port: int) -> tuple[str, BaseException]:
            url = f"http://127.0.0.1:{port}/v1/locations"
            async with transport_client(headers=AUTH) as client:
                with pytest.raises(httpx.TransportError) as caught:
                    await client.get(url)
            return url, caught.value

        if handler is None:
            return await request(free_port())
        async with stream_server(handler) as port:
            return await request(port)

    url, error = run(go)
    assert type(error) is expected
    assert isinstance(error, httpx.TransportError) and str(error.request.url) == url
    assert isinstance(error.__cause__, aiohttp.ClientError)
    assert isinstance(error, TRANSIENT_TRANSPORT_ERRORS)
    assert_no_token(error)


def test_an_answer_slower_than_the_read_timeout_raises_read_timeout(echo_url: str) -> None:
    """httpx's read timeout bounds the wait for an answer that never comes: httpx.ReadTimeout."""

    async def go() -> BaseException:
        async with transport_client(headers=AUTH, timeout=httpx.Timeout(0.2)) as client:
            with pytest.raises(httpx.TimeoutException) as caught:
                # The bound only turns a transport that ignores the read timeout into a failure, not a hang.
                await asyncio.wait_for(client.get(f"{echo_url}/hang"), timeout=10)
            return caught.value

    error = run(go)
    assert type(error) is httpx.ReadTimeout
    assert isinstance(error, TRANSIENT_TRANSPORT_ERRORS)
    assert_no_token(error)


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), httpx.ConnectTimeout),
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), httpx.ReadTimeout),
        (TimeoutError(), httpx.ReadTimeout),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError("Response payload is not completed"), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
        # aiohttp raises this when it writes to a connection that is closing; it is a ConnectionResetError,
        # which httpcore raises as httpx.WriteError (a NetworkError WebexClient retries).
        (aiohttp.ClientConnectionResetError("Cannot write to closing transport"), httpx.WriteError),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else value.__name__,
)
def test_every_connection_failure_becomes_an_error_webex_client_retries(
    failure: BaseException, expected: type[httpx.TransportError]
) -> None:
    """The `_ERRORS` table: each aiohttp connection failure maps to httpx's error class for it."""
    request = httpx.Request("GET", "https://webexapis.com/v1/locations", headers=AUTH)
    error = transport_error(failure, request)
    assert isinstance(error, expected)
    assert isinstance(error, TRANSIENT_TRANSPORT_ERRORS)
    assert error.request is request
    assert str(error)  # never empty: WebexClient shows it


# --- the session's life --------------------------------------------------------------------------------


def test_the_session_opens_lazily_and_reopens_in_a_new_loop_after_aclose(echo_url: str) -> None:
    """Made outside any event loop (aiohttp's connector needs one), usable in two loops, one after another."""
    transport = AiohttpTransport(max_connections=2)

    async def one_request() -> int:
        async with httpx.AsyncClient(
            transport=transport
        ) as client:  # closing the client closes the transport
            return (await client.get(f"{echo_url}/echo")).status_code

    assert run(one_request) == 200
    assert run(one_request) == 200


def test_aclose_closes_the_kept_alive_connection_and_a_second_aclose_is_harmless() -> None:
    """The server sees its kept-alive connection closed by aclose(), not before; closing again is a no-op."""

    async def go() -> tuple[bool, bool]:
        closed = asyncio.Event()

        async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            await reader.read()  # returns at the client's end of the connection
            closed.set()
            writer.close()

        transport = AiohttpTransport(max_connections=2, keepalive_expiry=60)
        async with stream_server(keep_alive) as port:
            client = httpx.AsyncClient(transport=transport)
            response = await client.get(f"http://127.0.0.1:{port}/")
            assert response.content == b"ok"
            closed_before = closed.is_set()
            await transport.aclose()
            await asyncio.wait_for(closed.wait(), timeout=10)
            await transport.aclose()
            await client.aclose()
            return closed_before, closed.is_set()

    assert run(go) == (False, True)


# --- proxies -------------------------------------------------------------------------------------------

PROXY = "http://proxy.example.test:3128"


@pytest.mark.parametrize(
    ("environment", "url", "expected"),
    [
        ({}, "https://webexapis.com/v1", None),
        ({"HTTPS_PROXY": PROXY}, "https://webexapis.com/v1", PROXY),
        ({"https_proxy": PROXY}, "https://webexapis.com/v1", PROXY),
        ({"HTTP_PROXY": PROXY}, "https://webexapis.com/v1", None),
        ({"HTTP_PROXY": PROXY}, "http://webex.example.test/v1", PROXY),
        ({"HTTPS_PROXY": PROXY, "NO_PROXY": "webexapis.com"}, "https://webexapis.com/v1", None),
        ({"HTTPS_PROXY": PROXY, "no_proxy": "example.org,.webexapis.com"}, "https://webexapis.com/v1", None),
        ({"HTTPS_PROXY": PROXY, "NO_PROXY": "webexapis.com"}, "https://eu.webexapis.com/v1", None),
        ({"HTTPS_PROXY": PROXY, "NO_PROXY": "example.org"}, "https://webexapis.com/v1", PROXY),
        ({"HTTPS_PROXY": PROXY, "NO_PROXY": "*"}, "https://webexapis.com/v1", None),
        ({"ALL_PROXY": PROXY}, "https://webexapis.com/v1", PROXY),
        (
            {"all_proxy": PROXY, "HTTPS_PROXY": "http://other.example.test:8080"},
            "https://webexapis.com/v1",
            "http://other.example.test:8080",
        ),
        ({"ALL_PROXY": PROXY, "NO_PROXY": "webexapis.com"}, "https://webexapis.com/v1", None),
    ],
)
def test_env_proxy_follows_the_proxy_variables(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], url: str, expected: str | None
) -> None:
    """HTTPS_PROXY for https, HTTP_PROXY for http, ALL_PROXY for both when those are unset, either case;
    NO_PROXY's hosts and domains go direct."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert env_proxy(httpx.URL(url)) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v1",
        "https://127.0.0.1/v1",
        "http://localhost:8080/v1",
        "http://[::1]:8080/v1",
        "http://127.0.0.2:8080/v1",  # 127.0.0.0/8 is loopback; WebexClient allows plain http to it
    ],
)
def test_env_proxy_never_proxies_loopback(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """With both proxy variables set and no NO_PROXY, a loopback host (the sandbox) still goes direct."""
    monkeypatch.setenv("HTTP_PROXY", PROXY)
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    assert env_proxy(httpx.URL(url)) is None


def recording_proxy(seen: list[bytes], answer: bytes) -> StreamHandler:
    """A proxy that notes what it was sent, answers `answer` and hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await _read_head(reader))
        writer.write(answer)
        await writer.drain()
        writer.close()

    return handle


def test_webex_client_tunnels_through_the_environment_s_https_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTPS_PROXY reaches WebexClient's transport: a CONNECT to the API host, the token not in the clear."""
    seen: list[bytes] = []

    async def go() -> None:
        handler = recording_proxy(seen, b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        async with stream_server(handler) as port:
            monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
            retry = RetryPolicy(attempts=1)
            async with WebexClient("https://api.example.test/v1", TOKEN, retry=retry) as client:
                with pytest.raises(WebexError):
                    await client.get_json("/locations")

    run(go)
    assert len(seen) == 1
    assert seen[0].startswith(b"CONNECT api.example.test:443 HTTP/1.1\r\n")
    assert TOKEN.encode() not in seen[0]


def test_a_proxy_refusal_does_not_show_the_proxy_password() -> None:
    """The proxy's credentials go to the proxy (Proxy-Authorization) but never into the error message."""
    seen: list[bytes] = []

    async def go() -> BaseException:
        handler = recording_proxy(
            seen, b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
        )
        async with stream_server(handler) as port:
            transport = AiohttpTransport(
                max_connections=2, proxy=f"http://someone:proxy-pw-42@127.0.0.1:{port}"
            )
            async with httpx.AsyncClient(transport=transport, headers=AUTH) as client:
                with pytest.raises(httpx.TransportError) as caught:
                    await client.get("https://api.example.test/v1/locations")
                return caught.value

    error = run(go)
    assert b"Proxy-Authorization: Basic " in seen[0]  # the credentials were used
    assert "proxy-pw-42" not in str(error)
    assert_no_token(error)


# --- TLS -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the test CA's certificate: trust this to trust the server
    cert: Path  # the server's certificate for 127.0.0.1, signed by the test CA
    key: Path


def make_certificates(directory: Path) -> Certificates:
    """A throwaway CA and a server certificate for IP 127.0.0.1 it signed."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wxc-reconcile test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = Certificates(ca=directory / "ca.pem", cert=directory / "server.pem", key=directory / "server.key")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Certificates]]:
    """The echo app over HTTPS with a certificate from a CA no trust store holds; yields its URL."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    certificates = make_certificates(tmp_path)
    with serve(echo_app, ssl_certfile=str(certificates.cert), ssl_keyfile=str(certificates.key)) as port:
        yield f"https://127.0.0.1:{port}", certificates


def test_tls_refuses_a_certificate_from_an_unknown_ca(tls_server: tuple[str, Certificates]) -> None:
    """Certificates are verified: a server whose CA nobody trusts gets httpx.ConnectError, no request."""
    url, _ = tls_server

    async def go() -> BaseException:
        async with transport_client(headers=AUTH) as client:
            with pytest.raises(httpx.TransportError) as caught:
                await client.get(f"{url}/echo")
            return caught.value

    error = run(go)
    assert type(error) is httpx.ConnectError
    assert isinstance(error.__cause__, aiohttp.ClientConnectorCertificateError)
    assert_no_token(error)


def test_tls_trusts_the_ca_httpx_s_context_trusts(
    tls_server: tuple[str, Certificates], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default context is httpx's: SSL_CERT_FILE names the CA to trust, as with httpx's transport."""
    url, certificates = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))

    async def go() -> dict[str, Any]:
        async with transport_client() as client:
            echo: dict[str, Any] = (await client.get(f"{url}/v1/%2E%2E")).json()
            return echo

    assert run(go)["raw_path"] == "/v1/%2E%2E"


def test_tls_uses_the_ssl_context_it_is_given(tls_server: tuple[str, Certificates]) -> None:
    """An explicit ssl_context replaces the default one."""
    url, certificates = tls_server
    context = ssl.create_default_context(cafile=str(certificates.ca))

    async def go() -> int:
        transport = AiohttpTransport(max_connections=2, ssl_context=context)
        async with httpx.AsyncClient(transport=transport) as client:
            return (await client.get(f"{url}/echo")).status_code

    assert run(go) == 200
