"""The model load_desired builds: managed fields only, defaults merged, and where each value was written."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from reconciler.desired import (
    DesiredLocation,
    DesiredPstn,
    DesiredState,
    InvalidInput,
    Position,
    load_desired,
)
from reconciler.resources.details import FIELD_NAMES as DETAIL_FIELDS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "desired"


def write(name: str, text: str) -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return name


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def by_name(state: DesiredState) -> dict[str, DesiredLocation]:
    return {location.name: location for location in state.locations}


def test_the_design_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    state = load_desired(["locations.yaml"])

    assert state.files == ("locations.yaml",)
    denver, paris = state.locations
    assert denver.name == "Denver"
    assert denver.position == Position("locations.yaml", 6, 11)
    assert denver.details == {
        "announcementLanguage": "en_us",
        "callingLineId": {"name": "Denver Incoming", "phoneNumber": "+12145555698"},
        "externalCallerIdName": "Big Corp-Denver",
        "outsideDialDigit": "9",
        "enforceOutsideDialDigit": True,
        "routingPrefix": "212",
        "chargeNumber": "+14158952369",
    }
    assert list(denver.details) == [f for f in DETAIL_FIELDS if f in denver.details]
    assert denver.pstn == DesiredPstn(type="LOCAL_GATEWAY", trunk="Denver-LGW")
    assert paris.details == {"announcementLanguage": "fr_fr", "pAccessNetworkInfo": "Paris-75"}
    assert paris.pstn == DesiredPstn(type="NON_INTEGRATED_CCP", provider="Pure IP Cloud")

    here = "locations.yaml"
    assert denver.positions == {
        "announcementLanguage": Position(here, 4, 25),  # from defaults
        "callingLineId": Position(here, 11, 7),
        "callingLineId.name": Position(here, 11, 13),
        "callingLineId.phoneNumber": Position(here, 12, 20),
        "externalCallerIdName": Position(here, 13, 27),
        "outsideDialDigit": Position(here, 14, 23),
        "enforceOutsideDialDigit": Position(here, 15, 30),
        "routingPrefix": Position(here, 16, 20),
        "chargeNumber": Position(here, 17, 19),
        "pstn": Position(here, 8, 7),
        "pstn.type": Position(here, 8, 13),
        "pstn.trunk": Position(here, 9, 14),
    }
    assert paris.positions["pstn.provider"] == Position(here, 21, 17)
    assert paris.positions["announcementLanguage"] == Position(here, 22, 27)
    assert paris.position_of("pstn.connectionId") == Position(here, 20, 7)
    assert paris.position_of("routingPrefix") == paris.position == Position(here, 18, 11)


@pytest.mark.usefixtures("in_tmp")
def test_absent_is_unmanaged_null_is_managed_and_cleared() -> None:
    write(
        "s.yaml",
        """
        version: 1
        locations:
          - name: Absent
          - name: Cleared
            externalCallerIdName: null
            outsideDialDigit: ~
            routingPrefix:
            chargeNumber: null
            pAccessNetworkInfo: null
            callingLineId:
              name: null
          - name: Set
            externalCallerIdName: Big Corp
            callingLineId:
              phoneNumber: "+12145555698"
        """,
    )

    locations = by_name(load_desired(["s.yaml"]))

    assert locations["Absent"].details == {}
    assert locations["Absent"].pstn is None
    assert locations["Absent"].positions == {}
    assert locations["Cleared"].details == {
        "callingLineId": {"name": None},
        "externalCallerIdName": None,
        "pAccessNetworkInfo": None,
        "outsideDialDigit": None,
        "routingPrefix": None,
        "chargeNumber": None,
    }
    assert locations["Cleared"].positions["routingPrefix"] == Position("s.yaml", 7, 5)
    assert locations["Cleared"].positions["chargeNumber"] == Position("s.yaml", 8, 19)
    assert "callingLineId.phoneNumber" not in locations["Cleared"].positions
    assert locations["Set"].details == {
        "callingLineId": {"phoneNumber": "+12145555698"},
        "externalCallerIdName": "Big Corp",
    }


@pytest.mark.usefixtures("in_tmp")
def test_defaults_merge_shallowly_and_the_location_wins_even_with_null() -> None:
    write(
        "s.yaml",
        """
        version: 1
        defaults:
          announcementLanguage: en_us
          externalCallerIdName: Big Corp
          enforceOutsideDialDigit: true
          pstn:
            type: LOCAL_GATEWAY
            trunk: Shared-LGW
          callingLineId:
            name: Big Corp
        locations:
          - name: Plain
          - name: Own
            announcementLanguage: en_gb
            externalCallerIdName: null
            pstn:
              type: LOCAL_GATEWAY
              routeGroup: US-RG
            callingLineId:
              phoneNumber: "+12145555698"
        """,
    )

    locations = by_name(load_desired(["s.yaml"]))
    plain, own = locations["Plain"], locations["Own"]

    assert plain.details == {
        "announcementLanguage": "en_us",
        "callingLineId": {"name": "Big Corp"},
        "externalCallerIdName": "Big Corp",
        "enforceOutsideDialDigit": True,
    }
    assert plain.pstn == DesiredPstn(type="LOCAL_GATEWAY", trunk="Shared-LGW")
    # defaulted values point at the defaults entries
    assert plain.positions["announcementLanguage"] == Position("s.yaml", 3, 25)
    assert plain.positions["pstn.trunk"] == Position("s.yaml", 8, 12)
    assert plain.positions["callingLineId.name"] == Position("s.yaml", 10, 11)
    assert plain.position == Position("s.yaml", 12, 11)

    assert own.details == {
        "announcementLanguage": "en_gb",
        "callingLineId": {"phoneNumber": "+12145555698"},  # taken whole: no `name` from defaults
        "externalCallerIdName": None,
        "enforceOutsideDialDigit": True,
    }
    assert own.pstn == DesiredPstn(type="LOCAL_GATEWAY", route_group="US-RG")  # no trunk from defaults
    assert own.positions["externalCallerIdName"] == Position("s.yaml", 15, 27)
    assert own.positions["enforceOutsideDialDigit"] == Position("s.yaml", 5, 28)


@pytest.mark.usefixtures("in_tmp")
def test_defaults_apply_only_to_their_own_file() -> None:
    write("a.yaml", "version: 1\ndefaults: {announcementLanguage: fr_fr}\nlocations:\n  - name: Paris\n")
    write("b.yaml", "version: 1\nlocations:\n  - name: Denver\n")

    locations = by_name(load_desired(["a.yaml", "b.yaml"]))

    assert locations["Paris"].details == {"announcementLanguage": "fr_fr"}
    assert locations["Denver"].details == {}


@pytest.mark.usefixtures("in_tmp")
def test_connection_id_builds_the_pstn_by_id() -> None:
    write(
        "s.yaml",
        "version: 1\nlocations:\n  - name: Lyon\n    pstn: {type: NON_INTEGRATED_CCP, connectionId: Y2lz}\n",
    )

    [lyon] = load_desired(["s.yaml"]).locations

    assert lyon.pstn == DesiredPstn(type="NON_INTEGRATED_CCP", connection_id="Y2lz")
    assert lyon.positions["pstn.connectionId"] == Position("s.yaml", 4, 52)


def test_a_directory_loads_its_yaml_files_in_sorted_order_as_joined_from_what_was_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(FIXTURES)

    state = load_desired(["tree"])

    assert state.files == (
        os.path.join("tree", "10-us.yaml"),
        os.path.join("tree", "20-eu", "de.yaml"),
        os.path.join("tree", "20-eu", "fr.yml"),
    )
    assert [location.name for location in state.locations] == ["Denver", "Dallas", "Berlin", "Paris"]
    berlin = by_name(state)["Berlin"]
    assert berlin.details == {"announcementLanguage": "de_de", "routingPrefix": "30"}
    assert berlin.positions["announcementLanguage"] == Position(
        os.path.join("tree", "20-eu", "de.yaml"), 4, 25
    )


@pytest.mark.usefixtures("in_tmp")
def test_every_error_across_two_files_is_reported_sorted() -> None:
    write(
        "b.yaml",
        """
        version: 1
        locations:
          - name: Denver
            routingPrefix: 212
          - name: Dallas
            pstn: {type: CISCO_PSTN}
        """,
    )
    write(
        "a.yaml",
        """
        version: 1
        defaults:
          announcementLanguage: en_US
        locations:
          - name: Denver
            outsideDialDigit: "12"
            colour: red
          - name: Paris
            pstn:
              type: NON_INTEGRATED_CCP
        """,
    )

    with pytest.raises(InvalidInput) as caught:
        load_desired(["b.yaml", "a.yaml"])

    lines = str(caught.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        "a.yaml:3:25",
        "a.yaml:5:11",
        "a.yaml:6:23",
        "a.yaml:7:5",
        "a.yaml:9:5",
        "b.yaml:4:20",
        "b.yaml:6:18",
    ]
    # b.yaml was given first, so its Denver is the first definition
    assert lines[1] == "a.yaml:5:11: location 'Denver' is defined twice; first defined at b.yaml:3:11"
    assert (
        lines[5]
        == 'b.yaml:4:20: routingPrefix must be a string of digits; write it quoted: routingPrefix: "212"'
    )
    assert [str(error) for error in caught.value.errors] == lines
