import pytest

from reconciler.diff import FieldChange, identical, project
from reconciler.resources.details import diff_details


def test_project_reads_missing_keys_and_non_mappings_as_null() -> None:
    shape = {"a": None, "b": {"x": None}}
    assert project({"b": "oops", "c": 1}, shape) == {"a": None, "b": {"x": None}}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (1, 1.0),
        (0, False),
        (1, True),
        ("1", 1),
        (None, ""),
        ({"a": {"b": [1, 2]}}, {"a": {"b": [2, 1]}}),
        ({"a": [1]}, {"a": (1,)}),
    ],
)
def test_identical_is_false_wherever_deepdiff_reports_something(before: object, after: object) -> None:
    """The fast path may only skip deepdiff where deepdiff would find nothing: types count, order counts."""
    assert not identical(before, after)
    assert diff_details({"f": after}, {"f": before}) != ()


def test_identical_values_skip_to_no_change_and_nested_equal_values_are_identical() -> None:
    value = {"callingLineId": {"name": "HQ", "phoneNumber": None}, "list": [1, "a", {"x": False}]}
    assert identical(
        value, {"callingLineId": {"name": "HQ", "phoneNumber": None}, "list": [1, "a", {"x": False}]}
    )
    assert diff_details(value, value) == ()
    assert not identical({"a": 1}, {"a": 1, "b": None})


def test_a_type_change_is_still_reported_with_both_values() -> None:
    """1 == 1.0 in Python, but the API would receive another JSON value: deepdiff still sees it."""
    changes = diff_details({"outsideDialDigit": 1}, {"outsideDialDigit": 1.0})
    assert changes == (FieldChange("outsideDialDigit", 1.0, 1),)
