"""resources/music_on_hold.py: the file and the playlist by name, their rules at their file positions, the
diff and the minimal body (`greeting` always; GET's `playlist` is PUT's `playlistId`), export; the
documented examples replayed against the client; and end to end through the installed CLI against the
simulator, with each org-wide list read once and only when named."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from clirun import loc_id, puts, wxc
from denver_file import errors, write
from test_contract_support import LOCATION_ID, REPLAY, response_body, run_api

from reconciler.desired import load_desired
from reconciler.diff import FieldChange
from reconciler.export.document import LiveLocation
from reconciler.jobs import JobPolling
from reconciler.plan import Step
from reconciler.resources.base import ApplyContext, Done, Reads
from reconciler.resources.music_on_hold import RESOURCE
from reconciler.sandbox import ServerThread, webex_id
from reconciler.state import CurrentState, LocationState

CASSETTE = "music_on_hold.yaml"
DOCUMENTED = response_body(CASSETTE, 0)
FILE = DOCUMENTED["audioFile"]
PLAYLIST = DOCUMENTED["playlist"]
ORG = CurrentState((), {}, lookups={"announcements": (FILE,), "playlists": (PLAYLIST,)})
PLAIN = {"callHoldEnabled": False, "callParkEnabled": False, "greeting": "SYSTEM"}
BY_FILE = {"fileName": "AUDIO_FILE.wav", "level": "ORGANIZATION"}


# --- offline rules, at their file positions -----------------------------------------------------------


def test_a_file_and_a_playlist_at_once_is_an_error_at_the_playlist(tmp_path: Path) -> None:
    body = (
        "    musicOnHold:\n      greeting: CUSTOM\n"
        "      audioFile: {fileName: a.wav, level: LOCATION}\n      playlist: Jazz\n"
    )
    assert errors(tmp_path, body) == ["d.yaml:7:7: musicOnHold takes 'audioFile' or 'playlist', not both"]


def test_the_schema_refuses_an_unknown_greeting_a_file_without_level_and_the_workspace_names(
    tmp_path: Path,
) -> None:
    found = errors(
        tmp_path,
        "    musicOnHold:\n      greeting: DEFAULT\n      audioFile: {fileName: a.wav}\n"
        "      mohEnabled: true\n",
    )
    text = "\n".join(found)
    assert "d.yaml:5:17" in text and "DEFAULT" in text
    assert "d.yaml:6:7: missing required" in text and "level" in text
    assert "mohEnabled" in text


def test_the_lists_are_needed_only_when_a_location_names_from_them(tmp_path: Path) -> None:
    plain = load_desired(write(tmp_path, "    musicOnHold: {greeting: SYSTEM}\n"))
    assert RESOURCE.lookups(plain) == frozenset()
    named = load_desired(write(tmp_path, "    musicOnHold: {greeting: CUSTOM, playlist: Jazz}\n"))
    assert RESOURCE.lookups(named) == {"playlists"}
    filed = load_desired(
        write(tmp_path, "    musicOnHold: {audioFile: {fileName: a.wav, level: LOCATION}}\n")
    )
    assert RESOURCE.lookups(filed) == {"announcements"}


def test_a_name_the_org_does_not_have_is_an_error_at_its_place_listing_the_ones_it_has(
    tmp_path: Path,
) -> None:
    desired = load_desired(
        write(
            tmp_path,
            "    musicOnHold:\n      audioFile: {fileName: AUDIO_FILE.wma, level: ORGANIZATION}\n"
            "  - name: Paris\n    musicOnHold: {playlist: testingPlaylist}\n",
        )
    )
    denver, paris = desired.locations
    (file_error,) = RESOURCE.org_problems(denver, ORG)
    assert str(file_error).endswith(
        "d.yaml:5:29: announcement file 'AUDIO_FILE.wma (ORGANIZATION)' not found in the org; did you mean "
        "'AUDIO_FILE.wav (ORGANIZATION)'? announcement files: AUDIO_FILE.wav (ORGANIZATION)"
    )
    (playlist_error,) = RESOURCE.org_problems(paris, ORG)
    assert "d.yaml:7:29: playlist 'testingPlaylist' not found" in str(playlist_error)
    assert "playlists: testingAnnouncementPlaylist" in str(playlist_error)


# --- diff, body, basis --------------------------------------------------------------------------------


def planned(wanted: dict[str, Any], live: dict[str, Any]) -> tuple[tuple[FieldChange, ...], Any]:
    changes = RESOURCE.diff(wanted, live, ORG)
    state = LocationState("L1", "Denver", settings={"musicOnHold": live})
    return changes, RESOURCE.body(None, wanted, state, ORG, changes)  # type: ignore[arg-type]


def test_the_documented_answer_reads_as_the_file_and_the_playlist_by_name() -> None:
    with REPLAY.use_cassette(CASSETTE) as played:
        read = run_api(lambda api: RESOURCE.read(Reads(api, LOCATION_ID), None, {}))
    assert played.play_count == 1
    live = read["settings"]["musicOnHold"]
    assert live == DOCUMENTED
    wanted = {"greeting": "SYSTEM", "audioFile": BY_FILE, "playlist": "testingAnnouncementPlaylist"}
    assert RESOURCE.diff(wanted, live, ORG) == ()


def test_a_switch_alone_sends_itself_and_the_live_greeting_the_put_requires() -> None:
    changes, body = planned({"callParkEnabled": True}, PLAIN)
    assert changes == (FieldChange("musicOnHold.callParkEnabled", False, True),)
    assert body == {"greeting": "SYSTEM", "callParkEnabled": True}


def test_a_playlist_by_name_is_sent_as_its_id() -> None:
    changes, body = planned({"greeting": "CUSTOM", "playlist": "testingAnnouncementPlaylist"}, PLAIN)
    assert changes == (
        FieldChange("musicOnHold.greeting", "SYSTEM", "CUSTOM"),
        FieldChange("musicOnHold.playlist", None, "testingAnnouncementPlaylist"),
    )
    assert body == {"greeting": "CUSTOM", "playlistId": PLAYLIST["id"]}


def test_a_file_is_sent_whole_as_the_org_lists_it_even_when_only_its_level_changed() -> None:
    live = {**PLAIN, "audioFile": {**FILE, "level": "LOCATION"}}
    changes, body = planned({"audioFile": BY_FILE}, live)
    assert changes == (FieldChange("musicOnHold.audioFile.level", "LOCATION", "ORGANIZATION"),)
    assert body == {"greeting": "SYSTEM", "audioFile": FILE}


def test_nothing_changes_when_the_live_value_matches_and_a_greeting_the_file_leaves_out_is_kept() -> None:
    assert RESOURCE.diff({"callHoldEnabled": False}, PLAIN, ORG) == ()


def test_the_basis_holds_the_managed_fields_and_the_greeting_in_the_files_terms() -> None:
    basis = RESOURCE.basis({"playlist": "x"}, DOCUMENTED)
    assert basis == {"greeting": "SYSTEM", "playlist": "testingAnnouncementPlaylist"}


def test_a_put_requires_the_greeting_so_an_answer_without_one_asks_for_it_in_the_file(tmp_path: Path) -> None:
    (location,) = load_desired(write(tmp_path, "    musicOnHold: {callParkEnabled: true}\n")).locations
    wanted = RESOURCE.desired(location)
    state = LocationState("L1", "Denver", settings={"musicOnHold": {"callParkEnabled": False}})
    error = RESOURCE.body(location, wanted, state, ORG, RESOURCE.diff(wanted, {}, ORG))
    assert "musicOnHold.greeting must be written here" in str(error)


# --- export ---------------------------------------------------------------------------------------------


def exported(live: dict[str, Any]) -> tuple[Any, list[str]]:
    notes: list[str] = []
    location = LiveLocation("Denver", {}, None, settings={"musicOnHold": live})
    entry, _ = RESOURCE.export(location, {}, notes)
    return entry, notes


def test_export_names_the_file_and_the_playlist_never_their_ids() -> None:
    entry, notes = exported(DOCUMENTED)
    assert entry == {
        "musicOnHold": {
            "callHoldEnabled": True,
            "callParkEnabled": True,
            "greeting": "SYSTEM",
            "audioFile": BY_FILE,
            "playlist": "testingAnnouncementPlaylist",
        }
    }
    assert notes == []


def test_export_leaves_a_level_it_cannot_hold_unmanaged_with_a_note() -> None:
    entry, notes = exported({**PLAIN, "audioFile": {**FILE, "level": "ENTITY"}})
    assert entry == {"musicOnHold": PLAIN}
    assert len(notes) == 1 and "musicOnHold.audioFile.level is left out" in notes[0]


# --- the documented examples replayed against the client -------------------------------------------------


@pytest.mark.parametrize(
    "wanted",
    [
        {"greeting": "CUSTOM", "audioFile": BY_FILE},
        {"greeting": "CUSTOM", "playlist": "testingAnnouncementPlaylist"},
    ],
    ids=["the file", "the playlist"],
)
def test_the_client_sends_the_bodies_of_the_contract(wanted: dict[str, Any]) -> None:
    changes, body = planned(wanted, PLAIN)
    step = Step("Denver", LOCATION_ID, RESOURCE.kind, "PUT", RESOURCE.path(LOCATION_ID), body, changes)

    async def send(api: Any) -> Done:
        return await RESOURCE.apply(ApplyContext(api, JobPolling(), {}, asyncio.Lock()), step)

    with REPLAY.use_cassette(CASSETTE) as played:
        done = run_api(send)
    assert played.play_count == 1  # the one interaction whose JSON body is this body
    assert done == Done("applied")


# --- end to end: the installed CLI against the simulator over real HTTP ------------------------------------

PARIS = (
    "version: 1\nlocations:\n  - name: Paris\n    musicOnHold:\n"
    "      callParkEnabled: true\n      greeting: CUSTOM\n      playlist: Paris Hold Music\n"
    "  - name: Berlin\n    musicOnHold: {greeting: CUSTOM, playlist: Paris Hold Music}\n"
)
LISTS = ("/v1/telephony/config/announcements/playlists", "/v1/telephony/config/announcements")


def test_plan_apply_plan_plays_the_playlist_then_nothing_is_left(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = tmp_path / "moh.yaml"
    desired.write_text(PARIS, encoding="utf-8")
    plan = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert 'musicOnHold.playlist         null → "Paris Hold Music"' in plan.stdout
    paths = [r.path for r in server.requests]
    assert paths.count(LISTS[0]) == 1  # two locations name a playlist: one list read
    assert paths.count(LISTS[1]) == 0  # no location names a file
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    playlist_id = webex_id("PLAYLIST", "Paris Hold Music")
    assert puts(server) == [
        (
            f"/v1/telephony/config/locations/{loc_id('Paris')}/musicOnHold",
            {"greeting": "CUSTOM", "callParkEnabled": True, "playlistId": playlist_id},
        ),
        (
            f"/v1/telephony/config/locations/{loc_id('Berlin')}/musicOnHold",
            {"greeting": "CUSTOM", "playlistId": playlist_id},
        ),
    ]
    again = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr
    exported_file = tmp_path / "out.yaml"
    export = wxc("export", "--output", str(exported_file), "--location", "Paris", base_url=server.base_url)
    assert export.returncode == 0, export.stdout + export.stderr
    assert "playlist: Paris Hold Music" in exported_file.read_text(encoding="utf-8")


def test_an_unknown_file_stops_before_any_put_listing_the_files_the_org_has(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = tmp_path / "bad.yaml"
    desired.write_text(
        "version: 1\nlocations:\n  - name: Paris\n    musicOnHold:\n"
        "      greeting: CUSTOM\n      audioFile: {fileName: Hold.wav, level: ORGANIZATION}\n",
        encoding="utf-8",
    )
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 3, applied.stdout + applied.stderr
    assert "bad.yaml:6:29: announcement file 'Hold.wav (ORGANIZATION)' not found" in applied.stderr
    assert "BigCorp-Hold.wav (ORGANIZATION)" in applied.stderr
    assert puts(server) == []
    assert [r.path for r in server.requests].count(LISTS[1]) == 1


def test_a_file_that_does_not_manage_it_sends_no_get_to_it(server: ServerThread, tmp_path: Path) -> None:
    desired = tmp_path / "other.yaml"
    desired.write_text(
        'version: 1\nlocations:\n  - name: Paris\n    outsideDialDigit: "0"\n', encoding="utf-8"
    )
    assert wxc("plan", str(desired), base_url=server.base_url).returncode in (0, 2)
    assert not [r for r in server.requests if r.path.endswith("/musicOnHold") or r.path in LISTS]


def test_a_saved_plan_applies_then_is_stale_naming_the_greeting_it_was_planned_on(
    server: ServerThread, tmp_path: Path
) -> None:
    desired = tmp_path / "moh.yaml"
    desired.write_text(PARIS, encoding="utf-8")
    saved = tmp_path / "plan.json"
    plan = wxc("plan", str(desired), "--out", str(saved), "--format", "markdown", base_url=server.base_url)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "musicOnHold.playlist" in plan.stdout and "Paris Hold Music" in plan.stdout
    applied = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert len(puts(server)) == 2
    stale = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert stale.returncode == 5, stale.stdout + stale.stderr
    assert 'Paris music on hold: greeting was "SYSTEM" when planned, is "CUSTOM" now' in stale.stderr
