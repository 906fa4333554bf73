"""resources/details.py: the location details' diff (managed fields only, null clears) and request body."""

import pytest

from reconciler.diff import FieldChange
from reconciler.resources.details import details_body, diff_details, listed_details

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


def test_the_body_holds_only_the_changed_fields_and_calling_line_id_whole() -> None:
    desired = {"routingPrefix": "100", "outsideDialDigit": "7", "callingLineId": {"name": "New"}}
    live = {**LIVE, "connection": {"type": "TRUNK", "id": "T1"}}
    changes = diff_details(desired, live)
    assert [c.field for c in changes] == ["outsideDialDigit", "callingLineId.name"]
    body = details_body(desired, live, changes)
    # unchanged routingPrefix left out, the whole callingLineId with the live number, never `connection`
    assert body == {"outsideDialDigit": "7", "callingLineId": {"name": "New", "phoneNumber": "+12145555698"}}


# --- the calling-locations list's values instead of the details GET -----------------------------------

ITEM = {
    "id": "L1",
    "name": "Denver",
    "routingPrefix": "100",
    "outsideDialDigit": "9",
    "enforceOutsideDialDigit": False,
    "callingLineId": {"name": "Denver Main", "phoneNumber": "+12145555698"},
    "e911SetupRequired": False,
}


def test_fields_the_list_carries_are_taken_from_it() -> None:
    wanted = {"routingPrefix": "212", "enforceOutsideDialDigit": True, "callingLineId": {"name": "X"}}
    assert listed_details(wanted, ITEM) == {
        "routingPrefix": "100",
        "enforceOutsideDialDigit": False,
        "callingLineId": {"name": "Denver Main", "phoneNumber": "+12145555698"},
    }


def test_a_text_field_the_item_leaves_out_is_empty_as_in_the_details_answer() -> None:
    item = {k: v for k, v in ITEM.items() if k != "routingPrefix"}
    item["callingLineId"] = {"phoneNumber": "+12145555698"}  # no name: unset
    assert listed_details({"routingPrefix": None, "callingLineId": {"name": None}}, item) == {
        "routingPrefix": None,
        "callingLineId": {"phoneNumber": "+12145555698"},
    }


@pytest.mark.parametrize("field", ["announcementLanguage", "externalCallerIdName", "chargeNumber"])
def test_a_managed_field_the_list_does_not_carry_needs_the_details(field: str) -> None:
    assert listed_details({"routingPrefix": "100", field: None}, ITEM) is None


@pytest.mark.parametrize(
    ("field", "odd"),
    [
        ("routingPrefix", 100),
        ("outsideDialDigit", ["9"]),
        ("enforceOutsideDialDigit", "true"),
        ("enforceOutsideDialDigit", None),  # a boolean the item leaves out is not known to be anything
        ("callingLineId", None),
        ("callingLineId", "+12145555698"),
        ("callingLineId", {"name": 7, "phoneNumber": "+12145555698"}),
    ],
)
def test_a_value_of_another_shape_than_the_fields_needs_the_details(field: str, odd: object) -> None:
    wanted = {"routingPrefix": "100", "enforceOutsideDialDigit": False, "outsideDialDigit": "9"}
    wanted[field] = ITEM[field]
    assert listed_details(wanted, {**ITEM, field: odd}) is None
    assert listed_details(wanted, ITEM) is not None


def test_no_item_needs_the_details() -> None:
    assert listed_details({"routingPrefix": "100"}, {}) is None
