"""The documented recording command, rehearsed end to end against the local sandbox instead of Webex.

`python -m pytest -m contract tests/test_contract_live.py --record-mode=once` runs in a subprocess on a
copy of the live tests (so the repo's tests/cassettes/live/ is never written), with WEBEX_BASE_URL pointing
at a sandbox served on 127.0.0.1 that only accepts our token. The cassettes it writes must hold no trace
of the token and keep TrackingID; a second run without --record-mode and without a token must replay them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_contract_secrets import FAKE_TOKEN
from test_contract_support import TOKEN_ENV, secret_findings

from reconciler.sandbox import SandboxOrg, ServerThread

pytestmark = pytest.mark.contract

TESTS = Path(__file__).resolve().parent


def _pytest(workdir: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(workdir / "pytest.ini"),
            *args,
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_record_mode_once_writes_scrubbed_cassettes_that_replay_offline(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    for name in ("test_contract_live.py", "test_contract_support.py"):
        shutil.copy(TESTS / name, tests / name)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    contract: contract tests\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBEX_")}

    with ServerThread(SandboxOrg.seed(), token=FAKE_TOKEN) as sandbox:
        base_url = sandbox.base_url
        recording = _pytest(
            tmp_path,
            "-m",
            "contract",
            "tests/test_contract_live.py",
            "--record-mode=once",
            env={**env, TOKEN_ENV: FAKE_TOKEN, "WEBEX_BASE_URL": base_url},
        )
        assert recording.returncode == 0, recording.stdout + recording.stderr
        assert "4 passed" in recording.stdout
        # The live path really talked to the server, with the token (a wrong one would have been a 401).
        assert sandbox.requests and all(r.status == 200 for r in sandbox.requests)

    cassettes = sorted((tests / "cassettes" / "live").glob("*.yaml"))
    assert [c.stem for c in cassettes] == [
        "test_live_calling_location_details",
        "test_live_list_locations",
        "test_live_pstn_connection_and_options",
        "test_live_trunks_and_route_groups",
    ]
    for cassette in cassettes:
        text = cassette.read_text(encoding="utf-8")
        assert FAKE_TOKEN not in text
        assert secret_findings(cassette, secrets=[FAKE_TOKEN]) == []
        for interaction in yaml.safe_load(text)["interactions"]:
            answered = {name.lower() for name in interaction["response"]["headers"]}
            assert "trackingid" in answered

    # Offline now: no token, no server; the same command without --record-mode replays the recordings.
    replaying = _pytest(
        tmp_path, "-m", "contract", "tests/test_contract_live.py", env={**env, "WEBEX_BASE_URL": base_url}
    )
    assert replaying.returncode == 0, replaying.stdout + replaying.stderr
    assert "4 passed" in replaying.stdout
