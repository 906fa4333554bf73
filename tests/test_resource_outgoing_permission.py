"""resources/outgoing_permission.py: the file's call types, the diff (written call types and sub-fields
only), the minimal PUT (each entry whole, never the lock flag), the lock rule at its file position, the
lenient reading, the basis, the export; and the real client against the documented examples."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from clirun import TOKEN, loc_id, puts, wxc
from test_contract_support import LOCATION_ID, REPLAY, request_body, response_body, run_api

from reconciler.desired import load_desired
from reconciler.desired.model import DesiredLocation, InvalidInput
from reconciler.diff import FieldChange, changed_since
from reconciler.plan import make_plan
from reconciler.resources import outgoing_permission as op
from reconciler.resources.base import Reads
from reconciler.sandbox import ServerThread
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import CallingApi, Named

CASSETTE = "outgoing_permission.yaml"


def entry(action: str, transfer: bool, locked: bool = False) -> dict[str, Any]:
    return {"action": action, "transferEnabled": transfer, op.LOCKED: locked}


LIVE = {
    "INTERNAL_CALL": entry("ALLOW", True),
    "NATIONAL": entry("BLOCK", False),
    "INTERNATIONAL": entry("BLOCK", False, locked=True),
    "TOLL_FREE": entry("ALLOW", True),
}


def desired_file(tmp_path: Path, fields: str) -> DesiredLocation:
    path = tmp_path / "locations.yaml"
    body = textwrap.indent(textwrap.dedent(fields).strip("\n"), "    ")
    path.write_text(f"version: 1\nlocations:\n  - name: Denver\n{body}\n", encoding="utf-8")
    (location,) = load_desired([path]).locations
    return location


def current(live: dict[str, Any]) -> CurrentState:
    state = LocationState("L1", "Denver", settings={op.KIND: live})
    return CurrentState(calling_locations=(Named("L1", "Denver"),), locations={"Denver": state})


# --- the file ------------------------------------------------------------------------------------------


def test_a_file_without_the_key_manages_nothing() -> None:
    assert op.RESOURCE.build({"name": "Denver", "routingPrefix": "212"}) == ({}, [])


def test_only_the_written_call_types_and_sub_fields_are_kept_with_their_paths() -> None:
    part, written = op.RESOURCE.build(
        {
            op.KIND: {
                "NATIONAL": {"action": "ALLOW"},
                "INTERNATIONAL": {"action": "BLOCK", "transferEnabled": False},
            }
        }
    )
    assert part == {
        "settings": {
            op.KIND: {
                "NATIONAL": {"action": "ALLOW"},
                "INTERNATIONAL": {"action": "BLOCK", "transferEnabled": False},
            }
        }
    }
    assert written == [
        (op.KIND,),
        (op.KIND, "NATIONAL"),
        (op.KIND, "NATIONAL", "action"),
        (op.KIND, "INTERNATIONAL"),
        (op.KIND, "INTERNATIONAL", "action"),
        (op.KIND, "INTERNATIONAL", "transferEnabled"),
    ]


@pytest.mark.parametrize("call_type", [name for name, _ in op.REFUSED])
def test_a_call_type_a_put_refuses_is_an_error_saying_why_at_its_key(tmp_path: Path, call_type: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        desired_file(tmp_path, f"outgoingPermission:\n  {call_type}: {{action: ALLOW}}\n")
    (error,) = exc.value.errors
    assert (error.position.line, error.position.col) == (5, 7)
    assert error.message.startswith(f"'{call_type}' cannot be set in outgoingPermission: the API reports it")
    assert "refuses it in a PUT" in error.message


def test_a_misspelt_call_type_is_unknown_and_the_allowed_ones_leave_out_the_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as exc:
        desired_file(tmp_path, "outgoingPermission:\n  NATIONL: {action: ALLOW}\n")
    (error,) = exc.value.errors
    assert "unknown field 'NATIONL' in outgoingPermission; did you mean 'NATIONAL'?" in error.message
    allowed = error.message.partition("(allowed: ")[2].rstrip(")").split(", ")
    assert allowed == list(op.CALL_TYPES)


@pytest.mark.parametrize(
    ("fields", "where", "words"),
    [
        ("outgoingPermission:\n  NATIONAL: {action: allow}\n", (5, 26), "did you mean ALLOW?"),
        ("outgoingPermission:\n  NATIONAL: {transferEnabled: yes}\n", (5, 35), "must be true or false"),
        (
            "outgoingPermission:\n  NATIONAL: {}\n",
            (5, 17),
            "must not be empty: give action or transferEnabled",
        ),
        ("outgoingPermission: {}\n", (4, 25), "outgoingPermission must not be empty"),
        ("outgoingPermission: null\n", (4, 25), "cannot be null"),
        (
            "outgoingPermission:\n  NATIONAL: {action: ALLOW, isCallTypeRestrictionEnabled: false}\n",
            (5, 33),
            "unknown",
        ),
    ],
)
def test_bad_entries_are_errors_at_their_place(
    tmp_path: Path, fields: str, where: tuple[int, int], words: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        desired_file(tmp_path, fields)
    (error,) = exc.value.errors
    assert (error.position.line, error.position.col) == where
    assert words in error.message


def test_the_access_code_and_transfer_number_actions_are_accepted(tmp_path: Path) -> None:
    location = desired_file(
        tmp_path,
        """
        outgoingPermission:
          NATIONAL: {action: AUTH_CODE}
          INTERNATIONAL: {action: TRANSFER_NUMBER_3, transferEnabled: false}
        """,
    )
    assert op.RESOURCE.desired(location) == {
        "NATIONAL": {"action": "AUTH_CODE"},
        "INTERNATIONAL": {"action": "TRANSFER_NUMBER_3", "transferEnabled": False},
    }


# --- diff and body -------------------------------------------------------------------------------------


def test_unwritten_call_types_and_sub_fields_are_not_compared() -> None:
    # NATIONAL's transferEnabled and TOLL_FREE differ from nothing the file says.
    assert (
        op.diff_permissions(
            {"NATIONAL": {"action": "BLOCK"}, "INTERNAL_CALL": {"transferEnabled": True}}, LIVE
        )
        == ()
    )


def test_changes_are_dotted_paths_in_the_order_written() -> None:
    wanted = {"NATIONAL": {"transferEnabled": True, "action": "ALLOW"}, "INTERNAL_CALL": {"action": "BLOCK"}}
    assert op.diff_permissions(wanted, LIVE) == (
        FieldChange("outgoingPermission.NATIONAL.action", "BLOCK", "ALLOW"),
        FieldChange("outgoingPermission.NATIONAL.transferEnabled", False, True),
        FieldChange("outgoingPermission.INTERNAL_CALL.action", "ALLOW", "BLOCK"),
    )


def test_a_call_type_the_org_does_not_report_is_a_change_from_null() -> None:
    changes = op.diff_permissions({"SPECIAL_SERVICES_I": {"action": "BLOCK"}}, LIVE)
    assert changes == (FieldChange("outgoingPermission.SPECIAL_SERVICES_I.action", None, "BLOCK"),)


def test_the_body_holds_only_changed_call_types_each_whole_with_the_live_value_it_does_not_manage() -> None:
    wanted = {
        "INTERNAL_CALL": {"action": "ALLOW"},
        "NATIONAL": {"action": "ALLOW"},
        "TOLL_FREE": {"action": "BLOCK"},
    }
    changes = op.diff_permissions(wanted, LIVE)
    assert op.permissions_body(wanted, LIVE, changes) == {
        "callingPermissions": [
            {"callType": "NATIONAL", "action": "ALLOW", "transferEnabled": False},
            {"callType": "TOLL_FREE", "action": "BLOCK", "transferEnabled": True},
        ]
    }


def test_the_basis_is_each_managed_entry_with_its_lock_and_a_later_change_of_any_is_named() -> None:
    wanted = {"NATIONAL": {"action": "ALLOW"}}
    basis = op.RESOURCE.basis(wanted, LIVE)
    assert basis == {"NATIONAL": {"action": "BLOCK", "transferEnabled": False, op.LOCKED: False}}
    # The body sends the live transferEnabled: a change to it since makes the saved plan stale.
    now = {**LIVE, "NATIONAL": entry("BLOCK", True)}
    assert changed_since(basis, now) == (FieldChange("NATIONAL.transferEnabled", False, True),)


# --- the org's rules ------------------------------------------------------------------------------------


def test_changing_a_locked_entry_is_an_error_at_its_place_before_any_put(tmp_path: Path) -> None:
    location = desired_file(
        tmp_path, "outgoingPermission:\n  NATIONAL: {action: ALLOW}\n  INTERNATIONAL: {action: ALLOW}\n"
    )
    desired = load_desired([tmp_path / "locations.yaml"])
    with pytest.raises(InvalidInput) as exc:
        make_plan(desired, current(LIVE))
    (error,) = exc.value.errors
    assert error.position == location.position_of("outgoingPermission.INTERNATIONAL")
    assert error.position.line == 6
    assert (
        "outgoingPermission.INTERNATIONAL is locked by the organization for location 'Denver'"
        in error.message
    )
    assert 'isCallTypeRestrictionEnabled: true; it is action "BLOCK", transferEnabled false' in error.message


def test_a_locked_entry_written_as_it_is_plans_no_change(tmp_path: Path) -> None:
    desired_file(tmp_path, "outgoingPermission:\n  INTERNATIONAL: {action: BLOCK, transferEnabled: false}\n")
    plan = make_plan(load_desired([tmp_path / "locations.yaml"]), current(LIVE))
    assert plan.steps == () and plan.unchanged == ("Denver",)


def test_a_sub_field_the_put_needs_and_the_org_does_not_report_must_be_written(tmp_path: Path) -> None:
    desired_file(tmp_path, "outgoingPermission:\n  SPECIAL_SERVICES_II: {action: BLOCK}\n")
    with pytest.raises(InvalidInput) as exc:
        make_plan(load_desired([tmp_path / "locations.yaml"]), current(LIVE))
    (error,) = exc.value.errors
    assert "does not report its transferEnabled for location 'Denver'" in error.message
    assert "write transferEnabled too" in error.message


def test_a_step_puts_the_minimal_body_to_the_endpoint(tmp_path: Path) -> None:
    desired_file(
        tmp_path, "outgoingPermission:\n  NATIONAL: {action: ALLOW}\n  INTERNAL_CALL: {action: ALLOW}\n"
    )
    (step,) = make_plan(load_desired([tmp_path / "locations.yaml"]), current(LIVE)).steps
    assert (step.kind, step.method, step.path) == (
        op.KIND,
        "PUT",
        "/telephony/config/locations/L1/outgoingPermission",
    )
    assert step.body == {
        "callingPermissions": [{"callType": "NATIONAL", "action": "ALLOW", "transferEnabled": False}]
    }
    assert not step.disruptive


# --- reading leniently ------------------------------------------------------------------------------------


def test_odd_answers_read_as_absent_never_a_crash() -> None:
    assert op.live_permissions({}) == {}
    assert op.live_permissions({"callingPermissions": {"NATIONAL": "ALLOW"}}) == {}
    answer = {
        "callingPermissions": [
            "NATIONAL",
            {"action": "ALLOW"},
            {"callType": 7, "action": "ALLOW"},
            {"callType": "NATIONAL", "action": 1, "transferEnabled": "yes", op.LOCKED: "true"},
            {"callType": "NATIONAL", "action": "ALLOW", "transferEnabled": True},  # a repeat: the first wins
            {"callType": "LOCAL", "action": "ALLOW", "transferEnabled": True},
        ]
    }
    assert op.live_permissions(answer) == {
        "NATIONAL": {"action": None, "transferEnabled": None, op.LOCKED: False},
        "LOCAL": {"action": "ALLOW", "transferEnabled": True, op.LOCKED: False},
    }


# --- export ---------------------------------------------------------------------------------------------


def test_export_writes_the_settable_entries_and_names_what_it_leaves_out() -> None:
    notes: list[str] = []
    live = {**LIVE, "NATIONAL": entry("FORWARD", False), "LOCAL": entry("ALLOW", True)}
    entries = op.export_entries(live, notes)
    assert dict(entries) == {
        "INTERNAL_CALL": {"action": "ALLOW", "transferEnabled": True},
        "TOLL_FREE": {"action": "ALLOW", "transferEnabled": True},
    }
    assert list(entries) == ["INTERNAL_CALL", "TOLL_FREE"]  # the reference's order
    assert notes == [
        "outgoingPermission.NATIONAL is left out (unmanaged): the org has "
        '{"action": "FORWARD", "transferEnabled": false}.',
        "outgoingPermission: INTERNATIONAL locked by the organization, left out (unmanaged).",
        "outgoingPermission: LOCAL left out (unmanaged): a PUT does not take them.",
    ]


# --- the real client against the documented examples (tests/cassettes/outgoing_permission.yaml) ----------


@pytest.mark.contract
def test_the_documented_answer_is_read_by_call_type_with_its_lock() -> None:
    async def read(api: CallingApi) -> dict[str, Any]:
        return await op.RESOURCE.read(Reads(api, LOCATION_ID), {}, {})

    with REPLAY.use_cassette(CASSETTE, allow_playback_repeats=False) as played:
        live = run_api(read)["settings"][op.KIND]
    assert played.play_count == 1
    assert list(live) == list(op.CALL_TYPES)
    assert live["INTERNATIONAL"] == entry("BLOCK", False, locked=True)  # the documented entry


@pytest.mark.contract
def test_a_plan_of_the_documented_call_types_sends_the_documented_put() -> None:
    live = op.live_permissions(response_body(CASSETTE, 0))
    wanted = {"INTERNAL_CALL": {"action": "ALLOW", "transferEnabled": True}, "NATIONAL": {"action": "ALLOW"}}
    body = op.permissions_body(wanted, live, op.diff_permissions(wanted, live))
    assert body != request_body(CASSETTE, 1)  # NATIONAL's transferEnabled comes from the org: false
    wanted["NATIONAL"]["transferEnabled"] = True
    body = op.permissions_body(wanted, live, op.diff_permissions(wanted, live))
    assert body == request_body(CASSETTE, 1)

    async def put(api: CallingApi) -> Any:
        return await api.client.put_json(op.permissions_path(LOCATION_ID), body)

    with REPLAY.use_cassette(CASSETTE) as played:
        assert run_api(put) == (204, {})
    assert played.play_count == 1


# --- where the sources disagree (the contract's "Contradictions", 5) ---------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="The 2025 spec's answer has no isCallTypeRestrictionEnabled: an org that locks an entry but "
    "answers in that shape reads as unlocked, so the lock is met only as the PUT's 400",
)
def test_a_lock_the_answer_does_not_carry_is_still_refused_before_any_put(tmp_path: Path) -> None:
    answer = {
        "callingPermissions": [{"callType": "INTERNATIONAL", "action": "BLOCK", "transferEnabled": False}]
    }
    desired_file(tmp_path, "outgoingPermission:\n  INTERNATIONAL: {action: ALLOW}\n")
    with pytest.raises(InvalidInput):
        make_plan(load_desired([tmp_path / "locations.yaml"]), current(op.live_permissions(answer)))


# --- end to end: the installed CLI against the simulator over real HTTP ------------------------------------

PARIS_FILE = """\
version: 1
locations:
  - name: Paris
    outgoingPermission:
      NATIONAL: {action: ALLOW}
      INTERNATIONAL: {action: BLOCK, transferEnabled: false}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "permissions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_shows_the_change_apply_sends_the_minimal_put_and_the_next_plan_is_clean(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, PARIS_FILE)
    plan = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "outgoing calling permissions  PUT /telephony/config/locations/" in plan.stdout
    assert 'outgoingPermission.NATIONAL.action  "BLOCK" → "ALLOW"' in plan.stdout
    assert "INTERNATIONAL" not in plan.stdout  # as desired already: not a change

    as_json = json.loads(wxc("plan", str(desired), "--format", "json", base_url=server.base_url).stdout)
    (step,) = as_json["steps"]
    assert step["kind"] == "outgoingPermission" and step["disruptive"] is False
    assert step["basis"]["NATIONAL"] == {"action": "BLOCK", "transferEnabled": False, op.LOCKED: False}
    markdown = wxc("plan", str(desired), "--format", "markdown", base_url=server.base_url).stdout
    assert '| `outgoingPermission.NATIONAL.action` | `"BLOCK"` | `"ALLOW"` |' in markdown

    server.requests.clear()
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    # NATIONAL alone, whole: the transferEnabled the file does not manage as the org has it.
    assert puts(server) == [
        (
            f"/v1/telephony/config/locations/{loc_id('Paris')}/outgoingPermission",
            {"callingPermissions": [{"callType": "NATIONAL", "action": "ALLOW", "transferEnabled": False}]},
        )
    ]
    again = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_file_that_does_not_manage_the_permissions_never_reads_them(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, "version: 1\nlocations:\n  - name: Paris\n    outsideDialDigit: '0'\n")
    plan = wxc("plan", str(desired), base_url=server.base_url)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert not [r for r in server.requests if r.path.endswith("/outgoingPermission")]


def test_a_change_to_a_locked_entry_is_refused_with_exit_3_before_any_put(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(
        tmp_path,
        "version: 1\nlocations:\n  - name: London\n"
        "    outgoingPermission:\n      PREMIUM_SERVICES_I: {action: ALLOW}\n",
    )
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 3, applied.stdout + applied.stderr
    assert (
        f"{desired}:5:27: outgoingPermission.PREMIUM_SERVICES_I is locked by the organization"
        in applied.stderr
    )
    assert puts(server) == []


def test_a_saved_plan_is_stale_once_the_transfer_setting_it_would_resend_changes(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, PARIS_FILE)
    saved = tmp_path / "plan.json"
    assert wxc("plan", str(desired), "--out", str(saved), base_url=server.base_url).returncode == 0
    # Someone else lets NATIONAL calls be transferred in the meantime.
    changed = httpx.put(
        f"{server.base_url}/telephony/config/locations/{loc_id('Paris')}/outgoingPermission",
        json={"callingPermissions": [{"callType": "NATIONAL", "action": "BLOCK", "transferEnabled": True}]},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert changed.status_code == 204
    applied = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert applied.returncode == 5, applied.stdout + applied.stderr
    assert "NATIONAL.transferEnabled was false when planned, is true now" in applied.stdout + applied.stderr
    assert len(puts(server)) == 1  # only the change made behind its back: nothing applied


def test_export_writes_the_permissions_that_plan_to_no_change(server: ServerThread, tmp_path: Path) -> None:
    exported = tmp_path / "export.yaml"
    done = wxc("export", "--location", "London", "--output", str(exported), base_url=server.base_url)
    assert done.returncode == 0, done.stdout + done.stderr
    text = exported.read_text(encoding="utf-8")
    assert "      NATIONAL: {action: ALLOW, transferEnabled: true}\n" in text
    assert "INTERNATIONAL, PREMIUM_SERVICES_I, PREMIUM_SERVICES_II locked by the organization" in text
    assert "INTERNATIONAL:" not in text
    plan = wxc("plan", str(exported), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 0, plan.stdout + plan.stderr
