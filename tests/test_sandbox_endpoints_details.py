"""The simulator's location-details endpoint as a module: its ACCEPTED and NULLABLE say what its PUT rules
do, so the cross-check against the client's field tables checks the rules themselves.

Only the format decides here: the probes are numbers the location owns and prefixes no other location
uses. The org-dependent rules (unknown ids, foreign numbers, duplicate prefixes, countries) and the
handlers are covered over HTTP in test_sandbox_app.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from probes import PROBES, simulator_accepts

from reconciler.sandbox import SandboxOrg, webex_id
from reconciler.sandbox.endpoints import TYPE_WORDS, details
from reconciler.sandbox.org import Location

PARIS_NUMBER = "+33142685300"
PARIS_TRUNK, EU_ROUTE_GROUP = webex_id("TRUNK", "Paris-LGW"), webex_id("ROUTE_GROUP", "EU-RG")
# Sent with a probe where the field's object needs another field to be valid.
COMPANIONS: dict[str, dict[str, Any]] = {
    "callingLineId.name": {"phoneNumber": PARIS_NUMBER},
    "callingLineId.phoneNumber": {"name": "Paris"},
}
# Formats of fields whose value is an id the org must know: a format probe cannot name one.
ORG_IDS = ("connection.id",)


@pytest.fixture
def paris() -> tuple[SandboxOrg, Location]:
    """Paris (FR, so pAccessNetworkInfo may be set), owning every probe as one of its numbers."""
    org = SandboxOrg.seed()
    location = org.locations[webex_id("LOCATION", "Paris")]
    location.numbers.extend(PROBES)
    return org, location


def body_with(path: str, value: Any) -> dict[str, Any]:
    """A PUT body that sends `value` as the (dotted) field `path`, valid but for it."""
    top, _, sub = path.partition(".")
    if not sub:
        return {top: value}
    if top == "connection":
        route = EU_ROUTE_GROUP if value == "ROUTE_GROUP" else PARIS_TRUNK
        return {
            "connection": {"id": route, "type": value} if sub == "type" else {"type": "TRUNK", "id": value}
        }
    return {top: {**COMPANIONS[path], sub: value}}


def accepted(paris: tuple[SandboxOrg, Location], body: dict[str, Any]) -> bool:
    org, location = paris
    return details.check_location_update(body, org, location) == []


STRING_FIELDS = [
    path for path, form in details.ACCEPTED.items() if form not in TYPE_WORDS and path not in ORG_IDS
]


def test_the_put_takes_exactly_the_top_level_fields_of_accepted() -> None:
    assert set(details.DETAIL_RULES) == {path.partition(".")[0] for path in details.ACCEPTED}


def test_every_sub_field_belongs_to_an_object_field() -> None:
    for path in details.ACCEPTED:
        top, _, sub = path.partition(".")
        assert not sub or details.ACCEPTED[top] == "object", path


@pytest.mark.parametrize("path", STRING_FIELDS)
def test_a_string_field_takes_exactly_the_strings_its_format_matches(
    paris: tuple[SandboxOrg, Location], path: str
) -> None:
    form = details.ACCEPTED[path]
    wrong = [p for p in PROBES if accepted(paris, body_with(path, p)) != simulator_accepts(form, p)]
    assert wrong == [], f"{path}: the rules and ACCEPTED {form!r} disagree on {wrong}"
    assert not accepted(paris, body_with(path, 7))


@pytest.mark.parametrize("path", [p for p, form in details.ACCEPTED.items() if form == "boolean"])
def test_a_boolean_field_takes_true_and_false_only(paris: tuple[SandboxOrg, Location], path: str) -> None:
    assert accepted(paris, body_with(path, True))
    assert accepted(paris, body_with(path, False))
    assert not accepted(paris, body_with(path, "true"))
    assert not accepted(paris, body_with(path, 1))


@pytest.mark.parametrize("path", [p for p, form in details.ACCEPTED.items() if form == "object"])
def test_an_object_field_refuses_a_key_accepted_does_not_list(
    paris: tuple[SandboxOrg, Location], path: str
) -> None:
    org, location = paris
    violations = details.check_location_update({path: {"colour": "red"}}, org, location)
    assert len(violations) == 1
    assert "'colour'" in violations[0].description
    assert not accepted(paris, {path: "not an object"})


@pytest.mark.parametrize("path", list(details.ACCEPTED))
def test_null_is_accepted_exactly_where_nullable_says(paris: tuple[SandboxOrg, Location], path: str) -> None:
    assert accepted(paris, body_with(path, None)) == (path in details.NULLABLE)


def test_nullable_names_only_accepted_fields() -> None:
    assert details.NULLABLE.issubset(details.ACCEPTED)


def test_the_details_view_shows_every_field_the_put_takes_that_is_set() -> None:
    """Unset (null) fields are left out, as the live API does; a local gateway shows as its route."""
    org = SandboxOrg.seed()
    paris = org.locations[webex_id("LOCATION", "Paris")]
    view = details.details(org, paris)
    written = set(details.DETAIL_RULES) - {"pAccessNetworkInfo", "chargeNumber"}  # null in the seed
    assert written <= set(view)
    assert view["connection"] == {"type": "TRUNK", "id": PARIS_TRUNK}


# GET /telephony/config/locations, each item as the contract records it.
LIST_ITEM_FIELDS = frozenset(
    {
        "id",
        "name",
        "routingPrefix",
        "outsideDialDigit",
        "enforceOutsideDialDigit",
        "callingLineId",
        "e911SetupRequired",
    }
)


def test_the_list_item_carries_the_contracts_fields_with_the_details_values() -> None:
    """The client takes the detail fields the list carries from it instead of the details: the two views
    must agree on them, and the list must invent none."""
    org = SandboxOrg.seed()
    calling = [location for location in org.locations.values() if location.details is not None]
    assert calling
    for location in calling:
        item, view = details.calling_location_item(location), details.details(org, location)
        assert set(item) <= LIST_ITEM_FIELDS, location.name
        assert {"id", "name", "enforceOutsideDialDigit", "e911SetupRequired"} <= set(item)  # never null
        for field in LIST_ITEM_FIELDS - {"e911SetupRequired"}:
            assert item.get(field) == view.get(field), (location.name, field)
