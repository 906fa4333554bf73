"""The sandbox over real HTTP on 127.0.0.1, as other tests of the project use it (ServerThread)."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from test_sandbox_faults import Rendezvous

from reconciler.cli.sandbox import sandbox
from reconciler.cli.sandbox import serve as serve_command
from reconciler.sandbox import SandboxOrg, SandboxSettings, ServerThread, webex_id
from reconciler.sandbox import server as server_module
from reconciler.sandbox.endpoints.access_token import Integration, TokenSettings
from reconciler.sandbox.settings import RateWindow

AUTH = {"Authorization": "Bearer test-token"}


def test_pages_401_and_404_over_http() -> None:
    with ServerThread(settings=SandboxSettings(default_page_size=3)) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", server.base_url)
        with httpx.Client(headers=AUTH, timeout=5) as client:
            names: list[str] = []
            url: str | None = f"{server.base_url}/telephony/config/locations"
            pages = 0
            while url is not None:
                response = client.get(url)
                assert response.status_code == 200
                names += [item["name"] for item in response.json()["locations"]]
                url = response.links.get("next", {}).get("url")
                assert url is None or url.startswith(server.base_url)
                pages += 1
            assert (pages, names) == (2, ["Denver", "Paris", "Berlin", "London", "Chicago"])

            unauthorized = httpx.get(f"{server.base_url}/locations", timeout=5)
            assert unauthorized.status_code == 401
            assert unauthorized.json()["errors"][0]["errorCode"] == 4001
            assert unauthorized.headers["TrackingID"] == unauthorized.json()["trackingId"]

            missing = client.get(
                f"{server.base_url}/telephony/config/locations/{webex_id('LOCATION', 'Nowhere')}"
            )
            assert missing.status_code == 404
            assert missing.headers["TrackingID"].startswith("ROUTER_")
            assert missing.json()["trackingId"] == missing.headers["TrackingID"]

            assert [r.status for r in server.requests] == [200, 200, 401, 404]
            assert all("authorization" not in r.headers for r in server.requests)
        base_url = server.base_url
    with pytest.raises(httpx.TransportError):  # stopped: nothing listens any more
        httpx.get(f"{base_url}/locations", headers=AUTH, timeout=2)


def test_token_state_file_and_two_servers_side_by_side(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    denver = webex_id("LOCATION", "Denver")
    with ServerThread(token="s3cret", state_path=state) as first, ServerThread() as second:
        assert first.base_url != second.base_url
        wrong = httpx.get(f"{first.base_url}/locations", headers=AUTH, timeout=5)
        assert wrong.status_code == 401
        put = httpx.put(
            f"{first.base_url}/telephony/config/locations/{denver}",
            json={"externalCallerIdName": "Over HTTP"},
            headers={"Authorization": "Bearer s3cret"},
            timeout=5,
        )
        assert put.status_code == 204
        assert first.org.locations[denver].details == SandboxOrg.load(state).locations[denver].details
        untouched = httpx.get(
            f"{second.base_url}/telephony/config/locations/{denver}", headers=AUTH, timeout=5
        )
        assert untouched.json()["externalCallerIdName"] == "Big Corp"
    assert SandboxOrg.load(state).locations[denver].details["externalCallerIdName"] == "Over HTTP"  # type: ignore[index]


def test_base_url_before_start_is_an_error() -> None:
    server = ServerThread()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url


# --- faults over HTTP ------------------------------------------------------------------------------------


def test_a_dropped_request_gets_no_answer_at_all_and_a_dropped_put_changes_nothing() -> None:
    denver = webex_id("LOCATION", "Denver")
    with ServerThread(settings=SandboxSettings(drop_rate=1.0)) as server:
        with pytest.raises(httpx.TransportError):
            httpx.put(
                f"{server.base_url}/telephony/config/locations/{denver}",
                json={"routingPrefix": "212", "externalCallerIdName": "Dropped"},
                headers=AUTH,
                timeout=5,
            )
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
            raw.sendall(b"GET /v1/locations HTTP/1.1\r\nHost: sandbox\r\nAuthorization: Bearer t\r\n\r\n")
            assert raw.recv(4096) == b""  # closed without a single byte: no status line, no 500
        assert [(r.method, r.status) for r in server.requests] == [("PUT", 0), ("GET", 0)]
        assert server.org == SandboxOrg.seed()

        server.settings.drop_rate = 0.0  # the server lives on and follows its settings
        details = httpx.get(f"{server.base_url}/telephony/config/locations/{denver}", headers=AUTH, timeout=5)
        assert details.status_code == 200
        assert (details.json()["routingPrefix"], details.json()["externalCallerIdName"]) == (
            "100",
            "Big Corp",
        )


def test_injected_failures_over_http_carry_a_webex_body() -> None:
    with ServerThread(settings=SandboxSettings(fail_rate=1.0, seed=3)) as server:
        response = httpx.get(f"{server.base_url}/locations", headers=AUTH, timeout=5)
    assert response.status_code in (500, 502, 503, 504)
    body = response.json()
    assert body["errors"][0]["errorCode"] == response.status_code
    assert body["trackingId"] == response.headers["TrackingID"]


def test_latency_over_http_does_not_serialise_concurrent_requests() -> None:
    rendezvous = Rendezvous(expected=2)
    with ServerThread(settings=SandboxSettings(latency_ms=50, sleep=rendezvous)) as server:

        async def both() -> list[int]:
            async with httpx.AsyncClient(base_url=server.base_url, headers=AUTH, timeout=10) as client:
                answers = await asyncio.gather(
                    client.get("/locations"), client.get("/telephony/config/locations")
                )
            return [answer.status_code for answer in answers]

        assert asyncio.run(both()) == [200, 200]
    assert rendezvous.most_inside == 2


def test_latency_with_the_real_sleep_over_http() -> None:
    with ServerThread(settings=SandboxSettings(latency_ms=5, latency_jitter_ms=5, seed=1)) as server:
        assert httpx.get(f"{server.base_url}/locations", headers=AUTH, timeout=5).status_code == 200


# --- wxc-reconcile sandbox serve ---------------------------------------------------------------------------

FAULT_FLAGS = (
    "--rate-limit",
    "--rate-window",
    "--retry-after",
    "--fail-rate",
    "--latency-ms",
    "--latency-jitter-ms",
    "--drop-rate",
    "--fail-path",
    "--job-seconds",
    "--seed",
    "--prefix-conflicts",
    "--prefix-not-triggered",
    "--failing-jobs",
    "--jobs-with-errors",
)


def test_serve_help_documents_the_fault_flags() -> None:
    result = CliRunner().invoke(sandbox, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # as one line, whatever the wrapping
    options = {flag: param for param in serve_command.params for flag in param.opts}
    for flag in FAULT_FLAGS:
        explanation = getattr(options[flag], "help", None)
        assert explanation, f"{flag} has no help"
        assert f" {flag} " in text and " ".join(explanation.split()) in text, f"{flag}:\n{result.output}"


def test_serve_turns_its_flags_into_settings_and_says_which_faults_are_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: list[SandboxSettings] = []
    monkeypatch.setattr(
        server_module, "serve", lambda host, port, state, token, settings, tokens: served.append(settings)
    )
    args = ["serve", "--rate-limit", "5", "--rate-window", "300/60", "--retry-after", "rand(30),add(30)"]
    args += ["--fail-rate", "0.1"]
    args += ["--latency-ms", "50", "--latency-jitter-ms", "10", "--drop-rate", "0.05", "--job-seconds", "2"]
    args += ["--seed", "7", "--fail-path", "/telephony/", "--fail-path", "jobs", "--failing-jobs", "2"]
    args += ["--prefix-conflicts", "1", "--prefix-not-triggered", "3", "--jobs-with-errors", "4"]
    result = CliRunner().invoke(sandbox, args)
    assert result.exit_code == 0, result.output
    assert served == [
        SandboxSettings(
            job_seconds=2.0,
            rate_limit_per_second=5.0,
            rate_limit_window=RateWindow(300, 60.0),
            seed=7,
            retry_after="rand(30),add(30)",
            fail_rate=0.1,
            latency_ms=50.0,
            latency_jitter_ms=10.0,
            drop_rate=0.05,
            fail_paths=("/telephony/", "jobs"),
            prefix_conflicts=1,
            prefix_not_triggered=3,
            failing_jobs=2,
            jobs_with_errors=4,
        )
    ]
    for said in (
        "Faults:",
        "rate limit 5/s",
        "300 requests per 60 s",
        "10% of requests",
        "latency 50 ms",
        "1 answer 409",
        "seed 7",
    ):
        assert said in result.stderr, result.stderr

    quiet = CliRunner().invoke(sandbox, ["serve"])
    assert quiet.exit_code == 0 and "Faults: none" in quiet.stderr
    assert served[-1] == SandboxSettings()


def test_serve_gives_the_token_endpoint_its_integration_and_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[TokenSettings] = []
    monkeypatch.setattr(
        server_module, "serve", lambda host, port, state, token, settings, tokens: served.append(tokens)
    )
    args = ["serve", "--token-lifetime", "30", "--client-id", "acme", "--client-secret", "acme-secret-value"]
    args += ["--refresh-token", "acme-refresh-value", "--rotate-refresh-tokens"]
    result = CliRunner().invoke(sandbox, args)
    assert result.exit_code == 0, result.output
    assert "access tokens last 30 s, refresh tokens rotate" in result.stderr
    assert "acme-secret-value" not in result.output + result.stderr
    assert CliRunner().invoke(sandbox, ["serve"]).exit_code == 0
    assert served == [
        TokenSettings((Integration("acme", "acme-secret-value", "acme-refresh-value"),), 30, True),
        TokenSettings(),  # the sandbox's own integration: its documented defaults
    ]
    assert CliRunner().invoke(sandbox, ["serve", "--token-lifetime", "0"]).exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--fail-rate", "1.5"],
        ["--drop-rate", "-0.1"],
        ["--fail-path", "(unclosed"],
        ["--failing-jobs", "-1"],
        ["--rate-window", "300"],
        ["--rate-window", "0/60"],
    ],
)
def test_serve_refuses_impossible_fault_flags(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.setattr(server_module, "serve", lambda *a: pytest.fail("served despite a bad flag"))
    result = CliRunner().invoke(sandbox, ["serve", *args])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{args[0]}'" in result.output
