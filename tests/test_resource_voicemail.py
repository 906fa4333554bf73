"""resources/voicemail.py (and plain.py, which it is made of): the file's field, the diff, the body, the
basis, the export, the documented examples replayed against the client, and the CLI end to end."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from clirun import gets, loc_id, puts, wxc
from test_contract_support import LOCATION_ID, REPLAY, request_body, response_body, run_api

from reconciler.desired import InvalidInput, load_desired
from reconciler.diff import FieldChange
from reconciler.export import LiveLocation
from reconciler.resources.base import Reads
from reconciler.resources.voicemail import RESOURCE
from reconciler.sandbox import ServerThread
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import CallingApi

NO_ORG = CurrentState(calling_locations=(), locations={})


def desired(tmp_path: Path, block: str) -> Any:
    path = tmp_path / "l.yaml"
    path.write_text(f"version: 1\nlocations:\n  - name: Denver\n{block}", encoding="utf-8")
    (location,) = load_desired(path).locations
    return location


def errors(tmp_path: Path, block: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        desired(tmp_path, block)
    return [str(error) for error in caught.value.errors]


def state(live: dict[str, Any] | None) -> LocationState:
    return LocationState("L1", "Denver", settings={} if live is None else {"voicemail": live})


# --- the file --------------------------------------------------------------------------------------------


def test_the_file_manages_the_field_under_its_own_key(tmp_path: Path) -> None:
    location = desired(tmp_path, "    voicemail: {voicemailTranscriptionEnabled: true}\n")
    assert RESOURCE.desired(location) == {"voicemailTranscriptionEnabled": True}
    assert location.position_of("voicemail.voicemailTranscriptionEnabled").line == 4


def test_a_file_without_the_key_does_not_manage_it(tmp_path: Path) -> None:
    assert RESOURCE.desired(desired(tmp_path, "    outsideDialDigit: '9'\n")) is None


def test_defaults_give_every_location_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "l.yaml"
    path.write_text(
        "version: 1\ndefaults:\n  voicemail: {voicemailTranscriptionEnabled: false}\n"
        "locations:\n  - name: Denver\n"
        "  - name: Paris\n    voicemail: {voicemailTranscriptionEnabled: true}\n",
        encoding="utf-8",
    )
    wanted = [RESOURCE.desired(loc) for loc in load_desired(path).locations]
    assert wanted == [{"voicemailTranscriptionEnabled": False}, {"voicemailTranscriptionEnabled": True}]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "    voicemail: {}\n",
            "l.yaml:4:5: missing required field 'voicemailTranscriptionEnabled' in voicemail",
        ),
        (
            "    voicemail: {voicemailTranscriptionEnabled: yes}\n",
            "l.yaml:4:48: voicemail.voicemailTranscriptionEnabled must be true or false, "
            'not the string "yes"; write voicemail.voicemailTranscriptionEnabled: true',
        ),
        (
            "    voicemail: {voicemailTranscriptionEnabled: null}\n",
            "l.yaml:4:48: voicemail.voicemailTranscriptionEnabled",
        ),
        (
            "    voicemail: {transcription: true}\n",
            "l.yaml:4:17: unknown field 'transcription' in voicemail "
            "(allowed: voicemailTranscriptionEnabled)",
        ),
        ("    voicemail: true\n", "l.yaml:4:16: voicemail must be"),
    ],
)
def test_a_wrong_value_is_an_error_at_its_place(tmp_path: Path, block: str, expected: str) -> None:
    found = errors(tmp_path, block)
    assert any(expected in error for error in found), found


# --- diff, body, basis -------------------------------------------------------------------------------------


def test_a_different_value_is_one_change_named_by_its_path_in_the_file() -> None:
    changes = RESOURCE.diff(
        {"voicemailTranscriptionEnabled": True}, {"voicemailTranscriptionEnabled": False}, NO_ORG
    )
    assert changes == (FieldChange("voicemail.voicemailTranscriptionEnabled", False, True),)
    assert not changes[0].disruptive


def test_the_same_value_is_no_change_and_a_missing_one_reads_as_null() -> None:
    assert (
        RESOURCE.diff(
            {"voicemailTranscriptionEnabled": True}, {"voicemailTranscriptionEnabled": True}, NO_ORG
        )
        == ()
    )
    assert RESOURCE.diff({"voicemailTranscriptionEnabled": False}, {}, NO_ORG) == (
        FieldChange("voicemail.voicemailTranscriptionEnabled", None, False),
    )


def test_a_string_is_not_a_boolean() -> None:
    live = {"voicemailTranscriptionEnabled": "true"}
    assert RESOURCE.diff({"voicemailTranscriptionEnabled": True}, live, NO_ORG) != ()


def test_the_body_is_the_required_field_and_the_basis_its_live_value(tmp_path: Path) -> None:
    location = desired(tmp_path, "    voicemail: {voicemailTranscriptionEnabled: true}\n")
    wanted = RESOURCE.desired(location)
    live = {"voicemailTranscriptionEnabled": False}
    changes = RESOURCE.diff(wanted, live, NO_ORG)
    assert RESOURCE.body(location, wanted, state(live), NO_ORG, changes) == {
        "voicemailTranscriptionEnabled": True
    }
    assert RESOURCE.basis(wanted, live) == {"voicemailTranscriptionEnabled": False}
    assert RESOURCE.path("L/1") == "/telephony/config/locations/L%2F1/voicemail"


def test_no_org_list_is_needed(tmp_path: Path) -> None:
    location = desired(tmp_path, "    voicemail: {voicemailTranscriptionEnabled: true}\n")
    assert RESOURCE.lookups(load_desired(tmp_path / "l.yaml")) == frozenset()
    assert RESOURCE.org_problems(location, NO_ORG) == []


# --- export ------------------------------------------------------------------------------------------------


def exported(live: Any) -> tuple[Any, list[str]]:
    notes: list[str] = []
    settings = {} if live is None else {"voicemail": live}
    fields, phrase = RESOURCE.export(LiveLocation("Denver", {}, None, settings=settings), {}, notes)
    assert phrase is None
    return fields, notes


def test_export_writes_the_live_value() -> None:
    assert exported({"voicemailTranscriptionEnabled": True}) == (
        {"voicemail": {"voicemailTranscriptionEnabled": True}},
        [],
    )


def test_export_leaves_out_what_the_file_cannot_hold_and_says_so() -> None:
    fields, notes = exported({"voicemailTranscriptionEnabled": "sometimes"})
    assert fields == {}
    assert notes == [
        'voicemail.voicemailTranscriptionEnabled is left out (unmanaged): the org has "sometimes", '
        "and the file takes true or false."
    ]
    assert exported({}) == ({}, [])
    assert exported(None) == ({}, [])
    assert exported(["not", "an", "object"])[0] == {}


# --- the documented examples, replayed against the client ---------------------------------------------------


def test_the_documented_get_is_read_as_it_is() -> None:
    with REPLAY.use_cassette("voicemail.yaml", allow_playback_repeats=False) as played:
        read = run_api(lambda api: RESOURCE.read(Reads(api, LOCATION_ID), None, {}))
    assert played.play_count == 1
    assert read == {"settings": {"voicemail": response_body("voicemail.yaml", 0)}}


def test_the_body_the_client_builds_is_the_documented_put(tmp_path: Path) -> None:
    location = desired(tmp_path, "    voicemail: {voicemailTranscriptionEnabled: true}\n")
    wanted = RESOURCE.desired(location)
    live = {"voicemailTranscriptionEnabled": False}
    body = RESOURCE.body(location, wanted, state(live), NO_ORG, RESOURCE.diff(wanted, live, NO_ORG))
    assert body == request_body("voicemail.yaml", 1)

    async def put(api: CallingApi) -> Any:
        return await api.client.put_json(RESOURCE.path(LOCATION_ID), body)

    with REPLAY.use_cassette("voicemail.yaml") as played:
        status, answer = run_api(put)
    assert (status, answer, played.play_count) == (204, {}, 1)


# --- end to end, through the installed CLI ---------------------------------------------------------------

FILE = """\
version: 1
locations:
  - name: Denver
    voicemail: {voicemailTranscriptionEnabled: true}
  - name: Paris
    outsideDialDigit: "9"
"""


def test_plan_shows_it_apply_makes_it_and_the_next_plan_is_clean(
    server: ServerThread, tmp_path: Path
) -> None:
    path = tmp_path / "l.yaml"
    path.write_text(FILE, encoding="utf-8")
    planned = wxc("plan", str(path), "--detailed-exitcode", base_url=server.base_url)
    assert planned.returncode == 2, planned.stderr
    assert "voicemail settings" in planned.stdout
    assert re.search(r"\n +voicemail\.voicemailTranscriptionEnabled +false → true\n", planned.stdout)
    # Paris does not manage voicemail: its voicemail is never read.
    reads = gets(server)
    mine = f"/v1/telephony/config/locations/{loc_id('Denver')}/voicemail"
    assert reads.count(mine) == 1
    assert mine.replace(loc_id("Denver"), loc_id("Paris")) not in reads

    applied = wxc("apply", str(path), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert [p for p in puts(server) if p[0].endswith("/voicemail")] == [
        (
            f"/v1/telephony/config/locations/{loc_id('Denver')}/voicemail",
            {"voicemailTranscriptionEnabled": True},
        )
    ]
    again = wxc("plan", str(path), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout
