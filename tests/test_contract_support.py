"""What the contract tests share: the cassettes, the strict vcrpy replay, and the scrubbing of recordings.

The cassettes in tests/cassettes/ are built by hand from Webex's own documented examples (each says where
from). They are the independent check on our reading of the API: the client is replayed against them with
vcrpy in record mode "none", matching method, scheme, host, port, path, query and the JSON body, so a
request that differs from the documented one finds no answer and the test fails.

Recording against a live org goes through `recording_config()`: the hooks in it remove the Authorization
header and scrub the token (and any `Bearer ...`) from every header, URL and body before vcrpy keeps the
interaction, so nothing unscrubbed is ever written. See tests/cassettes/README.md.

The tests at the bottom check the JSON body matcher itself.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import vcr
import yaml
from vcr.request import Request

from reconciler.webex.api import CallingApi
from reconciler.webex.client import RetryPolicy, WebexClient

T = TypeVar("T")

CASSETTES = Path(__file__).resolve().parent / "cassettes"
LIVE_CASSETTES = CASSETTES / "live"  # where `--record-mode` writes (tests/test_contract_live.py)
BASE_URL = "https://webexapis.com/v1"
REPLAY_TOKEN = "replay-only-placeholder"  # replays need some token; it is filtered from recordings anyway
TOKEN_ENV = "WEBEX_ACCESS_TOKEN"
ORG_ID_ENV = "WEBEX_ORG_ID"

# IDs from the documented examples (unpadded base64 of ciscospark://us/<TYPE>/<id>).
ORG_ID = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi85NmFiYzJhYS0zZGNjLTExZTUtYTE1Mi1mZTM0ODE5Y2RjOWE"
# Update Location Webex Calling Details: its location, the trunk of its `connection`, its batchJobId.
LOCATION_ID = "Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OL2E4NjczZDIwLWM0M2EtNDQ5Ni1iYWIxLTNiMjhhZGJjMjViYQ"
DETAILS_TRUNK_ID = "Y2lzY29zcGFyazovL3VzL1RSVU5LL2M1MGIxZjY2LTRjODMtNDAzNy04NjM1LTg2ZjlkM2VkZDQ5MQ"
BATCH_JOB_ID = "Y2lzY29zcGFyazovL3VzL0pPQl9JRC8wOThmNTg5MC05MTA4LTQ0YWMtODIxMy1lYmE4MGI4YzJkMjA"
# Setup PSTN Connection for a Location: its location, connection (option) and trunk.
PSTN_LOCATION_ID = "Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OLzEyMzQ1"
LGW_OPTION_ID = "Y2lzY29zcGFyazovL3VzL1BTVE5fQ09OTkVDVElPTi81MWRlNDg5Yy1hYTYwLTRjMjUtOWFmNi1jYzRjYjE3MTczMGU"
PSTN_TRUNK_ID = "Y2lzY29zcGFyazovL3VzL1RSVU5LLzUxZGU0ODljLWFhNjAtNGMyNS05YWY2LWNjNGNiMTcxNzMxZg"
# Retrieve PSTN Connection Options: the second option (a non-integrated CCP by its name).
CCP_OPTION_ID = "Y2lzY29zcGFyazovL3VzL1BTVE5fQ09OTkVDVElPTi9kMDk0MTc4Zi04MThlLTQ1YmMtYjEwMS1hOGRkNDhjMTM5MjE"
# Get Location Webex Calling Details, and the routing-prefix job examples.
DETAILS_GET_LOCATION_ID = "Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OL2M5N2VlMDQ5LTM1OWItNGM3OC04NDU0LTA1OGMyZWRlMjU2Mw"
JOB_ID = "Y2lzY29zcGFyazovL3VzL0pPQl9JRC81YWE1NWZjNC1lNTYwLTQ3MWQtOGZhZS0yNDc3NDM3MDNkNmI"

MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")


# --- the JSON body matcher ----------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """JSON text that is the same for equal documents: keys sorted, no layout; `true` stays apart from `1`."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def body_bytes(request: Request) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return bytes(body.read())
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    return b"".join(part if isinstance(part, bytes) else str(part).encode() for part in body)


def json_body(r1: Request, r2: Request) -> None:
    """vcrpy matcher: the bodies are the same JSON document, whatever the key order or layout.

    Any other difference fails: a value, a missing or extra field, a type (`true` vs `1`, `1` vs `1.0`,
    `"9"` vs `9`). Bodies that are not JSON must be the same bytes (an empty body equals only an empty one).
    """
    b1, b2 = body_bytes(r1).strip(), body_bytes(r2).strip()
    if b1 == b2:
        return
    try:
        j1, j2 = json.loads(b1), json.loads(b2)
    except ValueError:
        raise AssertionError(f"bodies differ (not both JSON): {b1[:200]!r} != {b2[:200]!r}") from None
    c1, c2 = canonical_json(j1), canonical_json(j2)
    if c1 != c2:
        raise AssertionError(f"JSON bodies differ: {c1} != {c2}")


def contract_vcr(**config: Any) -> vcr.VCR:
    """A VCR that replays tests/cassettes strictly; our JSON matcher stands in for vcrpy's own "body"."""
    settings: dict[str, Any] = {
        "cassette_library_dir": str(CASSETTES),
        "record_mode": "none",
        "match_on": MATCH_ON,
        **config,
    }
    player = vcr.VCR(**settings)
    player.register_matcher("body", json_body)
    return player


REPLAY = contract_vcr()


async def _no_wait(seconds: float) -> None:
    return None


def run_api(
    work: Callable[[CallingApi], Awaitable[T]],
    *,
    org_id: str | None = ORG_ID,
    token: str = REPLAY_TOKEN,
    base_url: str = BASE_URL,
    sleep: Callable[[float], Awaitable[None]] = _no_wait,
    retry: RetryPolicy = RetryPolicy(),
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run `work` with the REAL client: WebexClient + CallingApi on httpx's transport, which vcrpy patches."""

    async def go() -> T:
        client = WebexClient(base_url, token, org_id=org_id, sleep=sleep, retry=retry, clock=clock)
        async with client:
            return await work(CallingApi(client))

    return asyncio.run(go())


def interactions(cassette: str) -> list[dict[str, Any]]:
    """A cassette's interactions as plain data, straight from its YAML."""
    data = yaml.safe_load((CASSETTES / cassette).read_text(encoding="utf-8"))
    return list(data["interactions"])


def request_body(cassette: str, index: int) -> Any:
    """The JSON body of a cassette's `index`-th request: e.g. a documented example body."""
    return json.loads(interactions(cassette)[index]["request"]["body"])


def response_body(cassette: str, index: int) -> Any:
    text = interactions(cassette)[index]["response"]["body"]["string"]
    return json.loads(text) if text else None


# --- scrubbing what is recorded -----------------------------------------------------------------------

SCRUBBED = "SCRUBBED"
# RFC 6750: "Bearer" then a b64token. Anything of that form is scrubbed, whoever's token it is.
BEARER = re.compile(r"(?i)\bbearer(\s+)[A-Za-z0-9\-._~+/]+=*")
# Never kept at all. TrackingID and every other header are kept (scrubbed of the token).
DROPPED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_MIN_SECRET = 8  # shorter "tokens" would scrub ordinary text; real ones are about 100 characters


def _secrets(extra: Iterable[str]) -> list[str]:
    """The token values to scrub: WEBEX_ACCESS_TOKEN now, plus `extra`; longest first."""
    found = {s.strip() for s in (os.environ.get(TOKEN_ENV, ""), *extra)}
    return sorted((s for s in found if len(s) >= _MIN_SECRET), key=len, reverse=True)


def scrub_text(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, SCRUBBED)
    return BEARER.sub(lambda m: f"Bearer{m.group(1)}{SCRUBBED}", text)


def _scrub_body(body: Any, secrets: list[str]) -> Any:
    if body is None:
        return None
    if isinstance(body, str):
        return scrub_text(body, secrets)
    raw = body if isinstance(body, bytes | bytearray) else body_bytes(Request("GET", "/", body, {}))
    # surrogateescape: bytes that are not UTF-8 go through unchanged.
    return scrub_text(bytes(raw).decode("utf-8", "surrogateescape"), secrets).encode(
        "utf-8", "surrogateescape"
    )


def make_scrubbers(
    extra_secrets: Iterable[str] = (),
) -> tuple[Callable[[Request], Request], Callable[[dict[str, Any]], dict[str, Any]]]:
    """vcrpy's `before_record_request` and `before_record_response` hooks.

    The request hook drops Authorization (and cookies) and scrubs the token from the other headers, the
    URL and the body; the response hook does the same to the answer's headers and body. TrackingID stays.
    The hooks never return None: for vcrpy that would mean "ignore this request", which in record mode
    "none" lets it through to the network.
    """
    extra = tuple(extra_secrets)

    def before_record_request(request: Request) -> Request:
        secrets = _secrets(extra)
        request.headers = {
            name: scrub_text(str(value), secrets)
            for name, value in request.headers.items()
            if name.lower() not in DROPPED_HEADERS
        }
        request.uri = scrub_text(request.uri, secrets)
        request.body = _scrub_body(request.body, secrets)
        return request

    def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
        secrets = _secrets(extra)
        headers = response.get("headers") or {}
        response["headers"] = {
            name: [scrub_text(str(v), secrets) for v in (values if isinstance(values, list) else [values])]
            for name, values in headers.items()
            if name.lower() not in DROPPED_HEADERS
        }
        body = response.get("body")
        if isinstance(body, dict) and "string" in body:
            body["string"] = _scrub_body(body["string"], secrets)
        return response

    return before_record_request, before_record_response


def recording_config(extra_secrets: Iterable[str] = ()) -> dict[str, Any]:
    """What every recording uses (pytest-recording's `vcr_config`, or `vcr.VCR(**...)`)."""
    scrub_request, scrub_response = make_scrubbers(extra_secrets)
    return {
        "filter_headers": ["authorization"],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        # A gzip body would hide a token from the scrubber: decode it first (and store it readable).
        "decode_compressed_response": True,
        "match_on": list(MATCH_ON),
        # A test that failed half-way writes nothing.
        "record_on_exception": False,
    }


# --- finding tokens in files --------------------------------------------------------------------------

# "Bearer" followed by something token-like that is not our placeholder.
BEARER_TOKEN = re.compile(r"(?i)\bbearer\s+(?!SCRUBBED\b)[A-Za-z0-9\-._~+/]{8,}=*")
# An Authorization header as YAML, JSON or HTTP writes it: the name, then a colon.
AUTHORIZATION_HEADER = re.compile(r"(?i)\b(proxy-)?authorization\b['\"]?\s*:")
# A long run of the characters tokens are made of (Webex tokens: about 100, with `_` and `-`).
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-]{32,}")
TRACKING_ID = re.compile(r"[A-Za-z]+_[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}(_[0-9]+)?")


def is_webex_id(text: str) -> bool:
    """A Webex ID: unpadded base64(url) of ciscospark://..."""
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return False
    return decoded.startswith(b"ciscospark://")


def _token_like(value: str) -> list[str]:
    return [
        run for run in TOKEN_LIKE.findall(value) if not is_webex_id(run) and not TRACKING_ID.fullmatch(run)
    ]


def _header_findings(where: str, headers: Any) -> list[str]:
    findings: list[str] = []
    for name, values in (headers or {}).items():
        if str(name).lower() in DROPPED_HEADERS:
            findings.append(f"{where}: a {name} header")
        for value in values if isinstance(values, list) else [values]:
            findings.extend(f"{where}: token-like {run[:12]}... in {name}" for run in _token_like(str(value)))
    return findings


def secret_findings(path: Path, secrets: Iterable[str] = ()) -> list[str]:
    """Everything in the file at `path` that looks like a credential; empty when it is clean."""
    text = path.read_text(encoding="utf-8", errors="replace")
    findings: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if AUTHORIZATION_HEADER.search(line):
            findings.append(f"{path}:{number}: an Authorization header")
        if BEARER_TOKEN.search(line):
            findings.append(f"{path}:{number}: a bearer token")
    findings.extend(f"{path}: contains the token's value" for s in _secrets(secrets) if s in text)
    if path.suffix in (".yaml", ".yml"):
        data = yaml.safe_load(text) or {}
        for index, interaction in enumerate(data.get("interactions") or []):
            for part in ("request", "response"):
                headers = (interaction.get(part) or {}).get("headers")
                findings.extend(_header_findings(f"{path}: interaction {index} {part}", headers))
    return findings


# --- tests of the matcher -----------------------------------------------------------------------------


def _request(body: str | bytes | None) -> Request:
    return Request("PUT", f"{BASE_URL}/x", body, {"Content-Type": "application/json"})


def test_json_body_ignores_key_order_and_layout() -> None:
    json_body(_request('{"a": 1, "b": {"c": true}}'), _request(b'{\n "b": {"c": true},\n "a": 1\n}\n'))


@pytest.mark.parametrize(
    "other",
    [
        '{"a": 2, "b": {"c": true}}',  # a value
        '{"a": 1}',  # a missing field
        '{"a": 1, "b": {"c": true}, "d": null}',  # an extra field, even null
        '{"a": 1, "b": {"c": 1}}',  # true is not 1
        '{"a": 1.0, "b": {"c": true}}',  # 1 is not 1.0
        '{"a": "1", "b": {"c": true}}',  # a number is not a string of digits
        "",  # no body at all
    ],
)
def test_json_body_fails_on_any_other_difference(other: str) -> None:
    with pytest.raises(AssertionError):
        json_body(_request('{"a": 1, "b": {"c": true}}'), _request(other))


def test_json_body_compares_other_bodies_as_bytes() -> None:
    json_body(_request(None), _request(b""))
    json_body(_request("not json"), _request(b"not json"))
    with pytest.raises(AssertionError):
        json_body(_request("not json"), _request("not JSON"))
