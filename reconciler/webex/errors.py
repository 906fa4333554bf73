"""The one exception type for everything the Webex API (or the way to it) answers with an error."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import httpx

from reconciler.webex.security import redact


@dataclass(frozen=True)
class Retried:
    """What one request met before its last failure: throttles (429/423), faults, and the time it took."""

    throttled: int
    faults: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"gave up after {_count(self.throttled, '429/423 answer')} and "
            f"{_count(self.faults, 'fault')} over {self.seconds:.0f} s"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"throttled": self.throttled, "faults": self.faults, "seconds": round(self.seconds, 1)}


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


class WebexError(Exception):
    """An error from the Webex API: status, Webex message, error codes and trackingId.

    `status` is 0 when no HTTP answer came at all (connection refused, timeout, TLS failure).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str = "",
        path: str = "",
        error_codes: tuple[int, ...] = (),
        tracking_id: str | None = None,
        body: Any = None,
        retry_after: str | None = None,
        retried: Retried | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.error_codes = error_codes
        self.tracking_id = tracking_id
        self.body = body
        self.retry_after = retry_after  # the answer's Retry-After header, as sent
        self.retried = retried  # set on the last failure of a request that was tried more than once
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" on {self.method} {self.path}" if self.method else ""
        head = f"{self.head}{where}"
        extras = []
        if self.error_codes:
            extras.append("errorCode " + ", ".join(str(c) for c in self.error_codes))
        if self.tracking_id:
            extras.append(f"trackingId {self.tracking_id}")
        tail = f" ({'; '.join(extras)})" if extras else ""
        history = f"; {self.retried}" if self.retried else ""
        return f"{head}: {self.message}{tail}{history}"

    @property
    def head(self) -> str:
        """What came back, in two words: the HTTP status, or that no answer came."""
        return f"HTTP {self.status}" if self.status else "no answer"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "errorCodes": list(self.error_codes),
            "trackingId": self.tracking_id,
            "retried": self.retried.to_dict() if self.retried else None,
        }

    @classmethod
    def from_response(
        cls, response: httpx.Response, path: str, *, secrets: Collection[str] = ()
    ) -> WebexError:
        """Read a Webex error body leniently: `message` + `errors[]`, or `errorMessage`, or plain text.

        Every `secrets` occurrence is redacted first: a server may echo what it was sent.
        """
        body = redact(_body(response), secrets)
        message, codes = _message_and_codes(body)
        return cls(
            response.status_code,
            redact(message or response.reason_phrase or "error", secrets),
            method=response.request.method,
            path=redact(path, secrets),
            error_codes=codes,
            tracking_id=redact(_tracking_id(body, response), secrets),
            body=body,
            retry_after=response.headers.get("Retry-After"),
        )


# No answer of this API comes near this; a server that sends more is broken or hostile.
MAX_ANSWER_BYTES = 32 * 1024 * 1024  # on the wire and decoded alike


class AnswerTooLarge(httpx.DecodingError):
    """An answer over MAX_ANSWER_BYTES, on the wire or decoded: refused, and not tried again."""

    def __init__(self) -> None:
        super().__init__(f"the answer is larger than {MAX_ANSWER_BYTES // 2**20} MiB; refused")


class Refused(WebexError):
    """An answer the client will not take (status 0): too large, a list without end, a next-page link
    that leads elsewhere. Not worth another try."""

    @property
    def head(self) -> str:
        return "answer refused"


class NoAnswer(WebexError):
    """No HTTP answer (status 0) because the connection failed, dropped or timed out: worth another try."""


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):  # not JSON, or JSON nested deeper than Python recurses
        return response.text


def _tracking_id(body: Any, response: httpx.Response) -> str | None:
    """The body's trackingId, else the answer's TrackingID header, else the one the request was sent with.

    Webex files a request under the TrackingID the client sent, so the last is still worth quoting.
    """
    tracking = (
        (body.get("trackingId") if isinstance(body, dict) else None)
        or response.headers.get("TrackingID")
        or response.request.headers.get("TrackingID")
    )
    return str(tracking) if tracking else None


def _message_and_codes(body: Any) -> tuple[str, tuple[int, ...]]:
    if not isinstance(body, dict):
        return (str(body).strip()[:500], ())
    descriptions: list[str] = []
    codes: list[int] = []
    top_code = _code(body.get("errorCode"))
    if top_code is not None:
        codes.append(top_code)
    errors = body.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("description"), str):
                descriptions.append(item["description"])
            code = _code(item.get("errorCode"))
            if code is not None and code not in codes:
                codes.append(code)
    # `error` and `error_description`: the OAuth 2.0 shape (RFC 6749 5.2), which a token endpoint may use.
    message = (
        body.get("message") or body.get("errorMessage") or body.get("failureReason") or _oauth_message(body)
    )
    if not isinstance(message, str) or not message:
        message = "; ".join(descriptions)
    elif descriptions and all(d not in message for d in descriptions):
        message = f"{message}: {'; '.join(descriptions)}"
    return message, tuple(codes)


def _oauth_message(body: dict[str, Any]) -> str | None:
    """`invalid_grant: <description>` from an OAuth error body, else None."""
    parts = [body.get(key) for key in ("error", "error_description")]
    words = [part for part in parts if isinstance(part, str) and part]
    return ": ".join(words) or None


def _code(value: Any) -> int | None:
    """An error code, sent as a number or a numeric string; never a boolean."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # A code is a small number; a string of thousands of digits is noise (and int() would refuse it).
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None
