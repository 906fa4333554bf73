"""The JSON Schema itself, and how its errors reach the user: one clear message, at the right place."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.desired import InvalidInput, load_desired, schema
from reconciler.desired.loader import load_file
from reconciler.resources import RESOURCES, field_spec
from reconciler.shipped import data_file

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "locations.schema.json"
# In the resources' apply order, each resource's fields in its table's order (the schema is generated).
LOCATION_FIELDS = [
    "pstn",
    "announcementLanguage",
    "callingLineId",
    "externalCallerIdName",
    "pAccessNetworkInfo",
    "outsideDialDigit",
    "enforceOutsideDialDigit",
    "routingPrefix",
    "chargeNumber",
    # then each further endpoint's key, in apply order
    *(spec.name for resource in RESOURCES[2:] for spec in resource.fields),
]


def write(name: str, text: str) -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return name


def errors_of(text: str, name: str = "s.yaml") -> list[str]:
    write(name, text)
    with pytest.raises(InvalidInput) as caught:
        load_desired([name])
    return [str(error) for error in caught.value.errors]


def one_location(body: str) -> str:
    """A file whose single location has `name: Denver` on line 3 and `body` from line 4 on."""
    indented = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
    return f"version: 1\nlocations:\n  - name: Denver\n{indented}\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# --- the schema file ----------------------------------------------------------------------------------


def raw_schema() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return result


def test_schema_is_a_valid_2020_12_schema_and_is_the_one_shipped() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    document = json.loads(text)

    Draft202012Validator.check_schema(document)
    assert text.startswith('{\n  "$schema": "https://json-schema.org/draft/2020-12/schema",')
    assert document["$id"] and document["title"]
    assert data_file("locations.schema.json").resolve() == SCHEMA_PATH
    assert schema.load_schema() == document


def resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (the schema only uses `#/...` pointers)."""
    while "$ref" in node and "description" not in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def test_every_property_has_a_description() -> None:
    root = raw_schema()
    properties = [
        (f"{where}/{name}", sub)
        for where, node in walk(root)
        if isinstance(node.get("properties"), dict)
        for name, sub in node["properties"].items()
    ]

    assert len(properties) >= 20
    for where, sub in properties:
        description = resolve(sub, root).get("description", "")
        assert len(description) > 15, f"{where} has no useful description"


def test_every_object_forbids_additional_properties() -> None:
    objects = [(where, node) for where, node in walk(raw_schema()) if node.get("type") == "object"]

    assert {where for where, _ in objects} >= {
        "#",
        "#/$defs/location",
        "#/$defs/locationFields",
        "#/$defs/locationFields/properties/pstn",
        "#/$defs/locationFields/properties/callingLineId",
    }
    for where, node in objects:
        assert node.get("additionalProperties") is False, where


def test_defaults_and_locations_share_the_location_fields() -> None:
    root = raw_schema()
    location = root["$defs"]["location"]["properties"]

    assert root["properties"]["defaults"]["$ref"] == "#/$defs/locationFields"
    assert list(root["$defs"]["locationFields"]["properties"]) == LOCATION_FIELDS
    assert list(location) == ["name", *LOCATION_FIELDS]
    for field in LOCATION_FIELDS:
        assert location[field] == {"$ref": f"#/$defs/locationFields/properties/{field}"}


def test_descriptions_carry_the_rules_people_need() -> None:
    fields = raw_schema()["$defs"]["locationFields"]["properties"]

    assert all(country in fields["pAccessNetworkInfo"]["description"] for country in ("BE", "DE", "FR"))
    assert "organization-wide" in fields["routingPrefix"]["description"]
    assert "Control Hub" in fields["pstn"]["properties"]["type"]["description"]
    assert "E.164" in fields["chargeNumber"]["description"]


def test_the_design_example_is_valid(tmp_path: Path) -> None:
    example = {
        "version": 1,
        "defaults": {"announcementLanguage": "en_us"},
        "locations": [
            {
                "name": "Denver",
                "pstn": {"type": "LOCAL_GATEWAY", "trunk": "Denver-LGW"},
                "callingLineId": {"name": "Denver Incoming", "phoneNumber": "+12145555698"},
                "externalCallerIdName": "Big Corp-Denver",
                "outsideDialDigit": "9",
                "enforceOutsideDialDigit": True,
                "routingPrefix": "212",
                "chargeNumber": "+14158952369",
            },
            {
                "name": "Paris",
                "pstn": {"type": "NON_INTEGRATED_CCP", "provider": "Pure IP Cloud"},
                "announcementLanguage": "fr_fr",
                "pAccessNetworkInfo": "Paris-75",
            },
        ],
    }

    assert list(Draft202012Validator(raw_schema()).iter_errors(example)) == []


# --- errors, one kind at a time -----------------------------------------------------------------------


def test_unknown_field_at_its_key_with_the_allowed_ones_and_a_suggestion() -> None:
    errors = errors_of(
        one_location(
            """
            routingprefix: "212"
            colour: blue
            """
        )
    )

    allowed = "(allowed: name, " + ", ".join(LOCATION_FIELDS) + ")"
    assert errors == [
        f"s.yaml:4:5: unknown field 'routingprefix'; did you mean 'routingPrefix'? {allowed}",
        f"s.yaml:5:5: unknown field 'colour' {allowed}",
    ]


def test_unknown_field_in_nested_objects_and_at_the_top() -> None:
    errors = errors_of(
        """
        version: 1
        location: []
        locations:
          - name: Denver
            pstn:
              type: LOCAL_GATEWAY
              trunk: A
              trunkName: A
            callingLineId:
              number: "+12145555698"
        """
    )

    assert errors == [
        "s.yaml:2:1: unknown field 'location'; did you mean 'locations'? "
        "(allowed: version, defaults, locations)",
        "s.yaml:8:7: unknown field 'trunkName' in pstn; did you mean 'trunk'? "
        "(allowed: type, trunk, routeGroup, provider, connectionId)",
        "s.yaml:10:7: unknown field 'number' in callingLineId; did you mean 'phoneNumber'? "
        "(allowed: name, phoneNumber)",
    ]


def test_name_cannot_be_defaulted() -> None:
    errors = errors_of(
        """
        version: 1
        defaults:
          name: Everywhere
          announcementLanguage: en_us
        locations: []
        """
    )

    assert errors == ["s.yaml:3:3: 'name' cannot be set in defaults; each location names itself"]


def test_missing_required_fields() -> None:
    assert errors_of("# header\nlocations: []\n") == ["s.yaml:2:1: missing required field 'version'"]
    assert errors_of("version: 1\n") == ["s.yaml:1:1: missing required field 'locations'"]
    errors = errors_of(
        """
        version: 1
        locations:
          - routingPrefix: "212"
          - name: Paris
            pstn:
              provider: Pure IP Cloud
        """
    )
    assert errors == [
        "s.yaml:3:5: missing required field 'name' in this location",
        "s.yaml:5:5: missing required field 'type' in pstn",
    ]


def test_wrong_types_say_what_was_expected() -> None:
    errors = errors_of(
        """
        version: 1
        defaults: [announcementLanguage]
        locations:
          - name: [Denver]
            enforceOutsideDialDigit: "yes"
            callingLineId: Denver Incoming
            pstn: LOCAL_GATEWAY
            externalCallerIdName: {first: Big}
          - Paris
        """
    )

    assert errors == [
        "s.yaml:2:11: defaults must be a mapping, not a list",
        "s.yaml:4:11: name must be a string, not a list",
        's.yaml:5:30: enforceOutsideDialDigit must be true or false, not the string "yes"; '
        "write enforceOutsideDialDigit: true",
        's.yaml:6:20: callingLineId must be a mapping, not the string "Denver Incoming"',
        's.yaml:7:11: pstn must be a mapping, not the string "LOCAL_GATEWAY"',
        "s.yaml:8:27: externalCallerIdName must be a string or null, not a mapping",
        "s.yaml:9:5: a location must be a mapping with at least 'name', not the string \"Paris\"",
    ]


def test_locations_must_be_a_list() -> None:
    assert errors_of("version: 1\nlocations:\n") == [
        "s.yaml:2:1: locations must be a list, not null (write `locations: []` for none)"
    ]
    assert errors_of("version: 1\nlocations: {name: Denver}\n") == [
        "s.yaml:2:12: locations must be a list, not a mapping"
    ]


def test_fields_that_cannot_be_cleared_refuse_null() -> None:
    errors = errors_of(
        one_location(
            """
            announcementLanguage:
            enforceOutsideDialDigit: null
            callingLineId: ~
            externalCallerIdName: null
            """
        )
    )

    assert errors == [
        "s.yaml:4:5: announcementLanguage cannot be null (it cannot be cleared): "
        "give a string, or leave it out",
        "s.yaml:5:30: enforceOutsideDialDigit cannot be null (it cannot be cleared): "
        "give true or false, or leave it out",
        "s.yaml:6:20: callingLineId cannot be null (it cannot be cleared): give a mapping, or leave it out",
    ]


def test_version_must_be_1() -> None:
    assert errors_of("version: 2\nlocations: []\n") == ["s.yaml:1:10: version must be 1, not the number 2"]
    assert errors_of('version: "1"\nlocations: []\n') == [
        's.yaml:1:10: version must be 1, not the string "1"'
    ]
    assert errors_of("version: true\nlocations: []\n") == ["s.yaml:1:10: version must be 1, not true"]


def test_pstn_type_must_be_a_known_type() -> None:
    errors = errors_of(
        """
        version: 1
        locations:
          - name: Denver
            pstn: {type: local_gateway, trunk: A}
          - name: Paris
            pstn: {type: SIP}
        """
    )

    kinds = "LOCAL_GATEWAY, NON_INTEGRATED_CCP, INTEGRATED_CCP, CISCO_PSTN"
    assert errors == [
        f's.yaml:4:18: pstn.type must be one of {kinds}, not the string "local_gateway"; '
        "did you mean LOCAL_GATEWAY?",
        f's.yaml:6:18: pstn.type must be one of {kinds}, not the string "SIP"',
    ]


def test_empty_strings_and_empty_objects() -> None:
    errors = errors_of(
        one_location(
            """
            pstn:
              type: LOCAL_GATEWAY
              trunk: ""
            callingLineId: {}
            """
        )
    )

    assert errors == [
        "s.yaml:6:14: pstn.trunk must not be empty",
        "s.yaml:7:20: callingLineId must not be empty: give name or phoneNumber (or leave callingLineId out)",
    ]


# --- numbers where text was meant: the quoted form, exactly as written -------------------------------


def test_unquoted_digits_and_numbers_show_the_quoted_form() -> None:
    errors = errors_of(
        one_location(
            """
            outsideDialDigit: 9
            routingPrefix: 0212
            chargeNumber: +14158952369
            callingLineId:
              phoneNumber: +12145555698
            externalCallerIdName: 1234
            pAccessNetworkInfo: 7.5
            """
        )
    )

    assert errors == [
        's.yaml:4:23: outsideDialDigit must be a string of digits; write it quoted: outsideDialDigit: "9"',
        's.yaml:5:20: routingPrefix must be a string of digits; write it quoted: routingPrefix: "0212"',
        "s.yaml:6:19: chargeNumber must be an E.164 number written as a string; "
        'write it quoted: chargeNumber: "+14158952369"',
        "s.yaml:8:20: callingLineId.phoneNumber must be an E.164 number written as a string; "
        'write it quoted: phoneNumber: "+12145555698"',
        's.yaml:9:27: externalCallerIdName must be a string; write it quoted: externalCallerIdName: "1234"',
        's.yaml:10:25: pAccessNetworkInfo must be a string; write it quoted: pAccessNetworkInfo: "7.5"',
    ]


def test_quoted_hint_in_flow_style_and_in_defaults() -> None:
    errors = errors_of(
        """
        version: 1
        defaults: {routingPrefix: 0212, outsideDialDigit: 9}
        locations:
          - name: Denver
          - name: Paris
        """
    )

    # reported once, at the defaults entry, although two locations inherit it
    assert errors == [
        's.yaml:2:27: routingPrefix must be a string of digits; write it quoted: routingPrefix: "0212"',
        's.yaml:2:51: outsideDialDigit must be a string of digits; write it quoted: outsideDialDigit: "9"',
    ]


# --- pattern problems are reported once, by the rules -------------------------------------------------


def test_pattern_problems_are_reported_once_with_the_clear_message() -> None:
    errors = errors_of(
        one_location(
            """
            routingPrefix: "12345678"
            outsideDialDigit: "99"
            chargeNumber: "4158952369"
            announcementLanguage: en_US
            """
        )
    )

    assert len(errors) == 4
    assert [error.split(": ", 1)[0] for error in errors] == [
        "s.yaml:4:20",
        "s.yaml:5:23",
        "s.yaml:6:19",
        "s.yaml:7:27",
    ]
    assert not any("does not match" in error for error in errors)


def _non_empty(field: str) -> bool:
    spec = field_spec(field)
    return spec is not None and spec.non_empty


def test_every_pattern_and_name_limit_in_the_schema_is_owned_by_a_rule() -> None:
    constraints = {
        (keyword, field)
        for where, node in walk(raw_schema())
        if "/properties/" in where
        for field in [where.split("/properties/", 1)[1].replace("/properties/", ".")]
        for keyword in ("pattern", "minLength", "maxLength")
        # A name that must not be empty has the schema's own message for it ("must not be empty").
        if keyword in node and not (keyword == "minLength" and _non_empty(field))
    }

    assert constraints == schema.owned_by_rules()


def test_long_names_are_reported_once() -> None:
    errors = errors_of(one_location("").replace("Denver", "D" * 81))

    assert errors == ["s.yaml:3:11: location name must be at most 80 characters; this one has 81"]


# --- the most specific error of a oneOf/anyOf ---------------------------------------------------------


def test_a_failed_one_of_is_described_by_its_most_relevant_alternative() -> None:
    write("o.yaml", "value:\n  kind: 7\n")
    document, _ = load_file("o.yaml")
    assert document is not None
    validator = Draft202012Validator(
        {
            "properties": {
                "value": {
                    "oneOf": [
                        {"type": "string"},
                        {"type": "object", "properties": {"kind": {"type": "string"}}},
                    ]
                }
            }
        }
    )
    [error] = validator.iter_errors(document.plain)
    assert error.validator == "oneOf"

    [described] = schema.describe_error(document, tuple(error.absolute_path), error)

    assert str(described) == 'o.yaml:2:9: value.kind must be a string; write it quoted: kind: "7"'


def test_the_fast_check_never_calls_valid_what_jsonschema_rejects() -> None:
    """fastjsonschema (draft 7) only says "valid"; if it ever disagreed, errors would go unreported."""
    import copy
    import random

    from jsonschema import Draft202012Validator as Full

    from reconciler.desired.schema import _quick_check, load_schema

    full = Full(load_schema())
    quick = _quick_check()
    base = {
        "version": 1,
        "defaults": {"announcementLanguage": "en_us"},
        "locations": [
            {
                "name": "Denver",
                "pstn": {"type": "LOCAL_GATEWAY", "trunk": "T1"},
                "callingLineId": {"name": "Main", "phoneNumber": "+12145555698"},
                "outsideDialDigit": "9",
                "enforceOutsideDialDigit": True,
                "routingPrefix": "212",
                "chargeNumber": None,
                "pAccessNetworkInfo": None,
            }
        ],
    }
    odd: list[Any] = [None, True, 0, 1.5, "", "x" * 90, "en_US", [], {}, {"type": 1}, "NOT_A_TYPE"]
    rng = random.Random(7)
    paths: list[tuple[Any, ...]] = []

    def collect(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        children = (
            node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        )
        for key, value in children:
            collect(value, (*path, key))

    collect(base, ())
    checked = 0
    for path in paths[1:]:
        for value in odd:
            document = copy.deepcopy(base)
            parent: Any = document
            for step in path[:-1]:
                parent = parent[step]
            if rng.random() < 0.2 and isinstance(parent, dict):
                parent["unknownField"] = value
            else:
                parent[path[-1]] = value
            checked += 1
            try:
                quick(document)
            except Exception:
                continue
            assert full.is_valid(document), document
    assert checked == (len(paths) - 1) * len(odd) > 150
