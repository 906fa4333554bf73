"""resources/voice_portal.py: the portal's fields, the passcode refused with its reason and never read,
shown or recorded, the rules at their file positions, the diff and the minimal body, export; the
documented examples replayed against the client; and end to end through the installed CLI."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import denver_file
import httpx
import pytest
from clirun import TOKEN, loc_id, puts, wxc
from test_contract_support import LOCATION_ID, REPLAY, request_body, response_body, run_api

from reconciler.desired import load_desired
from reconciler.diff import FieldChange
from reconciler.export.document import LiveLocation
from reconciler.jobs import JobPolling
from reconciler.plan import Step
from reconciler.resources.base import ApplyContext, Done, Reads
from reconciler.resources.voice_portal import RESOURCE
from reconciler.sandbox import ServerThread
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import CallingApi

CURRENT = CurrentState((), {})
LIVE = {
    "name": "Denver Voice Portal",
    "languageCode": "en_us",
    "extension": "7999",
    "phoneNumber": "+12145555699",
    "directLineCallerIdName": {"selection": "CUSTOM_NAME", "customName": "Denver"},
    "dialByName": "Denver Portal",
}


def write(tmp_path: Path, body: str) -> Path:
    return denver_file.write(tmp_path, body, "p.yaml")


def errors(tmp_path: Path, body: str) -> list[str]:
    return denver_file.errors(tmp_path, body, "p.yaml")


# --- the passcode and the other keys that cannot be managed -------------------------------------------


def test_the_passcode_is_refused_saying_why(tmp_path: Path) -> None:
    body = '    voicePortal:\n      name: P\n      passcode: {newPasscode: "135668", confirmPasscode: "1"}\n'
    assert errors(tmp_path, body) == [
        "p.yaml:6:7: 'passcode' cannot be set in voicePortal: the portal passcode is write-only (the API "
        "never returns it), so a desired state could never see whether it drifted; set or rotate it in "
        "Control Hub or from your secret store"
    ]


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("id", "it is read-only, set by Webex"),
        ("language", "it is read-only, the name of `languageCode`; set `languageCode`"),
        ("firstName", "the API deprecates it for `directLineCallerIdName` and `dialByName`"),
    ],
)
def test_read_only_and_deprecated_keys_are_refused_saying_why(tmp_path: Path, key: str, reason: str) -> None:
    assert errors(tmp_path, f"    voicePortal: {{{key}: x}}\n") == [
        f"p.yaml:4:19: '{key}' cannot be set in voicePortal: {reason}"
    ]


def test_any_other_unknown_key_still_names_the_allowed_ones(tmp_path: Path) -> None:
    (message,) = errors(tmp_path, "    voicePortal: {extention: '7000'}\n")
    assert "unknown field 'extention' in voicePortal; did you mean 'extension'?" in message


# --- the rules of the fields, at their file positions ----------------------------------------------------


def test_digits_and_numbers_are_strings_and_say_so(tmp_path: Path) -> None:
    assert errors(tmp_path, "    voicePortal: {extension: 7000}\n") == [
        'p.yaml:4:30: voicePortal.extension must be a string of digits; write it quoted: extension: "7000"'
    ]
    assert errors(tmp_path, "    voicePortal: {extension: '70a0', phoneNumber: '2145550100'}\n") == [
        'p.yaml:4:30: voicePortal.extension must be a string of digits, e.g. "7000", not "70a0"',
        'p.yaml:4:51: voicePortal.phoneNumber must be an E.164 number, not "2145550100"',
    ]


def test_the_language_code_is_lower_case(tmp_path: Path) -> None:
    assert errors(tmp_path, "    voicePortal: {languageCode: en_US}\n") == [
        'p.yaml:4:33: voicePortal.languageCode must be a lower-case code such as en_us, not "en_US"'
    ]


@pytest.mark.parametrize("name", ["100% Portal", "A+B", "back\\\\slash", "\\u00e9cole", 'say \\"hi\\"'])
def test_dial_by_name_refuses_what_the_api_refuses(tmp_path: Path, name: str) -> None:
    (message,) = errors(tmp_path, f'    voicePortal: {{dialByName: "{name}"}}\n')
    assert message.startswith(
        'p.yaml:4:31: voicePortal.dialByName must be ASCII text without % + \\ or ", not '
    )


def test_dial_by_name_and_custom_name_are_cleared_by_null_not_by_an_empty_string(tmp_path: Path) -> None:
    body = "    voicePortal:\n      dialByName: null\n      directLineCallerIdName: {customName: null}\n"
    (location,) = load_desired(write(tmp_path, body)).locations
    assert RESOURCE.desired(location) == {"dialByName": None, "directLineCallerIdName": {"customName": None}}
    assert errors(tmp_path, "    voicePortal: {name: ''}\n") == [
        "p.yaml:4:25: voicePortal.name must not be empty"
    ]


def test_custom_name_selection_needs_its_name(tmp_path: Path) -> None:
    body = "    voicePortal:\n      directLineCallerIdName: {selection: CUSTOM_NAME}\n"
    assert errors(tmp_path, body) == [
        "p.yaml:5:43: voicePortal.directLineCallerIdName.selection CUSTOM_NAME needs a customName (not null)"
    ]


# --- what is read, compared and sent ---------------------------------------------------------------------


class Answering:
    """A CallingApi stand-in whose client answers one GET with `answer`."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.client = self

    async def get_json(self, path: str) -> dict[str, Any]:
        assert path == RESOURCE.path("L1")
        return self.answer


def test_the_read_keeps_only_the_managed_fields_never_a_passcode() -> None:
    answer = {
        **LIVE,
        "id": "V1",
        "language": "English",
        "passcode": {"newPasscode": "1234"},
        "firstName": "x",
    }
    read = asyncio.run(RESOURCE.read(Reads(Answering(answer), "L1"), {}, {}))  # type: ignore[arg-type]
    assert read == {"settings": {"voicePortal": LIVE}}
    assert "1234" not in json.dumps(read)


def body_of(wanted: dict[str, Any], live: dict[str, Any] = LIVE) -> tuple[tuple[FieldChange, ...], Any]:
    from reconciler.desired.model import DesiredLocation, Position

    changes = RESOURCE.diff(wanted, live, CURRENT)
    location = DesiredLocation("Denver", Position("p.yaml", 3, 11))
    state = LocationState("L1", "Denver", settings={"voicePortal": live})
    return changes, RESOURCE.body(location, wanted, state, CURRENT, changes)


def test_only_the_changed_fields_are_sent() -> None:
    changes, body = body_of({"name": "Denver Portal", "extension": "7999", "dialByName": "Denver Portal"})
    assert changes == (FieldChange("voicePortal.name", "Denver Voice Portal", "Denver Portal"),)
    assert body == {"name": "Denver Portal"}


def test_the_caller_id_name_is_sent_whole_with_the_live_sub_field() -> None:
    changes, body = body_of({"directLineCallerIdName": {"customName": "Denver HQ"}})
    assert changes == (FieldChange("voicePortal.directLineCallerIdName.customName", "Denver", "Denver HQ"),)
    assert body == {"directLineCallerIdName": {"selection": "CUSTOM_NAME", "customName": "Denver HQ"}}


def test_clearing_the_custom_name_of_a_custom_name_selection_is_refused_before_any_put() -> None:
    _, body = body_of({"directLineCallerIdName": {"customName": None}})
    assert str(body) == (
        "p.yaml:3:11: voicePortal.directLineCallerIdName: location 'Denver' shows CUSTOM_NAME, which needs a "
        "customName; write one (or selection: DISPLAY_NAME)"
    )
    _, body = body_of({"directLineCallerIdName": {"selection": "DISPLAY_NAME", "customName": None}})
    assert body == {"directLineCallerIdName": {"selection": "DISPLAY_NAME", "customName": None}}


def test_an_empty_dial_by_name_reads_as_null() -> None:
    cleared = {
        **LIVE,
        "dialByName": "",
        "directLineCallerIdName": {"selection": "DISPLAY_NAME", "customName": ""},
    }
    assert body_of({"dialByName": None, "directLineCallerIdName": {"customName": None}}, cleared) == ((), {})
    assert RESOURCE.basis({"dialByName": None}, cleared) == {"dialByName": None}


# --- export ------------------------------------------------------------------------------------------------


def exported(live: dict[str, Any]) -> tuple[Any, list[str]]:
    notes: list[str] = []
    fields, _ = RESOURCE.export(LiveLocation("Denver", {}, None, settings={"voicePortal": live}), {}, notes)
    return json.loads(json.dumps(fields)), notes


def test_export_writes_every_field_it_can_hold() -> None:
    assert exported(LIVE) == ({"voicePortal": LIVE}, [])
    # A dial-by-name entry the org answers empty is cleared: written null; one it leaves out, unmanaged.
    assert exported({"name": "P", "dialByName": ""}) == (
        {"voicePortal": {"name": "P", "dialByName": None}},
        [],
    )
    assert exported({"name": "P"}) == ({"voicePortal": {"name": "P"}}, [])


def test_export_leaves_out_what_validate_would_refuse() -> None:
    fields, notes = exported(
        {
            **LIVE,
            "extension": 7999,
            "dialByName": "50% off",
            "directLineCallerIdName": {"selection": "CUSTOM_NAME"},
        }
    )
    assert fields == {"voicePortal": {k: LIVE[k] for k in ("name", "languageCode", "phoneNumber")}}
    assert notes == [
        "voicePortal.extension is left out (unmanaged): the org has 7999, and the file takes a string of "
        'digits, e.g. "7000".',
        'voicePortal.dialByName is left out (unmanaged): the org has "50% off", and the file takes ASCII '
        'text without % + \\ or ".',
        # Judged on what the file can hold of it, so said after the fields.
        "voicePortal.directLineCallerIdName is left out (unmanaged): CUSTOM_NAME without a name the file "
        "can hold.",
    ]


# --- the documented examples, replayed against the client -------------------------------------------------

CASSETTE = "voice_portal.yaml"
EXTENSION_AS_NUMBER = (
    "contract contradiction 6: the documented PUT example sends extension 5678 as a number, the field is a "
    "string and the client sends it as one"
)


def apply(body: dict[str, Any]) -> Done:
    step = Step("Denver", LOCATION_ID, RESOURCE.kind, "PUT", RESOURCE.path(LOCATION_ID), body, ())

    async def send(api: CallingApi) -> Done:
        return await RESOURCE.apply(ApplyContext(api, JobPolling(), {}, asyncio.Lock()), replace(step))

    with REPLAY.use_cassette(CASSETTE) as played:
        done = run_api(send)
    assert played.play_count == 1
    return done


def test_the_documented_answer_reads_without_the_read_only_and_deprecated_fields() -> None:
    with REPLAY.use_cassette(CASSETTE) as played:
        read = run_api(lambda api: RESOURCE.read(Reads(api, LOCATION_ID), None, {}))
    assert played.play_count == 1
    live = read["settings"]["voicePortal"]
    documented = response_body(CASSETTE, 0)
    assert live == {
        k: v for k, v in documented.items() if k not in ("id", "language", "firstName", "lastName")
    }
    assert RESOURCE.diff({"extension": "0007", "dialByName": "Hakim Smith"}, live, CURRENT) == ()


def test_the_client_sends_a_change_as_the_contract_describes() -> None:
    wanted = {
        "name": "Voice Portal Name",
        "extension": "5678",
        "directLineCallerIdName": {"selection": "CUSTOM_NAME", "customName": "Voice Portal Name"},
    }
    live = {k: v for k, v in response_body(CASSETTE, 0).items() if k in RESOURCE.kept}
    _, body = body_of(wanted, live)
    assert apply(body) == Done("applied")


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=EXTENSION_AS_NUMBER)
def test_the_client_sends_the_extension_as_the_documented_put_example_does() -> None:
    documented = request_body(CASSETTE, 1)
    _, body = body_of({"extension": str(documented["extension"])}, {})
    assert body == {"extension": documented["extension"]}


# --- end to end: the installed CLI against the simulator over real HTTP ------------------------------------

PORTAL = """\
version: 1
locations:
  - name: Paris
    voicePortal:
      name: Portail Paris
      extension: "7000"
      directLineCallerIdName: {selection: CUSTOM_NAME, customName: Big Corp Paris}
      dialByName: Portail Paris
"""


def test_plan_apply_plan_sets_the_portal_then_nothing_is_left(server: ServerThread, tmp_path: Path) -> None:
    desired = tmp_path / "paris.yaml"
    desired.write_text(PORTAL, encoding="utf-8")
    saved = tmp_path / "plan.json"
    plan = wxc("plan", str(desired), "--out", str(saved), "--format", "markdown", base_url=server.base_url)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "voicePortal.name" in plan.stdout and "Portail Paris" in plan.stdout
    applied = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert puts(server) == [
        (
            f"/v1/telephony/config/locations/{loc_id('Paris')}/voicePortal",
            {
                "name": "Portail Paris",
                "extension": "7000",
                "directLineCallerIdName": {"selection": "CUSTOM_NAME", "customName": "Big Corp Paris"},
                "dialByName": "Portail Paris",
            },
        )
    ]
    again = wxc("plan", str(desired), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr
    stale = wxc("apply", "--plan", str(saved), str(desired), base_url=server.base_url)
    assert stale.returncode == 5, stale.stdout + stale.stderr
    assert 'Paris voice portal: name was "Voice Portal" when planned, is "Portail Paris" now' in stale.stderr


def test_a_passcode_set_elsewhere_never_shows_in_a_plan_a_report_an_export_or_the_state(
    server: ServerThread, tmp_path: Path
) -> None:
    secret = "864213579"
    rotated = httpx.put(
        f"{server.base_url}/telephony/config/locations/{loc_id('Paris')}/voicePortal",
        json={"passcode": {"newPasscode": secret, "confirmPasscode": secret}},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert rotated.status_code == 204
    desired = tmp_path / "paris.yaml"
    desired.write_text(PORTAL, encoding="utf-8")
    saved = tmp_path / "plan.json"
    outputs = [
        wxc("plan", str(desired), "--format", "json", "--out", str(saved), base_url=server.base_url).stdout,
        wxc("apply", str(desired), "--format", "markdown", base_url=server.base_url).stdout,
        wxc("export", base_url=server.base_url).stdout,
        saved.read_text(encoding="utf-8"),
        json.dumps(server.org.to_json()),
    ]
    for text in outputs:
        assert secret not in text
        assert "Passcode" not in text  # newPasscode, confirmPasscode
    assert [r for r in server.requests if "passcode" in json.dumps(r.body)] == server.requests[:1]


def test_a_file_that_does_not_manage_it_sends_no_get_to_it(server: ServerThread, tmp_path: Path) -> None:
    desired = tmp_path / "other.yaml"
    desired.write_text(
        'version: 1\nlocations:\n  - name: Paris\n    outsideDialDigit: "0"\n', encoding="utf-8"
    )
    assert wxc("plan", str(desired), base_url=server.base_url).returncode == 0
    assert not [r for r in server.requests if r.path.endswith("/voicePortal")]
