"""End to end: the installed `wxc-reconcile` against the simulator on 127.0.0.1 over real HTTP.

Every assertion about what was sent is made on the requests the server received.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from clirun import EXAMPLE, loc_id, puts, sandbox_serve, wxc

from reconciler.sandbox import ServerThread, webex_id


def test_validate_plan_apply_plan(server: ServerThread) -> None:
    validated = wxc("validate", str(EXAMPLE))
    assert validated.returncode == 0, validated.stderr
    assert "5 locations" in validated.stdout

    plan = wxc("plan", str(EXAMPLE), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 2, plan.stderr
    assert '"100" → "212"' in plan.stdout
    # Chicago, a new site without a PSTN connection: its first one is planned, not an error.
    assert 'pstn.type        null → "LOCAL_GATEWAY"' in plan.stdout
    assert "Plan: 4 of 5 locations to change, 17 steps" in plan.stdout
    assert puts(server) == []

    dry = wxc("apply", str(EXAMPLE), "--dry-run", base_url=server.base_url)
    assert dry.returncode == 0, dry.stderr
    assert "nothing was changed" in dry.stdout
    assert puts(server) == []

    applied = wxc("apply", str(EXAMPLE), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "17 applied, 0 failed, 0 skipped" in applied.stdout  # 16 PUTs and the POST of one action
    sent = [path for path, _ in puts(server)]
    assert len(sent) == 16  # PSTN 3, details 3, unknown-extension routing 2 (Denver, Paris), emergency
    # callback number 1 (Denver), music on hold 1 (Paris), permissions 2 (Paris, London), voicemail 1
    # (Denver), voice portal 1
    # (Denver), intercept 2 (London, Chicago)
    assert f"/v1/telephony/pstn/locations/{loc_id('Chicago')}/connection" in sent
    for name in ("Denver", "Paris"):
        pstn = sent.index(f"/v1/telephony/pstn/locations/{loc_id(name)}/connection")
        details = sent.index(f"/v1/telephony/config/locations/{loc_id(name)}")
        assert pstn < details
    # The further settings after the details, in the registry's order.
    denver = f"/v1/telephony/config/locations/{loc_id('Denver')}"
    further = [
        f"{denver}/internalDialing",
        f"{denver}/features/emergencyCallbackNumber",
        f"{denver}/voicemail",
        f"{denver}/voicePortal",
    ]
    assert [path for path in sent if path.startswith(f"{denver}/")] == further
    assert sent.index(denver) < sent.index(further[0])
    assert sent.index(f"/v1/telephony/pstn/locations/{loc_id('Chicago')}/connection") < sent.index(
        f"/v1/telephony/config/locations/{loc_id('Chicago')}/intercept"
    )
    assert all(loc_id("Berlin") not in path for path in sent)

    again = wxc("plan", str(EXAMPLE), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout

    before = len(puts(server))
    second = wxc("apply", str(EXAMPLE), base_url=server.base_url)
    assert second.returncode == 0
    assert second.stdout.strip() == "Nothing to apply. The org matches the desired state."
    assert len(puts(server)) == before
    assert all(r.headers.get("authorization") is None for r in server.requests)


def test_bodies_are_minimal_and_exact(server: ServerThread) -> None:
    applied = wxc("apply", str(EXAMPLE), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    bodies = dict(puts(server))
    # A local gateway's PUT: the route only, as clients tested against live orgs send it.
    assert bodies[f"/v1/telephony/pstn/locations/{loc_id('Denver')}/connection"] == {
        "premiseRouteType": "TRUNK",
        "premiseRouteId": webex_id("TRUNK", "Denver-LGW"),
    }
    assert bodies[f"/v1/telephony/pstn/locations/{loc_id('Chicago')}/connection"] == {
        "premiseRouteType": "ROUTE_GROUP",
        "premiseRouteId": webex_id("ROUTE_GROUP", "US-RG"),
    }
    assert bodies[f"/v1/telephony/config/locations/{loc_id('Denver')}"] == {
        "callingLineId": {"name": "Denver Incoming", "phoneNumber": "+12145555698"},
        "externalCallerIdName": "Big Corp-Denver",
        "enforceOutsideDialDigit": True,
        "routingPrefix": "212",
        "chargeNumber": "+14158952369",
    }
    assert bodies[f"/v1/telephony/pstn/locations/{loc_id('Paris')}/connection"] == {
        "id": webex_id("PSTN_CONNECTION", "Pure IP Cloud")
    }
    assert bodies[f"/v1/telephony/config/locations/{loc_id('Paris')}"] == {
        "announcementLanguage": "fr_fr",
        "pAccessNetworkInfo": "Paris-75",
    }
    assert bodies[f"/v1/telephony/config/locations/{loc_id('London')}"] == {"outsideDialDigit": None}


def test_plan_json_lists_steps_in_execution_order(server: ServerThread) -> None:
    result = wxc("plan", str(EXAMPLE), "--format", "json", base_url=server.base_url)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["formatVersion"] == 1
    assert [(s["location"], s["kind"]) for s in plan["steps"]] == [
        ("Denver", "pstn"),
        ("Denver", "details"),
        ("Denver", "internalDialing"),
        ("Denver", "emergencyCallbackNumber"),
        ("Denver", "voicemail"),
        ("Denver", "voicePortal"),
        ("Paris", "pstn"),
        ("Paris", "details"),
        ("Paris", "modifyAnnouncementLanguage"),
        ("Paris", "internalDialing"),
        ("Paris", "musicOnHold"),
        ("Paris", "outgoingPermission"),
        ("London", "details"),
        ("London", "outgoingPermission"),
        ("London", "intercept"),
        ("Chicago", "pstn"),
        ("Chicago", "intercept"),
    ]
    assert plan["unchanged"] == ["Berlin"]
    steps = {(s["location"], s["kind"]): s for s in plan["steps"]}
    chicago = steps["Chicago", "pstn"]
    assert chicago["changes"] == [
        {"field": "pstn.type", "before": None, "after": "LOCAL_GATEWAY", "disruptive": True},
        {"field": "pstn.routeGroup", "before": None, "after": "US-RG", "disruptive": True},
    ]
    assert chicago["basis"] == {"pstnConnectionType": None, "routeType": None, "routeId": None, "id": None}
    london = steps["London", "details"]
    assert london["method"] == "PUT"
    assert london["path"] == f"/telephony/config/locations/{loc_id('London')}"
    assert london["changes"] == [
        {"field": "outsideDialDigit", "before": "9", "after": None, "disruptive": False}
    ]
    assert london["disruptive"] is False
    assert plan["steps"][0]["disruptive"] is True  # Denver's PSTN connection
    assert london["basis"] == {
        "externalCallerIdName": "Big Corp",
        "outsideDialDigit": "9",
        "enforceOutsideDialDigit": False,
    }


def test_invalid_file_exits_3_with_positions_and_sends_nothing(server: ServerThread, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nlocations:\n  - name: Denver\n    outsideDialDigit: 9\n    routingPrefix: 0212\n"
    )
    for command in (("validate",), ("plan",), ("apply",)):
        result = wxc(*command, str(bad), base_url=server.base_url)
        assert result.returncode == 3, result.stderr
        assert f"{bad}:4:23:" in result.stderr and '"9"' in result.stderr
        assert f"{bad}:5:20:" in result.stderr and '"0212"' in result.stderr
        assert "Traceback" not in result.stderr
    assert server.requests == []


def test_names_the_org_does_not_know_exit_3_before_any_put(server: ServerThread, tmp_path: Path) -> None:
    desired = tmp_path / "org.yaml"
    desired.write_text(
        "version: 1\nlocations:\n"
        "  - name: Denver\n    routingPrefix: '555'\n"
        "  - name: Denvre\n    outsideDialDigit: '1'\n"
        "  - name: London\n    pAccessNetworkInfo: London-1\n"
        "  - name: Paris\n    pstn:\n      type: LOCAL_GATEWAY\n      trunk: Paris-GW\n"
    )
    result = wxc("apply", str(desired), base_url=server.base_url)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"{desired}:5:11: location 'Denvre' not found" in result.stderr
    assert "did you mean 'Denver'" in result.stderr
    assert f"{desired}:8:25: pAccessNetworkInfo" in result.stderr
    assert f"{desired}:12:14: trunk 'Paris-GW' not found" in result.stderr and "Paris-LGW" in result.stderr
    assert puts(server) == []


def test_a_failed_step_is_reported_with_the_webex_error_and_exit_1(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = tmp_path / "fail.yaml"
    desired.write_text(
        "version: 1\nlocations:\n"
        "  - name: Denver\n    callingLineId:\n      phoneNumber: '+12145550000'\n"
        "  - name: London\n    outsideDialDigit: '8'\n"
    )
    result = wxc("apply", str(desired), base_url=server.base_url)
    assert result.returncode == 1
    assert "Denver  location details  failed: HTTP 400" in result.stdout
    assert "trackingId" in result.stdout
    assert "London  location details  applied" in result.stdout
    assert "1 applied, 1 failed, 0 skipped" in result.stdout


def test_a_wrong_token_is_an_api_error_with_tracking_id_and_no_token(server: ServerThread) -> None:
    result = wxc("plan", str(EXAMPLE), base_url=server.base_url, token="not-the-right-token")
    assert result.returncode == 1
    assert "HTTP 401" in result.stderr and "trackingId" in result.stderr
    assert "not-the-right-token" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_missing_token_and_usage_errors_exit_3(tmp_path: Path) -> None:
    env_less = wxc("plan", str(EXAMPLE), token="")
    assert env_less.returncode == 3 and "WEBEX_ACCESS_TOKEN" in env_less.stderr
    assert wxc("plan").returncode == 3
    assert wxc("plan", str(EXAMPLE), "--no-such-option").returncode == 3
    assert wxc("plan", str(EXAMPLE), "--format", "yaml").returncode == 3


def test_sandbox_flag_plans_applies_and_keeps_state_in_the_working_directory(tmp_path: Path) -> None:
    first = wxc("plan", str(EXAMPLE), "--sandbox", "--detailed-exitcode", cwd=tmp_path)
    assert first.returncode == 2, first.stderr
    assert wxc("apply", str(EXAMPLE), "--sandbox", cwd=tmp_path).returncode == 0
    assert (tmp_path / ".wxc-sandbox.json").is_file()
    assert wxc("plan", str(EXAMPLE), "--sandbox", "--detailed-exitcode", cwd=tmp_path).returncode == 0
    reset = wxc("sandbox", "reset", cwd=tmp_path)
    assert reset.returncode == 0
    assert wxc("plan", str(EXAMPLE), "--sandbox", "--detailed-exitcode", cwd=tmp_path).returncode == 2


def test_python_dash_m_is_the_same_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "5 locations" in result.stdout


def test_sandbox_serve_answers_over_http_and_keeps_its_state(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    with sandbox_serve("--state", str(state)) as served:
        applied = wxc("apply", str(EXAMPLE), base_url=served.base_url)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert '"routingPrefix": "212"' in state.read_text().replace('":"', '": "')
        again = wxc("plan", str(EXAMPLE), "--detailed-exitcode", base_url=served.base_url)
        assert again.returncode == 0
