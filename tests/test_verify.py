from dataclasses import replace

import pytest
from test_planfile import DETAILS as DENVER
from test_planfile import PSTN as PARIS

from reconciler import __version__
from reconciler.diff import FieldChange
from reconciler.plan import Plan, Step
from reconciler.planfile import SavedPlan, StalePlan, from_json, save, to_json
from reconciler.state import CurrentState, LocationState
from reconciler.target import Target
from reconciler.verify import check

# The fresh plan: Denver's routing prefix, then Paris's PSTN connection, as the org is now.
CURRENT = CurrentState(
    calling_locations=(),
    locations={
        "Denver": LocationState("L1", "Denver", details={**DENVER.basis, "other": "not in the basis"}),
        "Paris": LocationState("L2", "Paris", pstn={**PARIS.basis, "displayName": "not in the basis"}),
    },
)
FRESH = Plan((DENVER, PARIS), unchanged=("Berlin",))


def saved(*steps: Step, version: str = __version__) -> SavedPlan:
    return SavedPlan(Plan(steps), Target("https://webexapis.com/v1", None), {}, version, "now")


def refusal(plan: SavedPlan, fresh: Plan = FRESH, current: CurrentState = CURRENT) -> StalePlan:
    with pytest.raises(StalePlan) as refused:
        check(plan, fresh, current, "plan.json")
    return refused.value


def test_the_same_steps_pass_even_after_a_round_trip_through_the_file() -> None:
    check(saved(DENVER, PARIS), FRESH, CURRENT, "plan.json")
    written = save(Plan((DENVER, PARIS), unchanged=("padding",) * 50), Target("u", None), [], __version__)
    check(from_json(to_json(written), "plan.json"), FRESH, CURRENT, "plan.json")


def test_a_merely_stale_plan_says_what_changed_in_todays_words() -> None:
    now = replace(CURRENT.locations["Denver"], details={**DENVER.basis, "routingPrefix": "150"})
    current = replace(CURRENT, locations={**CURRENT.locations, "Denver": now})
    fresh_denver = replace(
        DENVER,
        changes=(FieldChange("routingPrefix", "150", "212"),),
        basis={**DENVER.basis, "routingPrefix": "150"},
    )
    refused = refusal(saved(DENVER, PARIS), Plan((fresh_denver, PARIS)), current)
    assert refused.headline == "The saved plan is stale"
    assert refused.reasons == ['Denver location details: routingPrefix was "100" when planned, is "150" now']


def test_a_stale_step_that_a_fresh_plan_no_longer_needs_still_says_what_changed() -> None:
    now = replace(CURRENT.locations["Denver"], details={**DENVER.basis, "routingPrefix": "212"})
    current = replace(CURRENT, locations={**CURRENT.locations, "Denver": now})
    assert refusal(saved(DENVER, PARIS), Plan((PARIS,)), current).reasons == [
        'Denver location details: routingPrefix was "100" when planned, is "212" now'
    ]


def forged(step: Step, **changes: object) -> SavedPlan:
    return saved(*(replace(s, **changes) if s is step else s for s in (DENVER, PARIS)))  # type: ignore[arg-type]


def test_a_body_with_more_or_other_fields_is_named_field_by_field() -> None:
    refused = refusal(forged(DENVER, body={"routingPrefix": 212, "connection": {"type": "TRUNK", "id": "X"}}))
    assert refused.headline == "plan.json does not match a fresh plan of the desired state against the org"
    assert refused.reasons == [
        'Denver location details: the saved plan would send "routingPrefix" = 212, a fresh plan "212"',
        'Denver location details: the saved plan would send "connection" = {"type": "TRUNK", "id": "X"}, '
        "a fresh plan does not send it",
    ]
    assert refusal(forged(PARIS, body={})).reasons == [
        'Paris PSTN connection: a fresh plan sends "id" = "O", the saved plan does not'
    ]


def test_another_location_id_or_path_behind_the_same_name_is_named() -> None:
    refused = refusal(forged(DENVER, location_id="L2", path="/telephony/config/locations/L2"))
    assert refused.reasons == [
        'Denver location details: location ID "L2" in the saved plan, "L1" in a fresh plan',
        'Denver location details: path "/telephony/config/locations/L2" in the saved plan, '
        '"/telephony/config/locations/L1" in a fresh plan',
    ]
    assert refusal(forged(DENVER, method="DELETE")).reasons == [
        'Denver location details: method "DELETE" in the saved plan, "PUT" in a fresh plan'
    ]


def test_another_order_extra_missing_and_renamed_steps_are_named() -> None:
    assert refusal(saved(PARIS, DENVER)).reasons == [
        "the saved plan runs Paris PSTN connection before Denver location details; "
        "a fresh plan runs them the other way round"
    ]
    assert refusal(saved(DENVER, PARIS, PARIS)).reasons == [
        "Paris PSTN connection: the saved plan has 2 such steps, a fresh plan 1"
    ]
    assert refusal(saved(DENVER)).reasons == [
        "Paris PSTN connection: a fresh plan has this step (changing pstn.type), the saved plan has none"
    ]
    assert refusal(forged(DENVER, location="London")).reasons == [
        'London location details: the saved plan has this step (PUT "/telephony/config/locations/L1"), '
        "a fresh plan of the desired state has none",
        "Denver location details: a fresh plan has this step (changing routingPrefix), "
        "the saved plan has none",
    ]


def test_changes_or_basis_edited_alone_are_refused_too() -> None:
    assert refusal(forged(DENVER, changes=(FieldChange("routingPrefix", "212", "212"),))).reasons == [
        "Denver location details: the changes the saved plan shows are not the ones a fresh plan finds"
    ]
    assert refusal(forged(DENVER, basis={})).reasons == [
        "Denver location details: the live values the saved plan records are not the ones a fresh plan read"
    ]


def test_a_plan_made_by_another_version_says_so_when_it_differs() -> None:
    refused = refusal(saved(replace(PARIS, body={"id": "O", "old": True}), version="0.0.1"), Plan((PARIS,)))
    assert refused.reasons[-1] == (
        f"plan.json was made by wxc-reconcile 0.0.1; this is {__version__}, "
        "which may plan the same files differently"
    )


def test_forged_text_is_shown_on_one_line_and_cut_short() -> None:
    name = "Denver\n::error::forged" + "x" * 10_000
    (reason, *_) = refusal(forged(DENVER, location=name, body={"routingPrefix": "\u202e" * 5000})).reasons
    assert "\n" not in reason and "\u202e" not in reason
    assert len(reason) < 600 and "characters)" in reason
