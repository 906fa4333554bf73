"""End to end against a hostile server: the installed CLI, bounded whatever the API does (issue 10, 4-5).

The server (tests/hostile_server.py) trickles, pages forever, sends a gzip bomb or an endless body,
echoes the token into its 2xx answers, asks to wait 0 s or far too long, and breaks its framing. Each
test runs `wxc-reconcile` as a user would and holds it to the README: the exit code promised, a clear
message naming the endpoint, no traceback, a bounded run, and the token nowhere (stdout, stderr, every
file written). The time bounds are generous multiples computed from the flags: they tell "bounded" from
"hours", they do not time the client. The first tests check the server itself with httpx, so that a
harness that stopped being hostile could not make the others pass.
"""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from clirun import TOKEN, wxc
from hostile_server import (
    CALLING_LOCATIONS,
    Handler,
    HostileServer,
    Reply,
    Request,
    gzip_bomb,
    json_escaped,
    next_page_link,
)

TIMEOUT = 1.0  # --timeout given in these tests: the deadline of one try as a whole
TRIES = 6  # the README's tries of one request
TRICKLE = 0.25  # seconds between bytes: well inside --timeout, so only a deadline on the whole try ends it
TRICKLED = 10_000  # bytes of a trickled answer: 40 minutes of it, per try, for a client without a deadline
# Generous beside the README's back-off between tries (0.5 s doubling, plus jitter): what a bound must
# show is "seconds", not the hours an unbounded client would take.
BACKOFF_ALLOWANCE = 60.0
START_ALLOWANCE = 15.0  # starting the CLI and reading the file, on a busy machine
MAX_WAIT = 3.0  # --max-wait given in the rate-limit tests
RETRY_AFTER_FLOOR = 1.0  # the least the client waits on a 429, whatever Retry-After says
LARGEST_ANSWER = 32 * 1024 * 1024  # the client's cap on an answer, on the wire or decompressed
DESIRED = 'version: 1\nlocations:\n  - name: Alpha\n    routingPrefix: "212"\n'


@pytest.fixture
def desired(tmp_path: Path) -> Path:
    """One location, details only: `plan` starts with the list of calling locations."""
    path = tmp_path / "locations.yaml"
    path.write_text(DESIRED)
    return path


def run(
    base_url: str, *args: str, seconds: float, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    """The CLI's result and its wall time; it must end within `seconds` (else the test fails)."""
    started = time.monotonic()
    result = wxc(*args, base_url=base_url, env=env, timeout=seconds)
    return result, time.monotonic() - started


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int, folder: Path) -> None:
    """The exit code promised, an error message and no traceback, and no file holding the token."""
    assert result.returncode == code, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stdout + result.stderr
    assert (result.stdout + result.stderr).strip(), "a failure must say what failed"
    assert_token_in_no_file(folder)


def assert_token_in_no_file(folder: Path) -> None:
    written = [path for path in folder.rglob("*") if path.is_file()]
    assert [path.name for path in written if TOKEN.encode() in path.read_bytes()] == []


# --- the hostile answers -----------------------------------------------------------------------------


def trickling() -> Handler:
    """Every answer trickles, one byte every TRICKLE seconds: the body on one try, the head on the next."""
    tries = itertools.count()

    async def handler(request: Request, reply: Reply) -> None:
        body = b'{"locations": [' + b" " * (TRICKLED - 17) + b"]}"
        if next(tries) % 2 == 0:
            await reply.head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
            await reply.trickle(body, TRICKLE)
        else:
            await reply.trickle(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * TRICKLED + b"\r\n\r\n", TRICKLE)
        reply.close()

    return handler


PAGE_CAP, ITEM_CAP = 1000, 200_000  # the README's caps on one list


def endless_pages(per_page: int) -> Handler:
    """Every page has `per_page` items and a next link no page has sent before, far past either cap.

    The server ends the list only at twice the cap it is testing, so that a client without the cap
    fails the test in seconds, with its memory bounded, rather than paging until the test's timeout.
    """
    last = 2 * min(PAGE_CAP * per_page, ITEM_CAP)

    async def handler(request: Request, reply: Reply) -> None:
        start = int(request.query.get("start", ["0"])[0])
        items = [{"id": f"L{n}", "name": f"Filler {n}"} for n in range(start, start + per_page)]
        more = start + per_page < last
        links = {"Link": next_page_link(request, start + per_page)} if more else {}
        await reply.json(200, {"locations": items}, links)

    return handler


async def bomb(request: Request, reply: Reply) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    await reply.send(200, gzip_bomb(), headers)


# Where the server stops sending: past the cap, yet a client without one fails the test holding only this.
ENDLESS_BODY_MIB = 2 * LARGEST_ANSWER >> 20


async def endless_body(request: Request, reply: Reply) -> None:
    """A chunked answer of spaces that goes on far past any sane size, as fast as the client reads."""
    await reply.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    chunk = b" " * (1 << 20)
    await reply.raw(b'f\r\n{"locations": [\r\n')
    for _ in range(ENDLESS_BODY_MIB):
        await reply.raw(b"100000\r\n" + chunk + b"\r\n")
    await reply.raw(b"2\r\n]}\r\n0\r\n\r\n")


def throttled(retry_after: str) -> Handler:
    async def handler(request: Request, reply: Reply) -> None:
        body = {"message": "Too many requests", "trackingId": "ROUTER_THROTTLED"}
        await reply.json(429, body, {"Retry-After": retry_after})

    return handler


BROKEN: tuple[bytes, ...] = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + b'{"locations"',
    b"HTTP/1.1 banana\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not HTTP at all\r\n\r\n",
    b"",  # the connection closed without a byte of answer
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n",
    b"HTTP/1.1 200 OK\r\nthis line is no header\r\nContent-Length: 2\r\n\r\n{}",
)


def broken() -> Handler:
    """Each try gets the next broken answer of BROKEN, and the connection is dropped after it."""
    answers = itertools.cycle(BROKEN)

    async def handler(request: Request, reply: Reply) -> None:
        await reply.raw(next(answers))
        reply.close()

    return handler


# The echoing org: two calling locations the desired state manages (Alpha's routing-prefix PUT answers
# 206, Bravo's starts a job that fails), and one whose name is the token.
ESCAPED = "@@escaped-token@@"  # replaced, in the encoded answer, by the token as JSON \u escapes
JOBS = "/telephony/config/jobs/updateRoutingPrefix/"
ECHO_DESIRED = """version: 1
locations:
  - name: Alpha
    routingPrefix: "212"
    externalCallerIdName: Alpha New
    callingLineId:
      name: Alpha Line
      phoneNumber: "+12145550100"
  - name: Bravo
    routingPrefix: "213"
    externalCallerIdName: Bravo New
"""


def echo_answer(request: Request) -> tuple[int, Any]:
    """What the echoing org answers: the token, as received, in every string that can hold it."""
    token = request.token
    path = request.path.removeprefix("/v1")
    segment = path.rsplit("/", 1)[-1]
    which = "Alpha" if segment.startswith("A-") else "Bravo"
    if path == CALLING_LOCATIONS:
        return 200, {
            "locations": [
                {"id": f"A-{token}", "name": "Alpha", "routingPrefix": "100"},
                {"id": f"B-{token}", "name": "Bravo", "routingPrefix": "101"},
                {"id": f"C-{token}", "name": f"Echo {token}", "routingPrefix": token},
            ]
        }
    if path == "/locations":
        return 200, {
            "items": [
                {"id": f"{n}-{token}", "name": name, "address": {"country": token, "city": token}}
                for n, name in (("A", "Alpha"), ("B", "Bravo"), ("C", f"Echo {token}"), ("D", token))
            ]
        }
    if path.startswith(CALLING_LOCATIONS + "/") and request.method == "GET":
        return 200, {
            "id": f"{which[0]}-{token}",
            "name": f"{which} {token}",
            "routingPrefix": "100" if which == "Alpha" else "101",
            "outsideDialDigit": "9",
            "externalCallerIdName": f"Old {token}",
            "callingLineId": {"name": ESCAPED, "phoneNumber": "+12145550100"},
            "announcementLanguage": "en_us",
            "connection": {"type": "TRUNK", "id": f"T-{token}"},
            "defaultDomain": f"{token}.example.com",
        }
    if path.startswith(CALLING_LOCATIONS + "/") and which == "Alpha":
        return 206, {"failureReason": f"prefix saved, job not triggered: {token}"}
    if path.startswith(CALLING_LOCATIONS + "/"):
        return 200, {"batchJobId": f"J-{token}"}
    if path.startswith(JOBS) and path.endswith("/errors"):
        message = {"description": f"could not update {token}", "code": token, "locationId": f"B-{token}"}
        error = {"key": f"KEY_{token}", "message": [message]}
        return 200, {"items": [{"itemNumber": 0, "trackingId": f"ROUTER_{token}", "error": error}]}
    if path.startswith(JOBS):
        return 200, {
            "id": f"J-{token}",
            "name": token,
            "trackingId": f"ROUTER_{token}",
            "latestExecutionStatus": "FAILED",
            "latestExecutionExitCode": f"EXIT_{token}",
            "counts": {"routingPrefixUpdated": 0, "routingPrefixFailed": 1},
        }
    return 404, {"message": f"no such thing: {token}", "errors": [], "trackingId": f"ROUTER_{token}"}


async def echoing(request: Request, reply: Reply) -> None:
    status, data = echo_answer(request)
    body = json.dumps(data).replace(ESCAPED, json_escaped(request.token)).encode()
    headers = {"Content-Type": "application/json", "TrackingID": f"ROUTER_{request.token}"}
    await reply.send(status, body, headers)


# --- the harness is hostile (httpx and raw sockets against the server itself) -------------------------


def get(server: HostileServer, path: str = CALLING_LOCATIONS) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return httpx.get(server.base_url + path, headers=headers, timeout=10)


def raw_get(server: HostileServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"GET /v1{CALLING_LOCATIONS} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def received(sock: socket.socket, count: int) -> list[tuple[float, bytes]]:
    """The next `count` reads from `sock`, each with the time it returned."""
    reads = []
    for _ in range(count):
        data = sock.recv(4096)
        assert data, "the server closed the connection early"
        reads.append((time.monotonic(), data))
    return reads


def assert_trickled(reads: list[tuple[float, bytes]], asked: float) -> None:
    """One byte per read, TRICKLE apart: a client reading it is never idle for long, yet never done.

    Timed from the request (`asked`), not between reads: a reader held up on a busy machine finds the
    next byte waiting, so a gap between two reads can be short, but the last byte cannot come sooner.
    """
    assert [len(data) for _, data in reads] == [1] * len(reads)
    assert reads[-1][0] - asked >= (len(reads) - 1) * TRICKLE * 0.8, [at - asked for at, _ in reads]


def test_harness_trickles_the_body_on_one_try_and_the_head_on_the_next() -> None:
    with HostileServer(trickling()) as server:
        asked_body = time.monotonic()
        with raw_get(server) as sock:
            head = sock.recv(4096)  # whole at once (perhaps with the body's first byte)
            body = received(sock, 4)
        asked_head = time.monotonic()
        with raw_get(server) as sock:
            trickled_head = received(sock, 4)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert f"Content-Length: {TRICKLED}".encode() in head.split(b"\r\n\r\n")[0]
    assert_trickled(body, asked_body)
    assert_trickled(trickled_head, asked_head)
    assert b"".join(data for _, data in trickled_head) == b"HTTP"
    assert len(server.requests) == 2


@pytest.mark.parametrize("per_page", [1, 1000])
def test_harness_pages_go_past_the_caps_and_every_next_link_is_new(per_page: int) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with HostileServer(endless_pages(per_page)) as server:
        links = []
        response = get(server)
        for _ in range(20):
            assert len(response.json()["locations"]) == per_page
            links.append(response.links["next"]["url"])
            response = httpx.get(links[-1], headers=headers, timeout=10)
        past_the_cap = min(PAGE_CAP * per_page, ITEM_CAP)  # the first item the client must not reach
        beyond = httpx.get(f"{server.base_url}{CALLING_LOCATIONS}?start={past_the_cap}", headers=headers)
    assert len(set(links)) == 20
    assert all(link.startswith(server.base_url + CALLING_LOCATIONS + "?") for link in links)
    assert "next" in beyond.links


def test_harness_gzip_bomb_is_small_on_the_wire_and_huge_decompressed() -> None:
    with HostileServer(bomb) as server:
        with httpx.stream("GET", server.base_url + CALLING_LOCATIONS, timeout=10) as response:
            wire = b"".join(response.iter_raw())
        assert response.headers["Content-Encoding"] == "gzip"
        assert len(wire) < 200 * 1024
        inflate, expanded, start = zlib.decompressobj(31), 0, b""
        data = wire
        while data:
            part = inflate.decompress(data, 1 << 22)
            start = start or part[:15]
            expanded += len(part)
            data = inflate.unconsumed_tail
        assert start == b'{"locations": ['
        assert expanded > 100 * 1024 * 1024 > 3 * LARGEST_ANSWER


def test_harness_endless_body_goes_past_the_cap() -> None:
    with HostileServer(endless_body) as server:
        received = 0
        with httpx.stream("GET", server.base_url + CALLING_LOCATIONS, timeout=10) as response:
            for chunk in response.iter_raw():
                received += len(chunk)
                if received > LARGEST_ANSWER + (1 << 20):
                    break
        assert "content-length" not in response.headers
        assert received > LARGEST_ANSWER


def test_harness_echoes_the_token_in_2xx_answers_and_their_tracking_id() -> None:
    with HostileServer(echoing) as server:
        listed = get(server)
        assert listed.status_code == 200 and TOKEN in listed.headers["TrackingID"]
        assert all(TOKEN in loc["id"] for loc in listed.json()["locations"])
        details = get(server, f"{CALLING_LOCATIONS}/A-x")
        assert TOKEN in details.json()["externalCallerIdName"]
        assert details.json()["callingLineId"]["name"] == TOKEN  # once parsed...
        assert TOKEN.encode() not in details.content.split(b'"callingLineId"')[1][:200]  # ...not on the wire
        headers = {"Authorization": f"Bearer {TOKEN}"}
        for which, status, key in (("A", 206, "failureReason"), ("B", 200, "batchJobId")):
            put = httpx.put(f"{server.base_url}{CALLING_LOCATIONS}/{which}-x", headers=headers, json={})
            assert put.status_code == status and TOKEN in put.json()[key]
        job = get(server, JOBS + "J-x").json()
        assert job["latestExecutionStatus"] == "FAILED" and TOKEN in job["latestExecutionExitCode"]
        errors = get(server, JOBS + "J-x/errors").json()["items"]
        assert TOKEN in errors[0]["error"]["message"][0]["description"]


@pytest.mark.parametrize("retry_after", ["0", "194"])
def test_harness_throttles_every_request(retry_after: str) -> None:
    with HostileServer(throttled(retry_after)) as server:
        for _ in range(3):
            response = get(server)
            assert response.status_code == 429 and response.headers["Retry-After"] == retry_after


def test_harness_breaks_every_answer_one_way_after_another() -> None:
    with HostileServer(broken()) as server:
        with httpx.Client(timeout=10) as client:
            for _ in BROKEN:
                with pytest.raises(httpx.TransportError):
                    client.get(server.base_url + CALLING_LOCATIONS)
        assert len(server.requests) == len(BROKEN)


# --- the CLI against it ------------------------------------------------------------------------------


FAULT_BOUND = TRIES * TIMEOUT + BACKOFF_ALLOWANCE + START_ALLOWANCE  # every try failing at its deadline


def plan_as_every_try_fails(handler: Handler, desired: Path, tmp_path: Path) -> str:
    """`plan` against answers that fail every try: retried as faults, at most TRIES times, within
    FAULT_BOUND, then exit 1 naming the endpoint. Its stderr, for what the message says."""
    with HostileServer(handler) as server:
        flags = ("--timeout", str(TIMEOUT))
        result, seconds = run(server.base_url, "plan", str(desired), *flags, seconds=FAULT_BOUND + 10)
        sent = server.to(CALLING_LOCATIONS)
    assert_clean_failure(result, 1, tmp_path)
    assert seconds < FAULT_BOUND
    tries = {request.headers.get("trackingid") for request in sent}  # each try has its own TrackingID
    assert 2 <= len(tries) <= TRIES, tries
    # What the org sees: aiohttp on its own sends an idempotent request again once when the connection
    # drops, which would make more tries on the wire than the README's.
    assert len(sent) == len(tries), [request.headers.get("trackingid") for request in sent]
    assert CALLING_LOCATIONS in result.stderr, result.stderr
    return result.stderr


def test_a_trickling_answer_ends_at_the_deadline_of_each_try(desired: Path, tmp_path: Path) -> None:
    stderr = plan_as_every_try_fails(trickling(), desired, tmp_path).lower()
    said = ("timed out", "timeout", f"no complete answer within {TIMEOUT:g} s")
    assert any(words in stderr for words in said), stderr


@pytest.mark.parametrize(("per_page", "cap"), [(1, "page"), (1000, "item")], ids=["pages", "items"])
def test_a_list_whose_next_link_never_ends_stops_at_the_cap(
    desired: Path, tmp_path: Path, per_page: int, cap: str
) -> None:
    with HostileServer(endless_pages(per_page)) as server:
        result, _ = run(server.base_url, "plan", str(desired), seconds=START_ALLOWANCE + 60)
        pages = len(server.to(CALLING_LOCATIONS))
    assert_clean_failure(result, 1, tmp_path)
    assert CALLING_LOCATIONS in result.stderr and cap in result.stderr.lower(), result.stderr
    assert pages <= min(PAGE_CAP, ITEM_CAP // per_page) + 1  # stopped at the cap, not at the list's end


@pytest.mark.parametrize("answer", [bomb, endless_body], ids=["gzip-bomb", "endless-body"])
def test_an_oversized_answer_fails_the_run_cleanly(desired: Path, tmp_path: Path, answer: Handler) -> None:
    with HostileServer(answer) as server:
        flags = ("--timeout", "30")  # the size cap must end it, not the deadline
        seconds = TRIES * 5 + BACKOFF_ALLOWANCE + START_ALLOWANCE
        result, _ = run(server.base_url, "plan", str(desired), *flags, seconds=seconds)
    assert_clean_failure(result, 1, tmp_path)
    assert CALLING_LOCATIONS in result.stderr
    assert any(word in result.stderr for word in ("MiB", "MB", "bytes", "large", "size")), result.stderr


def test_the_token_echoed_in_2xx_answers_reaches_no_output_and_no_file(tmp_path: Path) -> None:
    desired = tmp_path / "locations.yaml"
    desired.write_text(ECHO_DESIRED)
    summary = tmp_path / "step-summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}
    plan_file, report_file = tmp_path / "plan.json", tmp_path / "report.json"
    bound = START_ALLOWANCE + 30
    with HostileServer(echoing) as server:
        url = server.base_url
        saving = ("--format", "json", "--out", str(plan_file))
        planned, _ = run(url, "plan", str(desired), *saving, seconds=bound, env=env)
        shown, _ = run(url, "plan", str(desired), seconds=bound, env=env)
        markdown, _ = run(url, "plan", str(desired), "--format", "markdown", seconds=bound, env=env)
        flags = ("--format", "json", "--json-report", str(report_file), "--force")
        applied, _ = run(url, "apply", str(desired), *flags, seconds=bound, env=env)
        exchanges = [(r.method, r.path) for r in server.requests]

    for result in (planned, shown, markdown):
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert "Traceback" not in result.stderr
    assert_clean_failure(applied, 1, tmp_path)  # both steps failed: the 206, and the job that FAILED
    # The answers really reached the outputs (with the token replaced), so its absence means something.
    assert "[redacted]" in planned.stdout and "[redacted]" in shown.stdout and "[redacted]" in markdown.stdout
    assert "[redacted]" in plan_file.read_text() and "[redacted]" in summary.read_text()
    report = json.loads(report_file.read_text())
    assert [r["outcome"] for r in report["results"]] == ["failed", "failed"]
    alpha, bravo = sorted(report["results"], key=lambda r: r["location"])
    assert "[redacted]" in json.dumps(alpha)  # the 206's failureReason
    assert bravo["job"] is not None and "[redacted]" in json.dumps(bravo["job"])  # exit code, errors
    assert sum(1 for method, path in exchanges if method == "GET" and path.startswith("/v1" + JOBS)) >= 2


def test_the_token_echoed_in_location_names_stays_out_of_the_unknown_name_error(tmp_path: Path) -> None:
    desired = tmp_path / "locations.yaml"
    desired.write_text('version: 1\nlocations:\n  - name: Charlie\n    routingPrefix: "212"\n')
    with HostileServer(echoing) as server:
        result, _ = run(server.base_url, "plan", str(desired), seconds=START_ALLOWANCE + 30)
    assert_clean_failure(result, 3, tmp_path)
    # the org's names were listed, the token-named one too
    assert "Charlie" in result.stderr and "[redacted]" in result.stderr, result.stderr


UNSENDABLE = {  # tokens no Authorization header can carry: one would forge a header, one is no ASCII
    "line-break": "first-half-0123456789\nX-Injected: second-half-0123456789",
    "non-ascii": "t\u00f6ken-0123456789abcdefghijklmnop",
}


@pytest.mark.parametrize("source", ["--token-file", "WEBEX_ACCESS_TOKEN"])
@pytest.mark.parametrize("secret", list(UNSENDABLE.values()), ids=list(UNSENDABLE))
def test_a_token_no_header_can_carry_is_invalid_input_before_any_request(
    desired: Path, tmp_path: Path, source: str, secret: str
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(secret + "\n", encoding="utf-8")
    flags = ("--token-file", str(token_file)) if source == "--token-file" else ()
    with HostileServer(echoing) as server:
        started = time.monotonic()
        args = ("plan", str(desired), *flags)
        result = wxc(*args, base_url=server.base_url, token=secret, timeout=START_ALLOWANCE + 10)
        seconds = time.monotonic() - started
        sent = list(server.requests)
    assert result.returncode == 3, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "token" in result.stderr.lower(), result.stderr
    assert sent == []
    assert all(part not in result.stdout + result.stderr for part in secret.split("\n")), result.stderr
    assert seconds < START_ALLOWANCE


def test_a_token_file_ending_in_a_line_break_is_read_without_it(tmp_path: Path) -> None:
    desired = tmp_path / "locations.yaml"
    desired.write_text(ECHO_DESIRED)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    with HostileServer(echoing) as server:
        flags = ("--token-file", str(token_file), "--format", "json")
        result, _ = run(server.base_url, "plan", str(desired), *flags, seconds=START_ALLOWANCE + 30)
        tokens = {request.token for request in server.requests}
    assert result.returncode == 0, result.stderr
    assert tokens == {TOKEN}
    assert "[redacted]" in result.stdout  # the token sent is the one redacted


def test_retry_after_zero_waits_the_floor_between_tries_and_ends_past_max_wait(
    desired: Path, tmp_path: Path
) -> None:
    with HostileServer(throttled("0")) as server:
        flags = ("--max-wait", str(MAX_WAIT))
        result, seconds = run(server.base_url, "plan", str(desired), *flags, seconds=START_ALLOWANCE + 30)
        arrivals = [r.at for r in server.to(CALLING_LOCATIONS)]
    assert_clean_failure(result, 1, tmp_path)
    assert len(arrivals) >= 2, "the client gave up without waiting once"
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) >= RETRY_AFTER_FLOOR * 0.9, gaps  # the floor, from the server's own clock
    assert sum(gaps) < MAX_WAIT + 2 * RETRY_AFTER_FLOOR + 5, gaps  # stopped at the budget, not later
    assert "asked to wait" in result.stderr and "--max-wait" in result.stderr, result.stderr
    assert CALLING_LOCATIONS in result.stderr
    assert seconds < START_ALLOWANCE + MAX_WAIT + 10


def test_a_retry_after_beyond_max_wait_ends_the_run_at_once(desired: Path, tmp_path: Path) -> None:
    with HostileServer(throttled("194")) as server:
        flags = ("--max-wait", "5")
        result, seconds = run(server.base_url, "plan", str(desired), *flags, seconds=START_ALLOWANCE + 20)
        tries = len(server.to(CALLING_LOCATIONS))
    assert_clean_failure(result, 1, tmp_path)
    assert tries == 1  # nothing is gained by asking again before the 194 s are up
    assert "194" in result.stderr and "--max-wait" in result.stderr, result.stderr
    assert seconds < START_ALLOWANCE + 5  # far from 194 s: no wait began


def test_broken_answers_are_retried_a_bounded_number_of_times(desired: Path, tmp_path: Path) -> None:
    plan_as_every_try_fails(broken(), desired, tmp_path)
