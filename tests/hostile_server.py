"""A hostile Webex API on 127.0.0.1, for the end-to-end tests of the client's bounds.

Raw asyncio sockets rather than an ASGI app, so that an answer can do what no framework lets it: trickle
its headers or body, lie about its length, break its framing, or send a status line that is no HTTP at
all. A test gives the server one handler; the handler answers every request, as hostile as it likes.
The server records each request with its arrival time, which is how tests see how long the client
waited between tries without timing the client itself.
"""

from __future__ import annotations

import asyncio
import functools
import http
import json
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

IDLE = 30.0  # seconds a kept-alive connection may stay silent before the server drops it
STOP = 10.0  # seconds the server's thread has to start or stop


@dataclass(frozen=True)
class Request:
    at: float  # time.monotonic() when its head had arrived
    method: str
    target: str  # path and query, as sent
    headers: Mapping[str, str]  # names in lower case
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    @property
    def token(self) -> str:
        """The bearer token the client sent (what a hostile server would echo)."""
        return self.headers.get("authorization", "").removeprefix("Bearer ")

    @property
    def origin(self) -> str:
        return f"http://{self.headers.get('host', '')}"


@dataclass
class Reply:
    """The way back to the client for one request: well-formed answers, and the means to break them."""

    writer: asyncio.StreamWriter
    closed: bool = field(default=False)

    async def raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def head(self, status: int, headers: Mapping[str, str], reason: str | None = None) -> None:
        lines = [f"HTTP/1.1 {status} {reason or _phrase(status)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        await self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def send(self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
        await self.head(status, {**(headers or {}), "Content-Length": str(len(body))})
        await self.raw(body)

    async def json(self, status: int, data: Any, headers: Mapping[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        await self.send(status, body, {"Content-Type": "application/json", **(headers or {})})

    async def trickle(self, data: bytes, interval: float) -> None:
        """`data` one byte at a time, `interval` seconds apart, until it is all sent or the client left."""
        for byte in data:
            if self.writer.is_closing():
                return
            await self.raw(bytes([byte]))
            await asyncio.sleep(interval)

    def close(self) -> None:
        """Drop the connection (whatever was sent of the answer so far stays sent)."""
        self.closed = True
        self.writer.close()


Handler = Callable[[Request, Reply], Awaitable[None]]


class HostileServer:
    """`handler` answers every request, on 127.0.0.1, from a thread of its own."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[Request] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hostile-server", daemon=True)
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connection, "127.0.0.1", 0), self._loop
        )
        self._server = started.result(timeout=STOP)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=STOP)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=STOP)
        self._loop.close()

    def to(self, path: str) -> list[Request]:
        """The requests received for one path (below /v1)."""
        return [r for r in self.requests if r.path == "/v1" + path]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        # Aborting each connection ends its handler (a trickle or an endless body would otherwise go on)
        # with the error a departed client gives it; cancelling would make asyncio log the cancellation.
        for writer in self._writers:
            writer.transport.abort()
        if self._connections:
            await asyncio.wait(self._connections, timeout=STOP)
        await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._writers.add(writer)
        try:
            while not writer.is_closing():
                request = await _read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                reply = Reply(writer)
                await self._handler(request, reply)
                if reply.closed:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            return  # the client went away, or sent what no client would: the connection is over
        finally:
            writer.close()
            self._writers.discard(writer)
            self._connections.discard(task)


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE)
    except asyncio.IncompleteReadError:  # the client closed a kept-alive connection
        return None
    at = time.monotonic()
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(at, method, target, headers, body)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# What the answers of a fake org look like: the reconciler's first request in a plan is this list.
CALLING_LOCATIONS = "/telephony/config/locations"


def next_page_link(request: Request, start: int) -> str:
    """An absolute next-page link on the request's own origin that no earlier page has sent."""
    return f'<{request.origin}/v1{CALLING_LOCATIONS}?max=1000&start={start}>; rel="next"'


@functools.cache
def gzip_bomb(expanded_mib: int = 100) -> bytes:
    """A gzip body of ~0.1 % of its size: valid JSON once decompressed (`{"locations": [` and spaces),
    so only a cap on the decompressed size stops a client that reads it whole."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    spaces = b" " * (1 << 20)
    parts = [compressor.compress(b'{"locations": [')]
    parts += [compressor.compress(spaces) for _ in range(expanded_mib)]
    parts += [compressor.compress(b"]}"), compressor.flush()]
    return b"".join(parts)


def json_escaped(text: str) -> str:
    """`text` as JSON's \\u escapes: the same string once parsed, no byte of it the same on the wire."""
    return "".join(f"\\u{ord(c):04x}" for c in text)
