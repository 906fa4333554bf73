import pytest

from reconciler.desired.model import DesiredPstn
from reconciler.diff import FieldChange, identical, project
from reconciler.resources.details import diff_details
from reconciler.resources.pstn import current_pstn_view, diff_pstn

LIVE = {
    "id": "L1",
    "name": "Denver",
    "announcementLanguage": "en_us",
    "callingLineId": {"name": "Denver Main", "phoneNumber": "+12145555698"},
    "outsideDialDigit": "9",
    "enforceOutsideDialDigit": False,
    "routingPrefix": "100",
    "userLimit": 500,
}


def test_equal_managed_fields_give_no_change() -> None:
    assert diff_details({"routingPrefix": "100", "outsideDialDigit": "9"}, LIVE) == ()


def test_absent_fields_are_not_managed_even_when_they_differ() -> None:
    # routingPrefix differs live, but the desired state does not mention it.
    assert diff_details({"announcementLanguage": "en_us"}, LIVE) == ()


def test_null_means_clear_and_differs_from_a_live_value() -> None:
    assert diff_details({"outsideDialDigit": None}, LIVE) == (FieldChange("outsideDialDigit", "9", None),)


def test_null_equals_a_field_the_api_leaves_out() -> None:
    assert diff_details({"chargeNumber": None, "pAccessNetworkInfo": None}, LIVE) == ()


def test_a_value_for_a_field_the_api_leaves_out_is_a_change_from_null() -> None:
    assert diff_details({"chargeNumber": "+14158952369"}, LIVE) == (
        FieldChange("chargeNumber", None, "+14158952369"),
    )


def test_type_matters_boolean_is_not_string() -> None:
    assert diff_details({"enforceOutsideDialDigit": True}, LIVE) == (
        FieldChange("enforceOutsideDialDigit", False, True),
    )


def test_calling_line_id_diffs_only_the_managed_sub_fields() -> None:
    assert diff_details({"callingLineId": {"name": "Denver Incoming"}}, LIVE) == (
        FieldChange("callingLineId.name", "Denver Main", "Denver Incoming"),
    )
    assert diff_details({"callingLineId": {"phoneNumber": "+12145555698"}}, LIVE) == ()


def test_changes_come_in_the_order_fields_are_written() -> None:
    desired = {"routingPrefix": "212", "announcementLanguage": "fr_fr", "outsideDialDigit": "0"}
    fields = [c.field for c in diff_details(desired, LIVE)]
    assert fields == ["routingPrefix", "announcementLanguage", "outsideDialDigit"]


def test_project_reads_missing_keys_and_non_mappings_as_null() -> None:
    shape = {"a": None, "b": {"x": None}}
    assert project({"b": "oops", "c": 1}, shape) == {"a": None, "b": {"x": None}}


CCP = {"id": "O1", "displayName": "Pure IP Cloud", "pstnConnectionType": "NON_INTEGRATED_CCP"}
LGW = {"pstnConnectionType": "LOCAL_GATEWAY", "routeType": "TRUNK", "routeId": "T1", "id": "LG"}
ROUTES = {"T1": "Denver-LGW", "R1": "US-RG"}


def test_pstn_same_provider_by_name_is_no_change() -> None:
    assert diff_pstn(DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud"), CCP, ROUTES) == ()


def test_pstn_same_provider_by_id_is_no_change() -> None:
    assert diff_pstn(DesiredPstn("NON_INTEGRATED_CCP", connection_id="O1"), CCP, ROUTES) == ()


def test_pstn_same_trunk_is_no_change_whatever_the_option_id() -> None:
    assert diff_pstn(DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), LGW, ROUTES) == ()


def test_pstn_from_cloud_to_trunk_shows_routes_by_name() -> None:
    changes = diff_pstn(DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), CCP, ROUTES)
    assert changes == (
        FieldChange("pstn.type", "NON_INTEGRATED_CCP", "LOCAL_GATEWAY"),
        FieldChange("pstn.trunk", None, "Denver-LGW"),
        FieldChange("pstn.provider", "Pure IP Cloud", None),
    )


def test_pstn_from_trunk_to_route_group_clears_the_trunk() -> None:
    changes = diff_pstn(DesiredPstn("LOCAL_GATEWAY", route_group="US-RG"), LGW, ROUTES)
    assert changes == (
        FieldChange("pstn.trunk", "Denver-LGW", None),
        FieldChange("pstn.routeGroup", None, "US-RG"),
    )


def test_pstn_unknown_route_id_is_shown_as_the_id() -> None:
    view = current_pstn_view({**LGW, "routeId": "T9"}, ROUTES, {"trunk": None})
    assert view == {"trunk": "T9"}


def test_pstn_unknown_connection_type_is_read_not_crashed_on() -> None:
    live = {"pstnConnectionType": "SOMETHING_NEW", "displayName": "X"}
    changes = diff_pstn(DesiredPstn("NON_INTEGRATED_CCP", provider="X"), live, ROUTES)
    assert changes == (FieldChange("pstn.type", "SOMETHING_NEW", "NON_INTEGRATED_CCP"),)


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
