"""resources/intercept.py: the file's nested fields (no `fileName`), the diff, the partial body with the
required `enabled`, what is disruptive, the safety thresholds, the export, the documented examples
replayed against the client, where the sources disagree, and the CLI end to end."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from clirun import gets, loc_id, puts, wxc
from test_contract_support import LOCATION_ID, REPLAY, request_body, response_body, run_api

from reconciler.desired import InvalidInput, load_desired
from reconciler.diff import FieldChange
from reconciler.export import LiveLocation
from reconciler.plan import Plan, Step
from reconciler.resources import field_spec
from reconciler.resources.base import Reads
from reconciler.resources.intercept import RESOURCE
from reconciler.safety import Thresholds, check
from reconciler.sandbox import ServerThread
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import CallingApi

NO_ORG = CurrentState(calling_locations=(), locations={})
DOCUMENTED = response_body("intercept.yaml", 0)
# The documented object as a file can hold it: everything but the read-only fileName.
DOCUMENTED_FILE = copy.deepcopy(DOCUMENTED)
del DOCUMENTED_FILE["incoming"]["announcements"]["fileName"]


def desired(tmp_path: Path, block: str) -> Any:
    path = tmp_path / "l.yaml"
    path.write_text(f"version: 1\nlocations:\n  - name: Denver\n{block}", encoding="utf-8")
    (location,) = load_desired(path).locations
    return location


def errors(tmp_path: Path, block: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        desired(tmp_path, block)
    return [str(error) for error in caught.value.errors]


def state(live: dict[str, Any]) -> LocationState:
    return LocationState("L1", "Denver", settings={"intercept": live})


def planned(location: Any, live: dict[str, Any]) -> tuple[tuple[FieldChange, ...], Any]:
    wanted = RESOURCE.desired(location)
    changes = RESOURCE.diff(wanted, live, NO_ORG)
    return changes, RESOURCE.body(location, wanted, state(live), NO_ORG, changes)


# --- the file --------------------------------------------------------------------------------------------

NESTED = """\
    intercept:
      enabled: true
      incoming:
        type: ALLOW_ALL
        announcements:
          newNumber: {enabled: true, destination: "2147691003"}
"""


def test_the_file_manages_only_the_nested_fields_written_at_their_places(tmp_path: Path) -> None:
    location = desired(tmp_path, NESTED)
    assert RESOURCE.desired(location) == {
        "enabled": True,
        "incoming": {
            "type": "ALLOW_ALL",
            "announcements": {"newNumber": {"enabled": True, "destination": "2147691003"}},
        },
    }
    assert location.position_of("intercept.incoming.announcements.newNumber.destination").line == 9
    assert location.position_of("intercept.incoming.type").line == 7


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "    intercept: {incoming: {announcements: {fileName: a.wav}}}\n",
            "l.yaml:4:44: unknown field 'fileName' in intercept.incoming.announcements "
            "(allowed: greeting, newNumber, zeroTransfer)",
        ),
        (
            "    intercept: {outgoing: {destination: 2147691007}}\n",
            "l.yaml:4:41: intercept.outgoing.destination must be a string; "
            'write it quoted: destination: "2147691007"',
        ),
        ("    intercept: {}\n", "l.yaml:4:16: intercept must not be empty"),
        ("    intercept: {incoming: {}}\n", "l.yaml:4:27: intercept.incoming must not be empty"),
        (
            "    intercept: {incoming: {type: INTERCEPT}}\n",
            "l.yaml:4:34: intercept.incoming.type must be one of INTERCEPT_ALL, ALLOW_ALL",
        ),
        (
            "    intercept: {outgoing: {type: ALLOW_ALL}}\n",
            "l.yaml:4:34: intercept.outgoing.type must be one of INTERCEPT_ALL, ALLOW_LOCAL_ONLY",
        ),
        (
            "    intercept: {enabled: null}\n",
            "l.yaml:4:26: intercept.enabled cannot be null (it cannot be cleared)",
        ),
    ],
)
def test_a_wrong_value_is_an_error_at_its_place(tmp_path: Path, block: str, expected: str) -> None:
    found = errors(tmp_path, block)
    assert any(expected in error for error in found), found


def test_a_destination_is_kept_as_written_with_or_without_plus(tmp_path: Path) -> None:
    location = desired(tmp_path, '    intercept: {outgoing: {destination: "+12147691007"}}\n')
    assert RESOURCE.desired(location) == {"outgoing": {"destination": "+12147691007"}}


# --- diff, body, basis -------------------------------------------------------------------------------------


def test_only_the_managed_leaves_are_compared_and_named_by_their_path_in_the_file(tmp_path: Path) -> None:
    live = {**DOCUMENTED, "incoming": {**DOCUMENTED["incoming"], "type": "INTERCEPT_ALL"}}
    changes, _ = planned(desired(tmp_path, NESTED), live)
    # The destination equals the documented one: only the type differs.
    assert changes == (FieldChange("intercept.incoming.type", "INTERCEPT_ALL", "ALLOW_ALL"),)


def test_the_documented_object_as_a_file_holds_it_is_no_change() -> None:
    assert RESOURCE.diff(DOCUMENTED_FILE, DOCUMENTED, NO_ORG) == ()


def test_a_nested_object_the_api_leaves_out_reads_as_null(tmp_path: Path) -> None:
    changes, body = planned(
        desired(tmp_path, "    intercept: {outgoing: {transferEnabled: false}}\n"), {"enabled": False}
    )
    assert changes == (FieldChange("intercept.outgoing.transferEnabled", None, False),)
    assert body == {"enabled": False, "outgoing": {"transferEnabled": False}}


def test_the_body_sends_the_changed_leaves_nested_and_enabled_as_the_api_requires(tmp_path: Path) -> None:
    location = desired(
        tmp_path, "    intercept:\n      incoming: {voicemailEnabled: true, type: INTERCEPT_ALL}\n"
    )
    changes, body = planned(location, DOCUMENTED)
    assert [c.field for c in changes] == ["intercept.incoming.voicemailEnabled"]
    # enabled is not managed: its live value goes with the change; the unchanged type, no fileName.
    assert body == {"enabled": True, "incoming": {"voicemailEnabled": True}}
    assert RESOURCE.basis(RESOURCE.desired(location), DOCUMENTED) == {
        "enabled": True,
        "incoming": {"voicemailEnabled": False, "type": "INTERCEPT_ALL"},
    }


def test_a_managed_enabled_is_sent_at_its_desired_value(tmp_path: Path) -> None:
    changes, body = planned(desired(tmp_path, "    intercept: {enabled: false}\n"), DOCUMENTED)
    assert changes == (FieldChange("intercept.enabled", True, False),)
    assert body == {"enabled": False}


def test_without_a_live_enabled_a_change_cannot_be_sent_unless_the_file_says_it(tmp_path: Path) -> None:
    location = desired(tmp_path, "    intercept: {outgoing: {type: INTERCEPT_ALL}}\n")
    _, body = planned(location, {"outgoing": {"type": "ALLOW_LOCAL_ONLY"}})
    assert not isinstance(body, dict)
    assert body.position.line == 4
    assert body.message.startswith(
        "intercept.enabled must be written here: the API needs it with every change"
    )


# --- disruptive, and the safety thresholds --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "before", "after", "disruptive"),
    [
        ("intercept.enabled", False, True, True),
        ("intercept.enabled", None, True, True),
        ("intercept.enabled", True, False, False),
        ("intercept.incoming.type", "ALLOW_ALL", "INTERCEPT_ALL", True),
        ("intercept.incoming.type", "INTERCEPT_ALL", "ALLOW_ALL", False),
        ("intercept.outgoing.type", "ALLOW_LOCAL_ONLY", "INTERCEPT_ALL", True),
        ("intercept.outgoing.type", "INTERCEPT_ALL", "ALLOW_LOCAL_ONLY", False),
        ("intercept.incoming.voicemailEnabled", False, True, False),
    ],
)
def test_turning_intercept_on_is_disruptive_turning_it_off_is_not(
    field: str, before: Any, after: Any, disruptive: bool
) -> None:
    change = FieldChange(field, before, after)
    assert change.disruptive is disruptive
    assert change.to_dict()["disruptive"] is disruptive
    if disruptive:
        assert change.disruption is not None and "intercepts the location's calls" in change.disruption


def intercept_step(name: str, enabled: bool) -> Step:
    change = FieldChange("intercept.enabled", not enabled, enabled)
    return Step(
        name, f"ID-{name}", "intercept", "PUT", RESOURCE.path(f"ID-{name}"), {"enabled": enabled}, (change,)
    )


def test_intercept_steps_count_towards_the_safety_thresholds() -> None:
    steps = tuple(intercept_step(f"L{i}", True) for i in range(4))
    assert all(step.disruptive for step in steps)
    plan = Plan(steps, tuple(f"U{i}" for i in range(6)))
    assert (
        check(plan, Thresholds())
        == "4 of 10 managed locations (40%) would change, more than --max-changes-pct 30%"
    )
    assert check(plan, Thresholds(max_changes=3)) == "4 locations would change, more than --max-changes 3"


# --- export ------------------------------------------------------------------------------------------------


def exported(live: Any) -> tuple[Any, list[str]]:
    notes: list[str] = []
    fields, _ = RESOURCE.export(LiveLocation("Denver", {}, None, settings={"intercept": live}), {}, notes)
    return fields, notes


def test_export_writes_everything_the_file_can_hold_and_never_the_file_name() -> None:
    fields, notes = exported(DOCUMENTED)
    assert json.loads(json.dumps(fields)) == {"intercept": DOCUMENTED_FILE}
    assert notes == []


def test_export_leaves_out_a_value_the_file_cannot_hold_and_says_so(tmp_path: Path) -> None:
    live = copy.deepcopy(DOCUMENTED)
    live["outgoing"]["type"] = "BLOCK_ALL"  # an enum value outside the documented ones
    live["incoming"]["voicemailEnabled"] = "no"
    fields, notes = exported(live)
    assert "type" not in fields["intercept"]["outgoing"]
    assert "voicemailEnabled" not in fields["intercept"]["incoming"]
    assert notes == [
        'intercept.incoming.voicemailEnabled is left out (unmanaged): the org has "no", '
        "and the file takes true or false.",
        'intercept.outgoing.type is left out (unmanaged): the org has "BLOCK_ALL", and the file takes '
        "INTERCEPT_ALL or ALLOW_LOCAL_ONLY.",
    ]


def test_an_exported_entry_validates_and_plans_no_change(tmp_path: Path) -> None:
    from reconciler.export.emit import dump

    fields, _ = exported(DOCUMENTED)
    text = dump({"version": 1, "locations": [{"name": "Denver", **fields}]})
    assert '"2147691003"' in text  # digits stay a string
    path = tmp_path / "e.yaml"
    path.write_text(text, encoding="utf-8")
    (location,) = load_desired(path).locations
    assert RESOURCE.diff(RESOURCE.desired(location), DOCUMENTED, NO_ORG) == ()


# --- the documented examples, replayed against the client ---------------------------------------------------


def test_the_documented_get_is_read_as_it_is() -> None:
    with REPLAY.use_cassette("intercept.yaml") as played:
        read = run_api(lambda api: RESOURCE.read(Reads(api, LOCATION_ID), None, {}))
    assert played.play_count == 1
    assert read == {"settings": {"intercept": DOCUMENTED}}


def put(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async def send(api: CallingApi) -> tuple[int, dict[str, Any]]:
        return await api.client.put_json(RESOURCE.path(LOCATION_ID), body)

    with REPLAY.use_cassette("intercept.yaml") as played:
        answer = run_api(send)
    assert played.play_count == 1
    return answer


def test_the_documented_put_is_answered_204() -> None:
    assert put(request_body("intercept.yaml", 1)) == (204, {})


def test_turning_the_documented_intercept_off_sends_just_enabled(tmp_path: Path) -> None:
    _, body = planned(desired(tmp_path, "    intercept: {enabled: false}\n"), DOCUMENTED)
    assert body == request_body("intercept.yaml", 2)
    assert put(body) == (204, {})


TRANSFER_MEANINGS = (
    "contract contradiction 8: outgoing.transferEnabled means 'route outbound calls to a number' in the "
    "2025 spec and 'allow transfer' in the 2026 one; the field's description names both until a source "
    "settles it"
)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=TRANSFER_MEANINGS)
def test_outgoing_transfer_enabled_has_one_documented_meaning() -> None:
    spec = field_spec("intercept.outgoing.transferEnabled")
    assert spec is not None
    assert "disagree" not in spec.description


# --- end to end, through the installed CLI ---------------------------------------------------------------

FILE = """\
version: 1
locations:
  - name: Denver
    intercept:
      enabled: true
      outgoing: {type: ALLOW_LOCAL_ONLY, destination: "2147691007"}
  - name: Paris
    outsideDialDigit: "9"
"""


def test_plan_marks_it_disruptive_apply_makes_it_and_the_next_plan_is_clean(
    server: ServerThread, tmp_path: Path
) -> None:
    path = tmp_path / "l.yaml"
    path.write_text(FILE, encoding="utf-8")
    text = wxc("plan", str(path), "--detailed-exitcode", base_url=server.base_url)
    assert text.returncode == 2, text.stderr
    assert "call intercept  (disruptive: intercepts the location's calls)" in text.stdout
    assert re.search(r"\n +intercept\.enabled +false → true\n", text.stdout), text.stdout
    reads = gets(server)
    mine = f"/v1/telephony/config/locations/{loc_id('Denver')}/intercept"
    assert reads.count(mine) == 1
    assert mine.replace(loc_id("Denver"), loc_id("Paris")) not in reads

    markdown = wxc("plan", str(path), "--format", "markdown", base_url=server.base_url).stdout
    assert "intercepts the location's calls" in markdown
    document = json.loads(wxc("plan", str(path), "--format", "json", base_url=server.base_url).stdout)
    (step,) = [s for s in document["steps"] if s["kind"] == "intercept"]
    assert step["disruptive"] is True
    assert step["body"] == {
        "enabled": True,
        "outgoing": {"type": "ALLOW_LOCAL_ONLY", "destination": "2147691007"},
    }
    assert step["basis"] == {"enabled": False, "outgoing": {"type": "INTERCEPT_ALL", "destination": None}}

    refused = wxc("apply", str(path), "--max-changes", "0", base_url=server.base_url)
    assert refused.returncode == 4, refused.stdout + refused.stderr
    assert not puts(server)

    applied = wxc("apply", str(path), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert [p for p in puts(server) if p[0].endswith("/intercept")] == [(mine, step["body"])]
    again = wxc("plan", str(path), "--detailed-exitcode", base_url=server.base_url)
    assert again.returncode == 0, again.stdout
