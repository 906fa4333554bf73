"""One sandbox state file, several processes: no update lost, one routing-prefix job at a time.

The races are real: two `wxc-reconcile` processes (or one beside a serving sandbox) started together,
each applying changes to its own locations of one org, many PUTs each, at once. Nothing waits for
anything to make them pass; the test asserts what must hold however they interleave.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from clirun import CLI, TOKEN, loc_id, wxc

from reconciler.sandbox import SandboxOrg, ServerThread, StateFile, StateFileError, create_app
from reconciler.sandbox.org import Job

STATE = ".wxc-sandbox.json"  # where --sandbox keeps its org, in the working directory
AUTH = {"Authorization": "Bearer x"}
SITES = 16  # per process
PREFIX_CHANGES = 1  # per process: routing-prefix jobs, each of them org-wide
JOB_SECONDS = 1.0  # SandboxSettings' default, which --sandbox uses


def site(i: int) -> str:
    return f"Site-{i:05d}"


def desired(path: Path, who: str, first: int) -> Path:
    """Every one of SITES locations from `first` gets a caller ID name of `who`'s; some a new prefix."""
    lines = ["version: 1", "locations:"]
    for i in range(first, first + SITES):
        lines += [f"  - name: {site(i)}", f"    externalCallerIdName: {who} {i}"]
        if i < first + PREFIX_CHANGES:
            lines.append(f'    routingPrefix: "{7000 + i}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start(*args: str, cwd: Path, base_url: str | None = None) -> subprocess.Popen[str]:
    assert CLI
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "GITHUB_"))}
    env.update({"NO_COLOR": "1", "WEBEX_ACCESS_TOKEN": TOKEN})
    if base_url is not None:
        env["WEBEX_BASE_URL"] = base_url
    return subprocess.Popen(
        [CLI, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, out + err
    return out + err


def assert_every_change_kept_and_jobs_one_at_a_time(state: Path, writers: dict[str, int]) -> None:
    org = SandboxOrg.load(state)
    lost = []
    for who, first in writers.items():
        for i in range(first, first + SITES):
            details = org.locations[loc_id(site(i))].details
            assert details is not None
            if details["externalCallerIdName"] != f"{who} {i}":
                lost.append(f"{site(i)} externalCallerIdName {details['externalCallerIdName']!r}")
            if i < first + PREFIX_CHANGES and details["routingPrefix"] != str(7000 + i):
                lost.append(f"{site(i)} routingPrefix {details['routingPrefix']!r}")
    assert lost == []
    jobs = sorted(org.jobs.values(), key=lambda job: job.created)
    assert len(jobs) == PREFIX_CHANGES * len(writers)  # no job's record lost either
    assert overlapping(jobs) == []


def overlapping(jobs: list[Job]) -> list[tuple[str, str]]:
    """Pairs of jobs that ran at the same time (a job runs for JOB_SECONDS from its start)."""
    return [
        (a.location, b.location) for a, b in itertools.pairwise(jobs) if b.created < a.created + JOB_SECONDS
    ]


@pytest.fixture
def org_dir(tmp_path: Path) -> Iterator[Path]:
    SandboxOrg.generate(2 * SITES + 1).save(tmp_path / STATE)
    yield tmp_path


def test_two_sandbox_processes_at_once_lose_no_update_and_run_one_prefix_job_at_a_time(
    org_dir: Path,
) -> None:
    writers = {"A": 1, "B": 1 + SITES}
    files = {who: desired(org_dir / f"{who}.yaml", who, first) for who, first in writers.items()}

    running = [start("apply", str(files[who]), "--sandbox", "--force", cwd=org_dir) for who in writers]
    for process in running:
        finish(process)

    assert_every_change_kept_and_jobs_one_at_a_time(org_dir / STATE, writers)
    again = wxc("plan", str(files["A"]), str(files["B"]), "--sandbox", "--detailed-exitcode", cwd=org_dir)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_sandbox_process_beside_a_serving_sandbox_on_the_same_state_file(org_dir: Path) -> None:
    writers = {"Served": 1, "InProcess": 1 + SITES}
    files = {who: desired(org_dir / f"{who}.yaml", who, first) for who, first in writers.items()}

    with ServerThread(SandboxOrg.seed(), state_path=org_dir / STATE) as server:
        over_http = start("apply", str(files["Served"]), "--force", cwd=org_dir, base_url=server.base_url)
        in_process = start("apply", str(files["InProcess"]), "--sandbox", "--force", cwd=org_dir)
        finish(over_http)
        finish(in_process)
        # Its next request shows the server the other process's changes too.
        assert httpx.get(f"{server.base_url}/locations", headers=AUTH, timeout=10).status_code == 200
        assert server.org == SandboxOrg.load(org_dir / STATE)

    assert_every_change_kept_and_jobs_one_at_a_time(org_dir / STATE, writers)


# --- in one process ----------------------------------------------------------------------------------


async def put_caller_id(app: object, name: str, value: str) -> int:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://s/v1", headers=AUTH) as client:
        path = f"/telephony/config/locations/{loc_id(name)}"
        return (await client.put(path, json={"externalCallerIdName": value})).status_code


def test_two_apps_on_one_file_each_read_the_others_changes(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    first = create_app(SandboxOrg.seed(), state_path=state)
    second = create_app(SandboxOrg.seed(), state_path=state)  # loaded before the first one's change

    assert asyncio.run(put_caller_id(first, "Denver", "First")) == 204
    assert asyncio.run(put_caller_id(second, "Paris", "Second")) == 204

    saved = SandboxOrg.load(state)
    assert saved.locations[loc_id("Denver")].details["externalCallerIdName"] == "First"  # type: ignore[index]
    assert saved.locations[loc_id("Paris")].details["externalCallerIdName"] == "Second"  # type: ignore[index]
    assert second.state.org == saved


def test_a_state_file_spoiled_while_serving_is_a_503_naming_it_not_a_crash(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    app = create_app(SandboxOrg.seed(), state_path=state)
    assert asyncio.run(put_caller_id(app, "Denver", "Before")) == 204
    state.write_text('{"name": "cut off', encoding="utf-8")

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://s/v1", headers=AUTH) as client:
            return await client.get(f"/telephony/config/locations/{loc_id('Denver')}")

    answer = asyncio.run(get())

    assert answer.status_code == 503
    message = answer.json()["message"]
    assert str(state) in message and "wxc-reconcile sandbox reset" in message


def test_a_lock_held_past_the_wait_is_an_error_naming_the_file(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "org.json", lock_wait=0.05)
    holder = os.open(state.lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's request, stuck

    async def enter() -> None:
        async with state.request(SandboxOrg.seed()):
            pass

    try:
        with pytest.raises(StateFileError, match=r"org\.json: another process has held the sandbox"):
            asyncio.run(enter())
    finally:
        os.close(holder)
    asyncio.run(enter())  # once it lets go, requests go on


def test_save_outside_a_request_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="outside a request"):
        StateFile(tmp_path / "org.json").save(SandboxOrg.seed())


# --- the commands ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    ["", "{not json", "[1, 2]", '{"name": "Big Corp", "locations": [{"name": 1}]}', "[" * 100_000],
    ids=["empty", "not-json", "a-list", "wrong-type", "deep-nesting"],
)
def test_a_corrupt_state_file_names_it_and_sandbox_reset_exit_3(tmp_path: Path, content: str) -> None:
    (tmp_path / STATE).write_text(content, encoding="utf-8")

    planned = wxc("plan", str(desired(tmp_path / "d.yaml", "A", 1)), "--sandbox", cwd=tmp_path)

    assert planned.returncode == 3
    assert "Traceback" not in planned.stderr
    assert f"error: {STATE}: not a sandbox state file (" in planned.stderr
    assert f"`wxc-reconcile sandbox reset --state {STATE}` starts the sandbox org afresh" in planned.stderr
    reset = wxc("sandbox", "reset", cwd=tmp_path)
    assert reset.returncode == 0
    assert SandboxOrg.load(tmp_path / STATE) == SandboxOrg.seed()


def test_sandbox_serve_refuses_a_corrupt_state_file_and_a_port_out_of_range(tmp_path: Path) -> None:
    state = tmp_path / "broken.json"
    state.write_text("{not json", encoding="utf-8")

    with socket.socket() as probe:  # a free port, though it must never come to serving
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    corrupt = wxc("sandbox", "serve", "--port", port, "--state", str(state), cwd=tmp_path)
    out_of_range = wxc("sandbox", "serve", "--port", "99999", cwd=tmp_path)

    assert corrupt.returncode == 3 and "Traceback" not in corrupt.stderr
    assert f"error: {state}: not a sandbox state file" in corrupt.stderr
    assert out_of_range.returncode == 3
    assert "'--port': 99999 is not in the range 1<=x<=65535" in out_of_range.stderr


def test_a_state_file_that_cannot_be_written_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("not a directory", encoding="utf-8")

    reset = wxc("sandbox", "reset", "--state", "plain-file/org.json", cwd=tmp_path)

    assert reset.returncode == 3 and "Traceback" not in reset.stderr
    message = "error: plain-file/org.json: cannot keep the sandbox state there: plain-file is not a directory"
    assert message in reset.stderr
