"""Semantic rules: each reported once, at the place to fix, with a message that says what to write."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.desired import InvalidInput, load_desired


def write(name: str, text: str) -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return name


def errors_of(text: str, *more: str) -> list[str]:
    """Errors of `text` written to r.yaml, plus of files already written (`more`)."""
    write("r.yaml", text)
    with pytest.raises(InvalidInput) as caught:
        load_desired(["r.yaml", *more])
    return [str(error) for error in caught.value.errors]


def one_location(body: str) -> str:
    """A file whose single location has `name: Denver` on line 3 and `body` from line 4 on."""
    indented = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
    return f"version: 1\nlocations:\n  - name: Denver\n{indented}\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# --- names --------------------------------------------------------------------------------------------


def test_a_location_defined_twice_across_files_names_both_places() -> None:
    write(
        "west.yaml",
        """
        version: 1
        locations:
          - name: Denver
          - name: Dallas
        """,
    )

    errors = errors_of(
        """
        version: 1
        locations:
          - name: Paris
          - name: Dallas
          - name: Paris
        """,
        "west.yaml",
    )

    assert errors == [
        "r.yaml:5:11: location 'Paris' is defined twice; first defined at r.yaml:3:11",
        "west.yaml:4:11: location 'Dallas' is defined twice; first defined at r.yaml:4:11",
    ]


def test_names_are_matched_exactly() -> None:
    write("r.yaml", "version: 1\nlocations:\n  - name: Denver\n  - name: denver\n  - name: 'Denver '\n")

    assert [location.name for location in load_desired(["r.yaml"]).locations] == [
        "Denver",
        "denver",
        "Denver ",
    ]


def test_location_name_is_1_to_80_characters() -> None:
    eighty, eighty_one = "N" * 80, "L" * 81
    errors = errors_of(
        f"""
        version: 1
        locations:
          - name: ""
          - name: {eighty}
          - name: {eighty_one}
        """
    )

    assert errors == [
        "r.yaml:3:11: location name must not be empty",
        "r.yaml:5:11: location name must be at most 80 characters; this one has 81",
    ]


# --- pstn ---------------------------------------------------------------------------------------------


def test_local_gateway_needs_exactly_one_of_trunk_or_route_group() -> None:
    errors = errors_of(
        """
        version: 1
        locations:
          - name: Denver
            pstn:
              type: LOCAL_GATEWAY
          - name: Dallas
            pstn:
              type: LOCAL_GATEWAY
              trunk: Dallas-LGW
              routeGroup: US-RG
        """
    )

    assert errors == [
        "r.yaml:4:5: pstn type LOCAL_GATEWAY needs exactly one of 'trunk' or 'routeGroup'",
        "r.yaml:10:7: pstn type LOCAL_GATEWAY takes exactly one of 'trunk' or 'routeGroup', not both",
    ]


def test_non_integrated_ccp_needs_exactly_one_of_provider_or_connection_id() -> None:
    errors = errors_of(
        """
        version: 1
        locations:
          - name: Paris
            pstn: {type: NON_INTEGRATED_CCP}
          - name: Lyon
            pstn: {type: NON_INTEGRATED_CCP, connectionId: Y2lz, provider: Pure IP Cloud}
        """
    )

    assert errors == [
        "r.yaml:4:5: pstn type NON_INTEGRATED_CCP needs exactly one of 'provider' or 'connectionId'",
        "r.yaml:6:58: pstn type NON_INTEGRATED_CCP takes exactly one of 'provider' or 'connectionId', "
        "not both",
    ]


def test_fields_of_another_pstn_type_are_errors() -> None:
    errors = errors_of(
        """
        version: 1
        locations:
          - name: Paris
            pstn:
              type: NON_INTEGRATED_CCP
              provider: Pure IP Cloud
              trunk: Paris-LGW
          - name: Denver
            pstn:
              type: LOCAL_GATEWAY
              routeGroup: US-RG
              connectionId: Y2lz
        """
    )

    assert errors == [
        "r.yaml:7:7: 'trunk' does not apply to pstn type NON_INTEGRATED_CCP, "
        "which takes 'provider' or 'connectionId'",
        "r.yaml:12:7: 'connectionId' does not apply to pstn type LOCAL_GATEWAY, "
        "which takes 'trunk' or 'routeGroup'",
    ]


@pytest.mark.parametrize("kind", ["INTEGRATED_CCP", "CISCO_PSTN"])
def test_pstn_types_the_api_cannot_set_are_refused_with_the_reason(kind: str) -> None:
    errors = errors_of(one_location(f"pstn:\n  type: {kind}\n"))

    assert errors == [
        f"r.yaml:5:13: pstn type {kind} cannot be set through the Webex API; "
        "set it in Control Hub and leave `pstn` unmanaged"
    ]


# --- routing prefix -----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "12345678", "2a2", " 212", "٢١٢", "212\\n"])
def test_routing_prefix_is_1_to_7_digits(prefix: str) -> None:
    assert errors_of(one_location(f'routingPrefix: "{prefix}"')) == [
        f'r.yaml:4:20: routingPrefix must be 1 to 7 digits, e.g. "212", not "{prefix}"'
    ]


# The current admin guide allows 1 to 7 digits (an older one said 2 to 7), and the documented answers
# show one-digit prefixes: the file is never stricter than the org.
@pytest.mark.parametrize("prefix", ["1", "0", "12", "1234567", "0212"])
def test_routing_prefix_accepts_1_to_7_digits(prefix: str) -> None:
    write("r.yaml", one_location(f'routingPrefix: "{prefix}"'))

    [location] = load_desired(["r.yaml"]).locations

    assert location.details == {"routingPrefix": prefix}


def test_routing_prefix_is_unique_across_files_and_null_is_not_counted() -> None:
    write(
        "other.yaml",
        """
        version: 1
        locations:
          - name: Lyon
            routingPrefix: null
          - name: Nice
            routingPrefix: "333"
        """,
    )

    errors = errors_of(
        """
        version: 1
        locations:
          - name: Denver
            routingPrefix: "212"
            outsideDialDigit: "9"
          - name: Dallas
            routingPrefix: "212"
          - name: Paris
            routingPrefix: null
          - name: Marseille
            routingPrefix: "333"
        """,
        "other.yaml",
    )

    assert errors == [
        "other.yaml:6:20: routingPrefix \"333\" is already used by location 'Marseille' at r.yaml:11:20",
        "r.yaml:7:20: routingPrefix \"212\" is already used by location 'Denver' at r.yaml:4:20",
    ]


def test_the_first_owner_of_a_routing_prefix_is_named_escaped() -> None:
    # The name is an error of its own (a control character), but the routing prefix it holds is still
    # checked, and the second location's message must not carry the raw character.
    errors = errors_of(
        """
        version: 1
        locations:
          - name: "\\x1f"
            routingPrefix: "212"
          - name: Denver
            routingPrefix: "212"
        """
    )
    duplicate = next(error for error in errors if "already used" in error)
    assert "location '\\x1f'" in duplicate and "\x1f" not in duplicate, duplicate


def test_a_routing_prefix_in_defaults_is_reported_once() -> None:
    errors = errors_of(
        """
        version: 1
        defaults:
          routingPrefix: "212"
        locations:
          - name: Denver
          - name: Dallas
          - name: Paris
          - name: Austin
            routingPrefix: "512"
        """
    )

    assert errors == [
        'r.yaml:3:18: routingPrefix "212" in defaults would be given to every location, '
        "but each location needs its own"
    ]


# --- digits, numbers, language ------------------------------------------------------------------------


@pytest.mark.parametrize("digit", ["12", "", "x", "#"])
def test_outside_dial_digit_is_one_digit(digit: str) -> None:
    assert errors_of(one_location(f'outsideDialDigit: "{digit}"')) == [
        f'r.yaml:4:23: outsideDialDigit must be a single digit, e.g. "9", not "{digit}"'
    ]


def test_e164_numbers() -> None:
    errors = errors_of(
        """
        version: 1
        locations:
          - name: Denver
            chargeNumber: "4158952369"
            callingLineId:
              name: Denver Incoming
              phoneNumber: "+1 (214) 555-5698"
          - name: Dallas
            chargeNumber: "+0123456789"
            callingLineId: {phoneNumber: "+123"}
        """
    )

    rule = 'must be an E.164 number: "+" and 7 to 15 digits, e.g. "+14158952369"'
    assert errors == [
        f'r.yaml:4:19: chargeNumber {rule}, not "4158952369"; write "+4158952369"',
        f'r.yaml:7:20: callingLineId.phoneNumber {rule}, not "+1 (214) 555-5698"; write "+12145555698"',
        f'r.yaml:9:19: chargeNumber {rule}, not "+0123456789"',
        f'r.yaml:10:34: callingLineId.phoneNumber {rule}, not "+123"',
    ]


def test_announcement_language_is_lower_case() -> None:
    errors = errors_of(
        one_location("announcementLanguage: en_US\n") + "  - name: Paris\n    announcementLanguage: french\n"
    )

    assert errors == [
        'r.yaml:4:27: announcementLanguage must be lower-case: write "en_us", not "en_US"',
        'r.yaml:6:27: announcementLanguage must be a lower-case language_country code such as "en_us" or '
        '"fr_fr", not "french"',
    ]


# --- rules and defaults -------------------------------------------------------------------------------


def test_an_error_in_a_default_points_at_the_defaults_entry_once() -> None:
    errors = errors_of(
        """
        version: 1
        defaults:
          announcementLanguage: fr_FR
          pstn:
            type: LOCAL_GATEWAY
        locations:
          - name: Paris
          - name: Lyon
          - name: Nice
            announcementLanguage: fr_fr
        """
    )

    assert errors == [
        'r.yaml:3:25: announcementLanguage must be lower-case: write "fr_fr", not "fr_FR"',
        "r.yaml:4:3: pstn type LOCAL_GATEWAY needs exactly one of 'trunk' or 'routeGroup'",
    ]


def test_defaults_are_checked_even_when_no_location_uses_them() -> None:
    errors = errors_of(
        """
        version: 1
        defaults:
          outsideDialDigit: "99"
        locations:
          - name: Paris
            outsideDialDigit: null
        """
    )

    assert errors == ['r.yaml:3:21: outsideDialDigit must be a single digit, e.g. "9", not "99"']


def test_rules_skip_values_the_schema_already_rejected() -> None:
    errors = errors_of(
        one_location(
            """
            pstn: {type: 7, trunk: A, provider: B}
            routingPrefix: [212]
            callingLineId: {phoneNumber: {x: 1}}
            """
        )
    )

    assert errors == [
        "r.yaml:4:18: pstn.type must be one of "
        "LOCAL_GATEWAY, NON_INTEGRATED_CCP, INTEGRATED_CCP, CISCO_PSTN, not the number 7",
        "r.yaml:5:20: routingPrefix must be a string or null, not a list",
        "r.yaml:6:34: callingLineId.phoneNumber must be a string, not a mapping",
    ]
