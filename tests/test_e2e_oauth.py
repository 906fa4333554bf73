"""End to end: the installed CLI on an integration's refresh token, against `wxc-reconcile sandbox serve`
over HTTP, with access tokens that expire during the run."""

from __future__ import annotations

import re
from pathlib import Path

from clirun import EXAMPLE, sandbox_serve, wxc

from reconciler.cli.common import EXIT_ERROR

CLIENT_ID = "e2e-client"
SECRET = "e2e-client-secret-0123456789"
REFRESH = "e2e-refresh-token-0123456789"
TRIPLE = {"WEBEX_CLIENT_ID": CLIENT_ID, "WEBEX_CLIENT_SECRET": SECRET, "WEBEX_REFRESH_TOKEN": REFRESH}
# The sandbox's access and rotated refresh tokens begin so: none may show anywhere.
ISSUED = ("SANDBOX_AT_", "SANDBOX_RT_")
TOKEN_POST = re.compile(r'"POST /v1/access_token HTTP/1\.1" (\d{3})')


def integration(lifetime: int, *more: str) -> tuple[str, ...]:
    return (
        *("--client-id", CLIENT_ID, "--client-secret", SECRET, "--refresh-token", REFRESH),
        *("--token-lifetime", str(lifetime), *more),
    )


def test_a_plan_outlives_its_access_tokens_renewing_them_from_a_rotating_refresh_token(
    tmp_path: Path,
) -> None:
    # Tokens last 1 s and every answer takes 0.6 s, so the token asked first is past its renewal
    # margin by the second round of reads: the run must renew (more than one POST) to finish. Each
    # renewal brings a new refresh token and the old one is refused, so only the newest kept will do.
    saved = tmp_path / "plan.json"
    with sandbox_serve(
        "--state",
        str(tmp_path / "org.json"),
        *integration(1, "--rotate-refresh-tokens", "--latency-ms", "600"),
    ) as served:
        planned = wxc(
            "plan", str(EXAMPLE), "--out", str(saved), base_url=served.base_url, token=None, env=TRIPLE
        )

    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "Denver" in planned.stdout
    answers = TOKEN_POST.findall(served.output)
    assert len(answers) > 1 and set(answers) == {"200"}, served.output[-2000:]
    for text in (planned.stdout, planned.stderr, saved.read_text()):
        for secret in (SECRET, REFRESH, *ISSUED):
            assert secret not in text


def test_a_wrong_secret_fails_the_run_naming_the_endpoint_status_and_trackingid_never_the_secret(
    tmp_path: Path,
) -> None:
    with sandbox_serve("--state", str(tmp_path / "org.json"), *integration(3600)) as served:
        refused = wxc(
            "plan",
            str(EXAMPLE),
            base_url=served.base_url,
            token=None,
            env={**TRIPLE, "WEBEX_CLIENT_SECRET": "not-the-secret-0123456789"},
        )

    assert refused.returncode == EXIT_ERROR == 1
    assert "credentials refused (HTTP 401) on POST /access_token: invalid_client" in refused.stderr
    assert "check WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET and WEBEX_REFRESH_TOKEN" in refused.stderr
    assert re.search(r"trackingId \S+", refused.stderr)
    assert "Traceback" not in refused.stderr
    for secret in (SECRET, REFRESH, "not-the-secret-0123456789"):
        assert secret not in refused.stdout + refused.stderr
    assert TOKEN_POST.findall(served.output) == ["401"]  # asked once, not once per request
