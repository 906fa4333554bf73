from reconciler.diff import FieldChange
from reconciler.plan import Plan, Step
from reconciler.safety import Thresholds, check


def plan(changed: int, unchanged: int) -> Plan:
    steps = tuple(
        Step(
            f"L{i}",
            f"ID{i}",
            "details",
            "PUT",
            f"/p/{i}",
            {"outsideDialDigit": "9"},
            (FieldChange("x", 1, 2),),
        )
        for i in range(changed)
    )
    return Plan(steps, tuple(f"U{i}" for i in range(unchanged)))


def test_within_the_default_share_is_safe() -> None:
    assert check(plan(3, 7), Thresholds()) is None  # exactly 30 %


def test_above_the_share_is_refused_with_the_numbers() -> None:
    assert check(plan(4, 6), Thresholds()) == (
        "4 of 10 managed locations (40%) would change, more than --max-changes-pct 30%"
    )


def test_share_is_not_judged_below_ten_managed_locations() -> None:
    assert check(plan(9, 0), Thresholds()) is None


def test_absolute_limit_applies_at_any_size() -> None:
    assert (
        check(plan(3, 0), Thresholds(max_changes=2)) == "3 locations would change, more than --max-changes 2"
    )
    assert check(plan(2, 0), Thresholds(max_changes=2)) is None


def test_custom_share() -> None:
    assert check(plan(6, 14), Thresholds(max_changes_pct=25)) is not None
    assert check(plan(6, 14), Thresholds(max_changes_pct=50)) is None


def test_steps_of_one_location_count_once() -> None:
    step = plan(1, 0).steps[0]
    twice = Plan((step, step), tuple(f"U{i}" for i in range(9)))
    assert check(twice, Thresholds(max_changes_pct=10)) is None  # 1 of 10 locations
