"""Where the token may go, and keeping it out of every text the client builds from what others wrote."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from typing import Any
from urllib.parse import quote

import httpx

REDACTED = "[redacted]"
# Shorter "tokens" are test and sandbox placeholders: replacing them would mangle ordinary words,
# and no real Webex token is anywhere near this short.
MIN_SECRET_LENGTH = 8
PLAIN_HTTP_HOSTS = "localhost, 127.0.0.0/8 or [::1]"


def secret_forms(token: str) -> tuple[str, ...]:
    """The ways a token may show up in an error text or body: as sent, and percent-encoded."""
    if len(token) < MIN_SECRET_LENGTH:
        return ()
    return tuple(dict.fromkeys((token, quote(token, safe=""))))


def redact(value: Any, secrets: Collection[str]) -> Any:
    """`value` (a string, or JSON made of dicts and lists) with every secret in it replaced."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    return value


def token_problem(token: str) -> str | None:
    """What keeps `token` from being sent as `Authorization: Bearer <token>`, or None.

    A bearer token is one word of visible ASCII (RFC 6750's b64token is narrower still); a line break
    would end the header, a non-ASCII character cannot be sent in it, and a space means two words.
    """
    if all("!" <= char <= "~" for char in token):
        return None
    if "\n" in token or "\r" in token:
        return "a line break"
    if any(not char.isascii() for char in token):
        return "a non-ASCII character"
    if any(char in " \t" for char in token):
        return "a space or tab"
    return "a control character"


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: a host whose traffic never leaves the machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_problem(url: httpx.URL) -> str | None:
    """Why the token must not be sent to `url`: plain http to a host off this machine."""
    if url.scheme == "https" or (url.scheme == "http" and is_loopback(url.host)):
        return None
    if url.scheme == "http":
        return (
            f"plain http would send the token unencrypted to {url.host}; "
            f"use https (plain http is only allowed to {PLAIN_HTTP_HOSTS})"
        )
    return f"unsupported scheme {url.scheme!r}: use https"


def base_url_problem(base_url: str, *, allow_plain_http: bool = False) -> str | None:
    """Why `base_url` is unusable as the API's base URL, or None.

    The messages never repeat the URL whole: its credentials or query may be secret.
    """
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        return "not a valid URL; give one such as https://webexapis.com/v1"
    if url.scheme not in ("http", "https") or not url.host:
        return "not an absolute https:// URL; give one such as https://webexapis.com/v1"
    if url.userinfo:
        return "it must not carry credentials (user:password@): the access token is the only credential"
    if url.query or url.fragment:
        return "it must not carry a query or fragment (?… or #…): give the bare base URL"
    return None if allow_plain_http else plain_http_problem(url)


def origin_problem(url: httpx.URL, base: httpx.URL) -> str | None:
    """Why a URL the client was handed (a next-page link) must not get the token: not the base's origin."""
    if url.host != base.host:
        return f"another host: {url.host}"
    if url.scheme != base.scheme:
        return f"another scheme: {url.scheme} instead of {base.scheme}"
    if url.port != base.port:
        return f"another port: {url.port}"
    return None
