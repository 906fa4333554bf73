import json
from pathlib import Path

import pytest

from reconciler.diff import FieldChange
from reconciler.plan import Plan, Step
from reconciler.planfile import (
    PlanFileError,
    SavedPlan,
    StalePlan,
    Target,
    check_desired,
    check_target,
    fingerprint,
    from_json,
    save,
    to_json,
)

DETAILS = Step(
    "Denver",
    "L1",
    "details",
    "PUT",
    "/telephony/config/locations/L1",
    {"routingPrefix": "212"},
    (FieldChange("routingPrefix", "100", "212"),),
    basis={"routingPrefix": "100", "callingLineId": {"name": "Main"}},
)
PSTN = Step(
    "Paris",
    "L2",
    "pstn",
    "PUT",
    "/telephony/pstn/locations/L2/connection",
    {"id": "O"},
    (FieldChange("pstn.type", "LOCAL_GATEWAY", "NON_INTEGRATED_CCP"),),
    basis={"pstnConnectionType": "LOCAL_GATEWAY", "routeType": "TRUNK", "routeId": "T1", "id": None},
)
PLAN = Plan((DETAILS, PSTN), unchanged=("Berlin",))
TARGET = Target("https://webexapis.com/v1", None)


def saved_for(tmp_path: Path, text: str = "version: 1\n") -> tuple[SavedPlan, Path]:
    desired = tmp_path / "locations.yaml"
    desired.write_text(text)
    return save(PLAN, TARGET, [str(desired)], "1.2.3"), desired


def test_round_trip_keeps_steps_target_files_and_version(tmp_path: Path) -> None:
    saved, _ = saved_for(tmp_path)
    assert from_json(to_json(saved), "plan.json") == saved


def test_the_file_records_fingerprints_per_location_and_endpoint(tmp_path: Path) -> None:
    saved, desired = saved_for(tmp_path)
    document = json.loads(to_json(saved))
    assert document["kind"] == "wxc-reconcile-plan" and document["formatVersion"] == 1
    assert document["toolVersion"] == "1.2.3" and document["createdAt"].endswith("+00:00")
    assert document["target"] == {"baseUrl": "https://webexapis.com/v1", "orgId": None}
    assert document["desired"]["files"] == [
        {"path": str(desired), "sha256": saved.desired_files[str(desired)]}
    ]
    assert [(e["location"], e["endpoint"]) for e in document["currentState"]] == [
        ("Denver", "details"),
        ("Paris", "pstn"),
    ]
    assert document["currentState"][0]["fingerprint"] == fingerprint(DETAILS.basis)


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": "1"})


@pytest.mark.parametrize("text", ["not json", "[]", '{"kind": "something-else"}'])
def test_what_is_not_a_saved_plan_is_refused(text: str) -> None:
    with pytest.raises(PlanFileError, match=r"plan\.json: not a saved plan"):
        from_json(text, "plan.json")


def test_another_format_version_is_stale_and_says_so(tmp_path: Path) -> None:
    document = json.loads(to_json(saved_for(tmp_path)[0]))
    document["formatVersion"] = 99
    with pytest.raises(StalePlan, match="format 99"):
        from_json(json.dumps(document), "plan.json")


def test_a_hand_edited_step_is_refused(tmp_path: Path) -> None:
    document = json.loads(to_json(saved_for(tmp_path)[0]))
    document["plan"]["steps"][0]["basis"]["routingPrefix"] = "555"
    with pytest.raises(PlanFileError, match="edited by hand"):
        from_json(json.dumps(document), "plan.json")


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    document = json.loads(to_json(saved_for(tmp_path)[0]))
    del document["target"]
    with pytest.raises(PlanFileError, match="damaged"):
        from_json(json.dumps(document), "plan.json")


def test_another_base_url_or_org_is_named(tmp_path: Path) -> None:
    saved, _ = saved_for(tmp_path)
    assert check_target(saved, TARGET, "p") == []
    assert check_target(saved, Target("sandbox", None), "p") == [
        "p was made against https://webexapis.com/v1, not sandbox"
    ]
    assert check_target(saved, Target(TARGET.base_url, "ORG2"), "p") == [
        "p was made for org the token's own org, not ORG2"
    ]


def test_desired_files_compare_by_content_not_spelling(tmp_path: Path) -> None:
    saved, desired = saved_for(tmp_path)
    copy = tmp_path / "sub" / "same.yaml"
    copy.parent.mkdir()
    copy.write_text(desired.read_text())
    assert check_desired(saved, [str(copy)], "p") == []
    desired.write_text("version: 1\nlocations: []\n")
    (reason,) = check_desired(saved, [str(desired)], "p")
    assert f"changed or new: {desired}" in reason and "no longer given as planned" in reason
