"""The HTTP transport to the real API: httpx's interface, aiohttp's connection pool and parser.

httpx stays the client everyone here talks to (requests, responses, errors, and the in-process and mock
transports the sandbox and the tests use); this transport only moves the bytes. It exists for speed:
httpx's own async transport (httpcore on anyio) costs about 1.4 ms of CPU per request, this one about
0.4 ms, and at thousands of GETs per plan that is most of a plan's CPU (see bench/README.md).

What it keeps from httpx's transport, on purpose:
- the URL exactly as httpx built it: aiohttp would otherwise normalise it again and resolve an escaped
  `%2E%2E` ID into the parent path, a request to another resource than the one checked;
- TLS verified with httpx's context (certifi, SSL_CERT_FILE), and proxies from HTTPS_PROXY / ALL_PROXY /
  NO_PROXY, looked up once, as httpx does (aiohttp's own `trust_env` would also send .netrc credentials);
- cookies left to httpx (aiohttp's jar is a dummy), decompression too;
- failures raised as httpx's errors, so the retry policy judges them exactly as before.
What it does not keep: httpx's write timeout (aiohttp has none). The request bodies here are a few
hundred bytes, which the socket's buffer takes whole: a write never waits on the server.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx
import yarl

from reconciler.webex.errors import MAX_ANSWER_BYTES, AnswerTooLarge
from reconciler.webex.security import is_loopback, redact

# aiohttp failure → the httpx error httpcore raises for the same event; first match wins (subclasses
# come before the classes they extend).
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),  # the proxy refused the tunnel: final
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (asyncio.TimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # an answer aiohttp could not read
    (aiohttp.ClientConnectionResetError, httpx.WriteError),  # written to a connection already closing
    (aiohttp.ClientOSError, httpx.ReadError),
    (aiohttp.ClientConnectionError, httpx.ReadError),
    (aiohttp.ClientError, httpx.TransportError),
)


def env_proxy(url: httpx.URL) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY), if any.

    Loopback is never proxied: that is the sandbox on this machine, and plain http is allowed there only
    because it never leaves the machine.
    """
    if is_loopback(url.host) or urllib.request.proxy_bypass(url.host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(url.scheme) or proxies.get("all")


def transport_error(
    exc: BaseException, request: httpx.Request, hide: tuple[str, ...] = ()
) -> httpx.TransportError:
    """The httpx error for an aiohttp failure, with aiohttp's message (it never holds the request's
    headers) less the texts in `hide` (the proxy's password)."""
    kind = next(error for cause, error in _ERRORS if isinstance(exc, cause))
    if isinstance(exc, aiohttp.ClientHttpProxyError):  # its text quotes the proxy URL, credentials and all
        message = f"the proxy refused the connection: {exc.status} {exc.message}"
    else:
        message = str(exc) or type(exc).__name__
    return kind(redact(message, hide), request=request)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session, opened on the first request (it belongs to the running event loop)."""

    def __init__(
        self,
        *,
        max_connections: int,
        proxy: str | None = None,
        keepalive_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._max_connections = max_connections
        self._proxy = proxy
        password = yarl.URL(proxy).password if proxy else None
        self._hide = tuple(dict.fromkeys((password, quote(password, safe="")))) if password else ()
        self._keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            keepalive_timeout=self._keepalive_expiry,
            ssl=self._ssl_context or httpx.create_ssl_context(),
        )
        session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
        )
        # aiohttp quietly sends a GET or PUT again when a kept-alive connection drops, which the
        # client's fault policy would count as one try: the org would see up to twice the tries the
        # README promises. There is no public switch (aio-libs/aiohttp#10790); this attribute is the
        # one aiohttp's own tests use, and the hostile-server tests count the requests on the wire.
        session._retry_connection = False
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        body = await request.aread()
        try:
            async with self._session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),
                headers=request.headers.multi_items(),
                data=body or None,
                proxy=self._proxy,
                allow_redirects=False,
                timeout=_timeout(request.extensions.get("timeout", {})),
            ) as answer:
                content = await _read_capped(answer)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise transport_error(exc, request, self._hide) from exc
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode("latin-1", "replace")
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            stream=_Chunks(content),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read_capped(answer: aiohttp.ClientResponse) -> bytes:
    """The whole body as sent (still compressed, if it is), refused past MAX_ANSWER_BYTES."""
    declared = answer.content_length
    if declared is not None and declared > MAX_ANSWER_BYTES:
        raise AnswerTooLarge()
    chunks: list[bytes] = []
    size = 0
    while chunk := await answer.content.readany():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise AnswerTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


class _Chunks(httpx.AsyncByteStream):
    """A body handed to httpx in slices, so its decoder inflates a compressed body a slice at a time
    and the client can stop a decompression bomb before it fills the memory."""

    SLICE = 16 * 1024  # zlib inflates at most about a thousand times: a slice never exceeds the cap

    def __init__(self, content: bytes) -> None:
        self._content = content

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._content), self.SLICE):
            yield self._content[start : start + self.SLICE]


def _timeout(limits: dict[str, float | None]) -> aiohttp.ClientTimeout:
    """httpx's timeouts in aiohttp's terms: `pool` bounds waiting for a connection and opening it."""
    return aiohttp.ClientTimeout(
        sock_connect=limits.get("connect"), sock_read=limits.get("read"), connect=limits.get("pool")
    )
