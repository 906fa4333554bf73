"""Pagination of list endpoints: `max` and `start`, and an RFC 5988 `Link: <...>; rel="next"` header."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

from reconciler.sandbox.errors import BAD_QUERY, WebexError
from reconciler.sandbox.settings import SandboxSettings

T = TypeVar("T")
_INTEGER = re.compile(r"[0-9]+")


def _integer(request: Request, name: str, default: int, minimum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw) or int(raw) < minimum:
        raise WebexError.one(
            400, f"Invalid query parameter {name}={raw!r}: expected an integer >= {minimum}", BAD_QUERY
        )
    return int(raw)


def paginate(
    request: Request, items: Sequence[T], settings: SandboxSettings, *, keep_query: bool
) -> tuple[list[T], dict[str, str]]:
    """The page the request asks for and the headers to answer with (a Link when more items remain).

    `max` defaults to settings.default_page_size and is capped silently at settings.max_page_size.
    The next link keeps every query parameter when `keep_query`, else only `start` and `max`.
    """
    size = min(_integer(request, "max", settings.default_page_size, 1), settings.max_page_size)
    start = _integer(request, "start", 0, 0)
    page = list(items[start : start + size])
    if start + size >= len(items):
        return page, {}
    query = dict(request.query_params) if keep_query else {}
    query.update(start=str(start + size), max=str(size))
    return page, {"Link": f'<{request.url.replace(query=urlencode(query))}>; rel="next"'}
