"""resources/emergency_callback_number.py: the main number or a member's by E.164, resolved to its owner's
id when planning; ids compared decoded; the rules at their file positions, the minimal body, the basis,
export; the documented examples replayed against the client; end to end through the installed CLI."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from clirun import TOKEN, gets, loc_id, puts, wxc
from denver_file import errors, write
from test_contract_support import LOCATION_ID, REPLAY, request_body, response_body, run_api

from reconciler.desired import load_desired
from reconciler.diff import FieldChange
from reconciler.export.document import LiveLocation
from reconciler.jobs import JobPolling
from reconciler.plan import Step
from reconciler.resources.base import ApplyContext, Done, Reads
from reconciler.resources.emergency_callback_number import RESOURCE, decoded, same_member
from reconciler.sandbox import ServerThread, webex_id
from reconciler.state import CurrentState, LocationState

CASSETTE = "emergency_callback_number.yaml"
CURRENT = CurrentState((), {})
ANA = webex_id("PEOPLE", "+12145550123")
LOBBY = webex_id("PLACE", "+12145550124")
MAIN = {"selected": "LOCATION_NUMBER", "elinExpiryTimeMinutes": 60}
ON_ANA = {
    "selected": "LOCATION_MEMBER_NUMBER",
    "locationMemberInfo": {"phoneNumber": "+12145550123", "memberId": ANA, "memberType": "PEOPLE"},
    "elinExpiryTimeMinutes": 60,
}
OWNED_BY_ANA = {"phoneNumber": "+12145550123", "id": ANA, "type": "PEOPLE"}
TO_ANA = {"selected": "LOCATION_MEMBER_NUMBER", "phoneNumber": "+12145550123"}


# --- offline rules, at their file positions -----------------------------------------------------------


def test_a_member_number_needs_its_phone_number_and_the_main_number_takes_none(tmp_path: Path) -> None:
    assert errors(tmp_path, "    emergencyCallbackNumber: {selected: LOCATION_MEMBER_NUMBER}\n") == [
        "d.yaml:4:41: emergencyCallbackNumber.phoneNumber is required with selected: LOCATION_MEMBER_NUMBER "
        "(the member's number, E.164)"
    ]
    body = '    emergencyCallbackNumber: {selected: LOCATION_NUMBER, phoneNumber: "+12145550123"}\n'
    assert errors(tmp_path, body) == [
        "d.yaml:4:58: emergencyCallbackNumber.phoneNumber goes only with selected: LOCATION_MEMBER_NUMBER "
        "(LOCATION_NUMBER is the location's main number)"
    ]


def test_the_number_is_e164_and_the_elin_expiry_is_10_to_1440_minutes(tmp_path: Path) -> None:
    body = '    emergencyCallbackNumber: {selected: LOCATION_MEMBER_NUMBER, phoneNumber: "2145550123"}\n'
    assert errors(tmp_path, body) == [
        "d.yaml:4:78: emergencyCallbackNumber.phoneNumber must be an E.164 number such as +12145550123, "
        'not "2145550123"'
    ]
    at = "    emergencyCallbackNumber: {selected: LOCATION_NUMBER, elinExpiryTimeMinutes: %s}\n"
    assert errors(tmp_path, at % 5) == [
        "d.yaml:4:81: emergencyCallbackNumber.elinExpiryTimeMinutes must be at least 10, not 5"
    ]
    assert errors(tmp_path, at % 1441) == [
        "d.yaml:4:81: emergencyCallbackNumber.elinExpiryTimeMinutes must be at most 1440, not 1441"
    ]
    assert errors(tmp_path, "    emergencyCallbackNumber: {elinExpiryTimeMinutes: 90}\n") == [
        "d.yaml:4:5: missing required field 'selected' in emergencyCallbackNumber"
    ]


def test_a_valid_setting_is_managed_under_settings_with_its_positions(tmp_path: Path) -> None:
    body = '    emergencyCallbackNumber: {selected: LOCATION_MEMBER_NUMBER, phoneNumber: "+12145550123"}\n'
    (location,) = load_desired(write(tmp_path, body)).locations
    assert RESOURCE.desired(location) == TO_ANA


# --- ids: one member, several forms --------------------------------------------------------------------

# availableNumbers' documented owner: a workspace, its id in the urn:TEAM form, "=" padded.
DOCUMENTED_PLACE = response_body(CASSETTE, 1)["phoneNumbers"][0]["owner"]["id"]


def test_ids_are_compared_by_the_uuid_they_decode_to() -> None:
    plain = webex_id("PLACE", uuid.UUID("b34ff97d-c093-4ba3-9120-20753e7b87b0"))
    assert plain != DOCUMENTED_PLACE
    assert decoded(plain) == decoded(DOCUMENTED_PLACE) == "b34ff97d-c093-4ba3-9120-20753e7b87b0"
    assert same_member(plain, DOCUMENTED_PLACE)
    assert same_member(plain + "==", plain)  # padding
    assert not same_member(ANA, LOBBY)
    assert same_member("not-an-id", "not-an-id") and not same_member("not-an-id", "other")
    assert not same_member(None, None)


# --- diff, body, basis ------------------------------------------------------------------------------------


def step_of(wanted: dict[str, Any], live: dict[str, Any]) -> tuple[tuple[FieldChange, ...], Any, Any]:
    state = LocationState("L1", "Denver", settings={"emergencyCallbackNumber": live})
    seen = RESOURCE.live(state)
    assert seen is not None
    changes = RESOURCE.diff(wanted, seen, CURRENT)
    body = RESOURCE.body(None, wanted, state, CURRENT, changes)  # type: ignore[arg-type]
    return changes, body, RESOURCE.basis(wanted, seen)


def test_a_member_number_sends_the_owner_id_availablenumbers_gave() -> None:
    changes, body, basis = step_of(TO_ANA, {**MAIN, "owner": OWNED_BY_ANA})
    assert changes == (
        FieldChange("emergencyCallbackNumber.selected", "LOCATION_NUMBER", "LOCATION_MEMBER_NUMBER"),
        FieldChange("emergencyCallbackNumber.phoneNumber", None, "+12145550123"),
    )
    assert body == {"selected": "LOCATION_MEMBER_NUMBER", "locationMemberId": ANA}
    assert basis == {"selected": "LOCATION_NUMBER", "member": None, "phoneNumberOwner": decoded(ANA)}


def test_the_same_member_under_another_form_of_its_id_is_no_change() -> None:
    listed = {**OWNED_BY_ANA, "id": ANA + "=="}
    assert step_of(TO_ANA, {**ON_ANA, "owner": listed})[0] == ()


def test_another_member_shows_the_numbers_and_the_main_number_sends_no_member() -> None:
    lobby = {"phoneNumber": "+12145550124", "id": LOBBY, "type": "PLACE"}
    changes, body, _ = step_of({**TO_ANA, "phoneNumber": "+12145550124"}, {**ON_ANA, "owner": lobby})
    assert changes == (FieldChange("emergencyCallbackNumber.phoneNumber", "+12145550123", "+12145550124"),)
    assert body == {"selected": "LOCATION_MEMBER_NUMBER", "locationMemberId": LOBBY}
    changes, body, basis = step_of({"selected": "LOCATION_NUMBER"}, ON_ANA)
    assert body == {"selected": "LOCATION_NUMBER"}
    assert basis == {"selected": "LOCATION_MEMBER_NUMBER"}


def test_the_elin_expiry_is_sent_only_when_it_changes_and_with_what_the_put_requires() -> None:
    changes, body, basis = step_of({**TO_ANA, "elinExpiryTimeMinutes": 90}, {**ON_ANA, "owner": OWNED_BY_ANA})
    assert changes == (FieldChange("emergencyCallbackNumber.elinExpiryTimeMinutes", 60, 90),)
    assert body == {
        "selected": "LOCATION_MEMBER_NUMBER",
        "locationMemberId": ANA,
        "elinExpiryTimeMinutes": 90,
    }
    assert basis["elinExpiryTimeMinutes"] == 60
    # Absent from an older answer: read as unset, so writing it is a change from null.
    changes = step_of(
        {"selected": "LOCATION_NUMBER", "elinExpiryTimeMinutes": 60}, {"selected": "LOCATION_NUMBER"}
    )[0]
    assert changes == (FieldChange("emergencyCallbackNumber.elinExpiryTimeMinutes", None, 60),)


def test_a_number_the_location_does_not_offer_is_an_error_at_its_position_listing_some_it_does(
    tmp_path: Path,
) -> None:
    body = '    emergencyCallbackNumber: {selected: LOCATION_MEMBER_NUMBER, phoneNumber: "+12145550999"}\n'
    (location,) = load_desired(write(tmp_path, body)).locations
    live = {**MAIN, "owner": None, "offered": ["+12145550123", "+12145550124"]}
    state = LocationState("L1", "Denver", settings={"emergencyCallbackNumber": live})
    current = CurrentState((), {"Denver": state})
    (error,) = RESOURCE.org_problems(location, current)
    assert str(error).replace(str(tmp_path) + "/", "") == (
        "d.yaml:4:78: emergencyCallbackNumber.phoneNumber \"+12145550999\" is not a number location 'Denver' "
        "offers as its emergency callback number (no person, workspace, virtual line or hunt group of it "
        "owns it); it offers +12145550123, +12145550124"
    )
    found = {**live, "owner": OWNED_BY_ANA}
    assert (
        RESOURCE.org_problems(
            location,
            CurrentState((), {"Denver": replace(state, settings={"emergencyCallbackNumber": found})}),
        )
        == []
    )


# --- export -----------------------------------------------------------------------------------------------


def exported(setting: dict[str, Any]) -> tuple[Any, list[str]]:
    live = LiveLocation("Denver", {}, None, settings={"emergencyCallbackNumber": setting})
    notes: list[str] = []
    fields, _ = RESOURCE.export(live, {}, notes)
    return json.loads(json.dumps(fields)), notes


def test_export_writes_the_member_by_number_never_by_id() -> None:
    assert exported(ON_ANA) == (
        {
            "emergencyCallbackNumber": {
                "selected": "LOCATION_MEMBER_NUMBER",
                "phoneNumber": "+12145550123",
                "elinExpiryTimeMinutes": 60,
            }
        },
        [],
    )
    assert exported(MAIN)[0] == {"emergencyCallbackNumber": MAIN}


def test_export_leaves_what_the_file_cannot_write_unmanaged_with_a_note() -> None:
    member = {**ON_ANA, "locationMemberInfo": {"memberId": ANA}}
    fields, notes = exported(member)
    assert fields == {}
    assert notes == [
        "emergencyCallbackNumber is left out (unmanaged): the org calls back a member's number the file "
        "cannot write (None is not E.164)."
    ]
    fields, notes = exported({**MAIN, "elinExpiryTimeMinutes": 5})
    assert fields == {"emergencyCallbackNumber": {"selected": "LOCATION_NUMBER"}}
    assert notes == [
        "emergencyCallbackNumber.elinExpiryTimeMinutes is left out (unmanaged): the org has 5, and the file "
        "takes an integer from 10 to 1440."
    ]


# --- the documented examples, replayed against the client ----------------------------------------------

DOCUMENTED_NUMBER = "+12056350002"  # availableNumbers' documented entry


def test_the_documented_answers_read_as_the_member_and_the_owner_of_the_asked_number() -> None:
    wanted = {"selected": "LOCATION_MEMBER_NUMBER", "phoneNumber": DOCUMENTED_NUMBER}
    with REPLAY.use_cassette(CASSETTE) as played:
        read = run_api(lambda api: RESOURCE.read(Reads(api, LOCATION_ID), wanted, {}))
    assert played.play_count == 2
    live = read["settings"]["emergencyCallbackNumber"]
    member = response_body(CASSETTE, 0)["locationMemberInfo"]
    assert live == {
        "selected": "LOCATION_MEMBER_NUMBER",
        "elinExpiryTimeMinutes": 60,
        "locationMemberInfo": {k: member[k] for k in ("phoneNumber", "memberId", "memberType")},
        "owner": {"phoneNumber": DOCUMENTED_NUMBER, "id": DOCUMENTED_PLACE, "type": "PLACE"},
    }
    state = LocationState(LOCATION_ID, "Denver", settings=read["settings"])
    seen = RESOURCE.live(state)
    assert seen is not None
    changes = RESOURCE.diff(wanted, seen, CURRENT)
    assert changes == (FieldChange("emergencyCallbackNumber.phoneNumber", "+12145551767", DOCUMENTED_NUMBER),)
    body = RESOURCE.body(None, wanted, state, CURRENT, changes)  # type: ignore[arg-type]
    assert body == {"selected": "LOCATION_MEMBER_NUMBER", "locationMemberId": DOCUMENTED_PLACE}


def test_the_main_number_reads_the_setting_alone() -> None:
    with REPLAY.use_cassette(CASSETTE) as played:
        run_api(lambda api: RESOURCE.read(Reads(api, LOCATION_ID), {"selected": "LOCATION_NUMBER"}, {}))
    assert played.play_count == 1  # no availableNumbers


def test_the_client_sends_the_documented_put() -> None:
    documented = request_body(CASSETTE, 2)
    wanted = {
        "selected": "LOCATION_MEMBER_NUMBER",
        "phoneNumber": "+12145550100",
        "elinExpiryTimeMinutes": 90,
    }
    owner = {"phoneNumber": "+12145550100", "id": documented["locationMemberId"], "type": "PEOPLE"}
    state = LocationState(
        LOCATION_ID, "Denver", settings={"emergencyCallbackNumber": {**MAIN, "owner": owner}}
    )
    seen = RESOURCE.live(state)
    assert seen is not None
    changes = RESOURCE.diff(wanted, seen, CURRENT)
    body = RESOURCE.body(None, wanted, state, CURRENT, changes)  # type: ignore[arg-type]
    assert body == documented
    step = Step("Denver", LOCATION_ID, RESOURCE.kind, "PUT", RESOURCE.path(LOCATION_ID), body, changes)
    with REPLAY.use_cassette(CASSETTE) as played:
        done = run_api(lambda api: RESOURCE.apply(ApplyContext(api, JobPolling(), {}, asyncio.Lock()), step))
    assert done == Done("applied")
    assert played.play_count == 1


@pytest.mark.xfail(
    strict=True,
    reason="contradiction 3: the spec marks locationMemberId required with every PUT; its description and "
    "the SDK need it only for LOCATION_MEMBER_NUMBER, and LOCATION_NUMBER without it works live [O], so "
    "the client sends none",
)
def test_the_spec_requires_a_member_id_even_for_the_main_number() -> None:
    body = step_of({"selected": "LOCATION_NUMBER"}, ON_ANA)[1]
    assert "locationMemberId" in body


# --- end to end: the installed CLI against the simulator over real HTTP ------------------------------------

TO_ANA_FILE = (
    "    emergencyCallbackNumber:\n      selected: LOCATION_MEMBER_NUMBER\n"
    '      phoneNumber: "+12145550123"\n      elinExpiryTimeMinutes: 90\n'
)
ECBN = f"/v1/telephony/config/locations/{loc_id('Denver')}/features/emergencyCallbackNumber"
AVAILABLE = f"/v1/telephony/config/locations/{loc_id('Denver')}/emergencyCallbackNumber/availableNumbers"


def test_plan_apply_plan_moves_the_callback_to_a_member_then_nothing_is_left(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, TO_ANA_FILE)
    plan = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "emergency callback number" in plan.stdout
    assert 'emergencyCallbackNumber.phoneNumber            null → "+12145550123"' in plan.stdout
    assert [r.query.get("phoneNumber") for r in server.requests if r.path == AVAILABLE] == ["+12145550123"]
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert puts(server) == [
        (ECBN, {"selected": "LOCATION_MEMBER_NUMBER", "locationMemberId": ANA, "elinExpiryTimeMinutes": 90})
    ]
    again = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr
    back = write(tmp_path, "    emergencyCallbackNumber: {selected: LOCATION_NUMBER}\n", "back.yaml")
    before = len([r for r in server.requests if r.path == AVAILABLE])
    assert wxc("apply", str(back), base_url=server.base_url).returncode == 0
    assert puts(server)[-1] == (ECBN, {"selected": "LOCATION_NUMBER"})
    assert len([r for r in server.requests if r.path == AVAILABLE]) == before  # the main number: no lookup


def test_a_number_the_location_does_not_offer_stops_before_any_put_with_exit_3(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, TO_ANA_FILE.replace("+12145550123", "+12145550999"))
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 3, applied.stdout + applied.stderr
    assert (
        f'{desired}:6:20: emergencyCallbackNumber.phoneNumber "+12145550999" is not a number location '
        "'Denver' offers" in applied.stderr
    )
    assert "it offers +12145550123, +12145550124, +12145550125, +12145550126" in applied.stderr
    assert puts(server) == []


def test_a_saved_plan_is_stale_once_the_callback_number_changes_behind_it(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = write(tmp_path, TO_ANA_FILE)
    saved = tmp_path / "plan.json"
    assert wxc("plan", str(desired), "--out", str(saved), base_url=server.base_url).returncode == 0
    changed = httpx.put(
        f"{server.base_url}/telephony/config/locations/{loc_id('Denver')}/features/emergencyCallbackNumber",
        json={"selected": "LOCATION_MEMBER_NUMBER", "locationMemberId": LOBBY},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert changed.status_code == 204
    applied = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert applied.returncode == 5, applied.stdout + applied.stderr
    assert 'selected was "LOCATION_NUMBER" when planned, is "LOCATION_MEMBER_NUMBER" now' in (
        applied.stdout + applied.stderr
    )
    assert len(puts(server)) == 1  # only the change made behind its back


def test_export_writes_the_member_that_plans_to_no_change(server: ServerThread, tmp_path: Path) -> None:
    desired = write(tmp_path, TO_ANA_FILE)
    assert wxc("apply", str(desired), base_url=server.base_url).returncode == 0
    exported_file = tmp_path / "export.yaml"
    done = wxc("export", "--location", "Denver", "--output", str(exported_file), base_url=server.base_url)
    assert done.returncode == 0, done.stdout + done.stderr
    text = exported_file.read_text(encoding="utf-8")
    assert 'phoneNumber: "+12145550123"' in text
    assert ANA not in text
    plan = wxc("plan", str(exported_file), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_a_file_that_does_not_manage_it_sends_no_get_to_it(server: ServerThread, tmp_path: Path) -> None:
    desired = write(tmp_path, '    outsideDialDigit: "9"\n')
    assert wxc("plan", str(desired), base_url=server.base_url).returncode == 0
    assert not [path for path in gets(server) if "emergencyCallbackNumber" in path]
