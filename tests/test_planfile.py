import json
from pathlib import Path
from typing import Any

import pytest

from reconciler import planfile
from reconciler.diff import FieldChange
from reconciler.plan import Plan, Step
from reconciler.planfile import (
    MAX_DEPTH,
    PlanFileError,
    SavedPlan,
    StalePlan,
    check_desired,
    check_selection,
    check_target,
    fingerprint,
    from_json,
    orgs_from_json,
    read,
    save,
    to_json,
    to_json_orgs,
)
from reconciler.selection import EVERYTHING, Selection
from reconciler.target import Target

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


def document_of(tmp_path: Path) -> dict[str, Any]:
    return json.loads(to_json(saved_for(tmp_path)[0]))  # type: ignore[no-any-return]


def set_at(document: dict[str, Any], dotted: str, value: Any) -> None:
    """Set `plan.steps.0.body` and the like: keys and list indexes separated by dots."""
    *parents, last = dotted.split(".")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value


@pytest.mark.parametrize(
    ("dotted", "value", "said"),
    [
        ("formatVersion", "1", "formatVersion is a string, not a whole number"),
        ("target", "https://webexapis.com/v1", "target is a string, not an object"),
        ("target.orgId", 7, "target.orgId is a number, not a string"),
        ("desired.files", {}, "desired.files is an object, not a list"),
        ("plan", [], "plan is a list, not an object"),
        ("plan.steps", {"0": {}}, "plan.steps is an object, not a list"),
        ("plan.steps.0", "PUT", r"plan.steps\[0\] is a string, not an object"),
        ("plan.steps.0.kind", "callQueue", r'plan.steps\[0\].kind is "callQueue", which this'),
        ("plan.steps.0.kind", None, r"plan.steps\[0\].kind is null, not a string"),
        ("plan.steps.0.locationId", 5, r"plan.steps\[0\].locationId is a number, not a string"),
        ("plan.steps.0.location", "", r"plan.steps\[0\].location is an empty string"),
        ("plan.steps.0.body", [["routingPrefix", "212"]], r"plan.steps\[0\].body is a list, not an object"),
        ("plan.steps.0.changes", [], r"plan.steps\[0\].changes is an empty list"),
        ("plan.steps.0.changes", {"field": "x"}, r"plan.steps\[0\].changes is an object, not a list"),
        ("plan.steps.0.changes.0.field", None, r"plan.steps\[0\].changes\[0\].field is null, not a string"),
        ("plan.steps.1.basis", None, r"plan.steps\[1\].basis is null, not an object"),
        ("plan.unchanged", "Berlin", "plan.unchanged is a string, not a list"),
        ("plan.unchanged", [1], r"plan.unchanged\[0\] is a number, not a string"),
        ("currentState", None, "currentState is null, not a list"),
        ("currentState.0", "sha256:00", r"currentState\[0\] is a string, not an object"),
    ],
)
def test_a_hand_edited_file_names_the_field_and_what_is_wrong(
    tmp_path: Path, dotted: str, value: Any, said: str
) -> None:
    document = document_of(tmp_path)
    set_at(document, dotted, value)
    with pytest.raises(PlanFileError, match=rf"^plan\.json: damaged saved plan: {said}"):
        from_json(json.dumps(document), "plan.json")


def test_an_unknown_step_kind_is_never_read_as_another_kind(tmp_path: Path) -> None:
    document = document_of(tmp_path)
    assert document["plan"]["steps"][1]["kind"] == "pstn"
    for kind in ("PSTN", "details ", "pstn\n"):
        document["plan"]["steps"][1]["kind"] = kind
        with pytest.raises(PlanFileError, match="does not know"):
            from_json(json.dumps(document), "plan.json")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"kind": "wxc-reconcile-plan", "formatVersion": NaN}', "NaN is not a JSON number"),
        ('{"kind": "wxc-reconcile-plan", "kind": "wxc-reconcile-plan"}', 'the key "kind" appears twice'),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
    ids=["nan", "duplicate-key", "deep-nesting"],
)
def test_what_json_allows_but_no_saved_plan_holds_is_refused(text: str, said: str) -> None:
    with pytest.raises(PlanFileError, match=rf"^plan\.json: not a saved plan \(.*{said}"):
        from_json(text, "plan.json")


def test_nesting_deeper_than_any_plan_and_lone_surrogates_are_refused(tmp_path: Path) -> None:
    document = document_of(tmp_path)
    deep: Any = "x"
    for _ in range(MAX_DEPTH):
        deep = {"a": deep}
    document["plan"]["steps"][0]["body"] = deep
    with pytest.raises(PlanFileError, match=f"damaged saved plan: .*more than {MAX_DEPTH} levels deep"):
        from_json(json.dumps(document), "plan.json")
    document = document_of(tmp_path)
    document["plan"]["steps"][0]["location"] = "Den\ud800ver"
    with pytest.raises(PlanFileError, match="lone surrogate"):
        from_json(json.dumps(document), "plan.json")


def test_reading_is_bounded_and_needs_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plan.json"
    path.write_text(to_json(saved_for(tmp_path)[0]))
    assert read(path).plan == PLAN
    monkeypatch.setattr(planfile, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(PlanFileError, match=r"plan\.json: not a saved plan \(larger than"):
        read(path)
    path.write_bytes(b'{"kind": "\xff"}')
    monkeypatch.undo()
    with pytest.raises(PlanFileError, match="not UTF-8 at byte 10"):
        read(path)
    with pytest.raises(PlanFileError, match="cannot read the saved plan: No such file"):
        read(tmp_path / "missing.json")


# --- a project's plan: one part per org ------------------------------------------------------------------


def parts_for(tmp_path: Path) -> list[SavedPlan]:
    desired = tmp_path / "locations.yaml"
    desired.write_text("version: 1\n")
    acme = save(PLAN, TARGET, [str(desired)], "1.2.3", "acme", Selection(("D*",), ("Dallas",)))
    globex = save(
        Plan((), unchanged=("Paris",)), Target(TARGET.base_url, "ORG-G"), [str(desired)], "1.2.3", "globex"
    )
    return [acme, globex]


def test_a_projects_plan_round_trips_with_org_keys_and_selections(tmp_path: Path) -> None:
    parts = parts_for(tmp_path)
    read_back = orgs_from_json(to_json_orgs(parts), "plan.json")
    assert read_back == parts
    assert [(p.org, p.selection) for p in read_back] == [
        ("acme", Selection(("D*",), ("Dallas",))),
        ("globex", EVERYTHING),
    ]


def test_a_one_org_plan_where_a_projects_is_expected_says_what_to_do(tmp_path: Path) -> None:
    saved, _ = saved_for(tmp_path)
    with pytest.raises(
        PlanFileError, match="plan of one org made without a project: apply it with the PATHS"
    ):
        orgs_from_json(to_json(saved), "plan.json")


def test_a_projects_plan_where_a_one_org_plan_is_expected_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(
        PlanFileError, match="plan of a project's orgs: apply it in the project, without PATHS"
    ):
        from_json(to_json_orgs(parts_for(tmp_path)), "plan.json")


def test_two_parts_for_one_org_are_refused(tmp_path: Path) -> None:
    acme, _ = parts_for(tmp_path)
    with pytest.raises(PlanFileError, match="each org's part must name a different org"):
        orgs_from_json(to_json_orgs([acme, acme]), "plan.json")


def test_a_part_without_an_org_is_refused(tmp_path: Path) -> None:
    saved, _ = saved_for(tmp_path)
    with pytest.raises(PlanFileError, match="each org's part must name a different org"):
        orgs_from_json(to_json_orgs([saved]), "plan.json")


def test_a_project_plan_without_parts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="damaged saved plan"):
        orgs_from_json(to_json_orgs([]), "plan.json")


def test_a_hand_edited_part_is_refused(tmp_path: Path) -> None:
    document = json.loads(to_json_orgs(parts_for(tmp_path)))
    document["orgs"][0]["plan"]["steps"][0]["basis"]["routingPrefix"] = "555"
    with pytest.raises(PlanFileError, match="edited by hand"):
        orgs_from_json(json.dumps(document), "plan.json")


def test_a_part_of_another_kind_is_refused(tmp_path: Path) -> None:
    document = json.loads(to_json_orgs(parts_for(tmp_path)))
    document["orgs"][1]["kind"] = "something-else"
    with pytest.raises(PlanFileError, match=r"damaged saved plan: .*kind is not 'wxc-reconcile-plan'"):
        orgs_from_json(json.dumps(document), "plan.json")


def test_a_part_of_another_format_is_stale(tmp_path: Path) -> None:
    document = json.loads(to_json_orgs(parts_for(tmp_path)))
    document["orgs"][1]["formatVersion"] = 99
    with pytest.raises(StalePlan, match="plan format 99"):
        orgs_from_json(json.dumps(document), "plan.json")


def test_the_selection_is_recorded_and_another_is_refused_with_the_reason(tmp_path: Path) -> None:
    acme, _ = parts_for(tmp_path)
    document = json.loads(to_json_orgs([acme]))
    assert document["orgs"][0]["selection"] == {"locations": ["D*"], "exclude": ["Dallas"]}
    assert check_selection(acme, Selection(("D*",), ("Dallas",)), "plan.json") == []
    assert check_selection(acme, EVERYTHING, "plan.json") == [
        "plan.json was made for --location D* --exclude Dallas, not every location: "
        "apply it with the same selection"
    ]


def test_a_plan_without_a_selection_was_made_for_every_location(tmp_path: Path) -> None:
    saved, _ = saved_for(tmp_path)
    document = json.loads(to_json(saved))
    document["selection"] = None
    assert from_json(json.dumps(document), "plan.json").selection == EVERYTHING
