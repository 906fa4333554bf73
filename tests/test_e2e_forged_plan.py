"""End to end: a saved plan is a CI artifact whoever opened the pull request can write. Each forgery is
made as a careful attacker would (the recorded fingerprints recomputed, so the file is consistent) and
given to the installed CLI against the simulator over real HTTP: it must be refused, and no PUT sent."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from clirun import EXAMPLE, TOKEN, loc_id, writes, wxc

from reconciler import planfile
from reconciler.planfile import fingerprint
from reconciler.resources import KINDS
from reconciler.sandbox import SandboxOrg, SandboxSettings, ServerThread, webex_id

Document = dict[str, Any]


def saved_plan(server: ServerThread, tmp_path: Path, desired: Path = EXAMPLE) -> Document:
    plan_file = tmp_path / "reviewed.json"
    planned = wxc("plan", str(desired), "--out", str(plan_file), base_url=server.base_url)
    assert planned.returncode == 0, planned.stderr
    document: Document = json.loads(plan_file.read_text())
    return document


def edited(server: ServerThread, tmp_path: Path, edit: Callable[[Document], Any]) -> Document:
    """The plan of the example, as `plan --out` saved it, then edited."""
    document = saved_plan(server, tmp_path)
    edit(document)
    return document


def write_forged(document: Document, tmp_path: Path) -> Path:
    """The document as a consistent file: its fingerprints recomputed from the (edited) steps."""
    steps = document["plan"]["steps"]
    document["currentState"] = [
        {
            "location": s["location"],
            "locationId": s["locationId"],
            "endpoint": s["kind"],
            "fingerprint": fingerprint(s["basis"]),
        }
        for s in steps
    ]
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document))
    return path


def step_of(document: Document, location: str, kind: str) -> dict[str, Any]:
    return next(s for s in document["plan"]["steps"] if s["location"] == location and s["kind"] == kind)


def apply_forged(server: ServerThread, path: Path, desired: Path = EXAMPLE) -> tuple[int, str]:
    server.requests.clear()
    result = wxc("apply", "--plan", str(path), str(desired), base_url=server.base_url)
    assert "Traceback" not in result.stderr
    assert writes(server) == [], "a forged plan sent a request that changes the org"
    return result.returncode, result.stderr


def add_connection(document: Document) -> None:
    """The details step of Paris also moves its calls to a trunk of the attacker's choosing."""
    step_of(document, "Paris", "details")["body"]["connection"] = {
        "type": "TRUNK",
        "id": webex_id("TRUNK", "Denver-LGW"),
    }


def another_location_id(document: Document) -> None:
    """The step still says Denver (and the report would), but the PUT goes to London."""
    step = step_of(document, "Denver", "details")
    step["locationId"] = loc_id("London")
    step["path"] = f"/telephony/config/locations/{loc_id('London')}"


def another_path_only(document: Document) -> None:
    step_of(document, "London", "details")["path"] = f"/telephony/config/locations/{loc_id('Berlin')}"


def reordered(document: Document) -> None:
    """The details step (with its routing-prefix job) before the PSTN step it depends on."""
    steps = document["plan"]["steps"]
    pstn, details = (
        steps.index(step_of(document, "Denver", "pstn")),
        steps.index(step_of(document, "Denver", "details")),
    )
    steps[pstn], steps[details] = steps[details], steps[pstn]


def extra_step(document: Document) -> None:
    """A step for a location that needs none: a routing prefix for Berlin."""
    unchanged = document["plan"]["unchanged"][0]
    document["plan"]["steps"].append(
        {
            "location": unchanged,
            "locationId": loc_id(unchanged),
            "kind": "details",
            "method": "PUT",
            "path": f"/telephony/config/locations/{loc_id(unchanged)}",
            "body": {"routingPrefix": "999"},
            "disruptive": True,
            "changes": [{"field": "routingPrefix", "before": "300", "after": "999", "disruptive": True}],
            "basis": {"routingPrefix": "300"},
        }
    )


def duplicated_step(document: Document) -> None:
    document["plan"]["steps"].append(copy.deepcopy(step_of(document, "London", "details")))


def removed_step(document: Document) -> None:
    """The PSTN move left out: the details would be applied without it."""
    document["plan"]["steps"].remove(step_of(document, "Denver", "pstn"))


def renamed_step(document: Document) -> None:
    """London's step, labelled Berlin: the report would name Berlin."""
    step_of(document, "London", "details")["location"] = "Berlin"


def changed_value(document: Document) -> None:
    step_of(document, "Denver", "details")["body"]["routingPrefix"] = "666"


def harmless_looking_changes(document: Document) -> None:
    """What reviewers would read made to look harmless; the body is left as planned."""
    step = step_of(document, "Denver", "details")
    step["changes"] = [{"field": "chargeNumber", "before": None, "after": "+14158952369"}]


FORGERIES: dict[str, tuple[Callable[[Document], None], str]] = {
    "body gains connection": (
        add_connection,
        'Paris location details: the saved plan would send "connection" = {"type": "TRUNK", "id": ',
    ),
    "another location ID behind the same name": (
        another_location_id,
        f'Denver location details: location ID "{loc_id("London")}" in the saved plan, "{loc_id("Denver")}"',
    ),
    "another path only": (another_path_only, "London location details: path "),
    "reordered": (
        reordered,
        "the saved plan runs Denver location details before Denver PSTN connection; "
        "a fresh plan runs them the other way round",
    ),
    "extra step": (extra_step, "Berlin location details: the saved plan has this step (PUT "),
    "duplicated step": (duplicated_step, "London location details: the saved plan has 2 such steps"),
    "removed step": (removed_step, "Denver PSTN connection: a fresh plan has this step (changing pstn."),
    "renamed step": (renamed_step, "London location details: a fresh plan has this step"),
    "changed value": (
        changed_value,
        'Denver location details: the saved plan would send "routingPrefix" = "666", a fresh plan "212"',
    ),
    "harmless-looking changes": (
        harmless_looking_changes,
        "the changes the saved plan shows are not the ones",
    ),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_plan_is_refused_naming_the_difference_and_sends_nothing(
    server: ServerThread, tmp_path: Path, name: str
) -> None:
    forge, said = FORGERIES[name]
    code, stderr = apply_forged(server, write_forged(edited(server, tmp_path, forge), tmp_path))
    assert code == 5, stderr
    assert "forged.json does not match a fresh plan of the desired state against the org" in stderr
    assert said in stderr
    assert "nothing was applied" in stderr


def test_the_genuine_plan_of_the_same_run_still_applies(server: ServerThread, tmp_path: Path) -> None:
    """The forgeries above are refused for what they changed, not because saved plans never apply."""
    document = saved_plan(server, tmp_path)
    server.requests.clear()
    result = wxc(
        "apply", "--plan", str(write_forged(document, tmp_path)), str(EXAMPLE), base_url=server.base_url
    )
    assert result.returncode == 0, result.stderr
    assert sorted(writes(server), key=repr) == sorted(
        (("/v1" + s["path"], s["body"]) for s in document["plan"]["steps"]), key=repr
    )


def test_what_is_sent_is_the_fresh_plan_never_the_bytes_of_the_file(
    server: ServerThread, tmp_path: Path
) -> None:
    """The same body spelled another way (its keys in reverse order) is the same step; what is sent is
    spelled as the fresh plan spells it."""
    document = saved_plan(server, tmp_path)
    step = step_of(document, "Denver", "details")
    planned_order = list(step["body"])
    step["body"] = dict(reversed(step["body"].items()))
    server.requests.clear()
    result = wxc(
        "apply", "--plan", str(write_forged(document, tmp_path)), str(EXAMPLE), base_url=server.base_url
    )
    assert result.returncode == 0, result.stderr
    (sent,) = [body for path, body in writes(server) if path == "/v1" + step["path"]]
    assert isinstance(sent, dict) and list(sent) == planned_order != list(step["body"])


def test_a_plan_from_an_older_version_applies_when_its_steps_are_the_same(
    server: ServerThread, tmp_path: Path
) -> None:
    document = saved_plan(server, tmp_path)
    document["toolVersion"] = "0.0.1"
    server.requests.clear()
    result = wxc(
        "apply", "--plan", str(write_forged(document, tmp_path)), str(EXAMPLE), base_url=server.base_url
    )
    assert result.returncode == 0, result.stderr
    assert len(writes(server)) == len(document["plan"]["steps"])


def test_a_plan_from_an_older_version_that_plans_differently_is_refused_saying_so(
    server: ServerThread, tmp_path: Path
) -> None:
    document = saved_plan(server, tmp_path)
    document["toolVersion"] = "0.0.1"
    step_of(document, "Paris", "pstn")["body"]["pstnConnectionType"] = "NON_INTEGRATED_CCP"
    code, stderr = apply_forged(server, write_forged(document, tmp_path))
    assert code == 5
    assert 'the saved plan would send "pstnConnectionType"' in stderr
    assert "forged.json was made by wxc-reconcile 0.0.1; this is " in stderr


@pytest.fixture
def big_server() -> Iterator[ServerThread]:
    with ServerThread(
        SandboxOrg.generate(20), token=TOKEN, settings=SandboxSettings(job_seconds=0.3)
    ) as running:
        yield running


def test_padding_unchanged_does_not_lower_the_share_judged(big_server: ServerThread, tmp_path: Path) -> None:
    lines = ["version: 1", "locations:"]
    for i in range(1, 21):
        lines += [f"  - name: Site-{i:05d}", f"    enforceOutsideDialDigit: {'true' if i <= 8 else 'false'}"]
    desired = tmp_path / "sites.yaml"
    desired.write_text("\n".join(lines) + "\n")
    document = saved_plan(big_server, tmp_path, desired)
    assert len(document["plan"]["steps"]) == 8
    # 8 of 20 is 40 %, over the 30 % default; 8 of 1,020 would be under 1 %
    document["plan"]["unchanged"] += [f"Padding-{i}" for i in range(1000)]
    document["plan"]["summary"]["locationsUnchanged"] = 1012
    code, stderr = apply_forged(big_server, write_forged(document, tmp_path), desired)
    assert code == 4, stderr
    assert "8 of 20 managed locations (40%) would change, more than --max-changes-pct 30%" in stderr


DAMAGE: dict[str, tuple[Callable[[Document], Any], str]] = {
    "unknown kind": (
        lambda d: d["plan"]["steps"][0].update(kind="mailbox"),
        'plan.steps[0].kind is "mailbox", which this wxc-reconcile does not know '
        f"({', '.join(sorted(KINDS))})",
    ),
    "body is a list": (
        lambda d: d["plan"]["steps"][0].update(body=[["routingPrefix", "999"]]),
        "plan.steps[0].body is a list, not an object",
    ),
    "empty changes": (
        lambda d: d["plan"]["steps"][0].update(changes=[]),
        "plan.steps[0].changes is an empty list",
    ),
    "steps is an object": (
        lambda d: d["plan"].update(steps={"0": d["plan"]["steps"][0]}),
        "plan.steps is an object, not a list",
    ),
    "location ID is a number": (
        lambda d: d["plan"]["steps"][0].update(locationId=42),
        "plan.steps[0].locationId is a number, not a string",
    ),
    "unchanged is an object": (
        lambda d: d["plan"].update(unchanged={"Berlin": True}),
        "plan.unchanged is an object, not a list",
    ),
    "target is missing": (lambda d: d.pop("target"), "target is missing"),
    "deep nesting": (
        lambda d: d["plan"]["steps"][0]["body"].update(x=json.loads("[" * 50 + "]" * 50)),
        f"lists and objects nest more than {planfile.MAX_DEPTH} levels deep",
    ),
}


@pytest.mark.parametrize("name", DAMAGE)
def test_a_damaged_plan_is_invalid_input_naming_the_file_before_any_request(
    server: ServerThread, tmp_path: Path, name: str
) -> None:
    edit, said = DAMAGE[name]
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(edited(server, tmp_path, edit)))
    server.requests.clear()
    result = wxc("apply", "--plan", str(path), str(EXAMPLE), base_url=server.base_url)
    assert result.returncode == 3, result.stderr
    assert f"error: {path}: damaged saved plan: {said}" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"{ this is not json", "not a saved plan (not JSON: "),
        (
            b'{"kind": "wxc-reconcile-plan", "formatVersion": 1, "kind": "x"}',
            'not a saved plan (not JSON: the key "kind" appears twice in one object)',
        ),
        (b"[" * 200_000 + b"]" * 200_000, "not a saved plan (nested too deeply)"),
        (b'{"kind": "wxc-reconcile-plan\xff"}', "not a saved plan (not UTF-8 at byte 28)"),
    ],
    ids=["not-json", "duplicate-key", "deep-nesting", "not-utf8"],
)
def test_a_file_that_is_no_plan_at_all_is_invalid_input(
    server: ServerThread, tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    result = wxc("apply", "--plan", str(path), str(EXAMPLE), base_url=server.base_url)
    assert result.returncode == 3, result.stderr
    assert f"{path}: {said}" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


def test_a_huge_file_is_refused_without_reading_it_all(server: ServerThread, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    with path.open("wb") as file:  # sparse: 1 GiB on paper, nothing on disk
        file.truncate(2**30)
    result = wxc("apply", "--plan", str(path), str(EXAMPLE), base_url=server.base_url)
    assert result.returncode == 3, result.stderr
    assert f"{path}: not a saved plan (larger than 64 MiB)" in result.stderr
    assert server.requests == []
