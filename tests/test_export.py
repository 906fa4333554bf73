"""export: the pure document builder on hand-made inputs, then round trips through the simulator in-process.

A round trip: export the org, load the file with `load_desired`, plan it against the same org: no steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
from inprocess import FakeClock, run

from reconciler.apply import apply_plan
from reconciler.desired import DesiredLocation, DesiredState, InvalidInput, load_desired
from reconciler.export import LiveLocation, OrgSnapshot, export_org, render, select_locations
from reconciler.jobs import JobPolling
from reconciler.plan import Plan, make_plan
from reconciler.resources import RESOURCES
from reconciler.sandbox import SandboxOrg, webex_id
from reconciler.sandbox.org import ConnectionOption as SandboxOption
from reconciler.sandbox.org import PstnConnection
from reconciler.state import fetch_current
from reconciler.webex import CallingApi, ConnectionOption, Named
from reconciler.webex.api import Location as Place

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "locations.yaml"
TODAY = date(2025, 1, 31)
ROUTES = {"trunk-id-denver": "Denver-LGW", "rg-id-eu": "EU-RG"}
CALLING_NAMES = ("Denver", "Paris", "Berlin", "London", "Chicago")
TRICKY = ["yes", "no", "on", "0212", "null", "~", "true", "1:20", "12e3", "0x1F", "2024-01-01", "=", "#1"]

# --- the pure builder ----------------------------------------------------------------------------------


def lgw(route_type: str = "TRUNK", route_id: str = "trunk-id-denver") -> dict[str, Any]:
    return {
        "id": "option-id-lgw",
        "displayName": "Local Gateway",
        "pstnConnectionType": "LOCAL_GATEWAY",
        "routeType": route_type,
        "routeId": route_id,
    }


def ccp(name: str = "Pure IP Cloud", option_id: str = "option-id-pure") -> dict[str, Any]:
    return {"id": option_id, "displayName": name, "pstnConnectionType": "NON_INTEGRATED_CCP"}


def option(name: str, option_id: str, kind: str = "NON_INTEGRATED_CCP") -> ConnectionOption:
    return ConnectionOption(option_id, name, kind, ("GEOGRAPHIC_NUMBERS",))


def live(
    name: str = "Denver",
    *,
    details: Mapping[str, Any] | None = None,
    pstn: Mapping[str, Any] | None = None,
    options: tuple[ConnectionOption, ...] = (),
    city: str | None = "Denver",
    country: str | None = "US",
) -> LiveLocation:
    return LiveLocation(name, details if details is not None else {}, pstn, options, city, country)


def exported(*locations: LiveLocation, routes: Mapping[str, str] = ROUTES) -> str:
    return render(OrgSnapshot(locations, routes), tool_version="9.9.9", exported_on=TODAY)


def loaded(tmp_path: Path, text: str) -> DesiredState:
    path = tmp_path / "exported.yaml"
    path.write_text(text, encoding="utf-8")
    return load_desired(path)


def only(tmp_path: Path, location: LiveLocation, routes: Mapping[str, str] = ROUTES) -> DesiredLocation:
    (desired,) = loaded(tmp_path, exported(location, routes=routes)).locations
    return desired


def comment_above(text: str, name: str) -> str:
    """The comment lines right above a location's entry (its phrase line, then any notes), joined."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("  - name: ") and name in line)
    start = index
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return "\n".join(lines[start:index])


def test_local_gateway_is_written_by_trunk_or_route_group_name_never_id(tmp_path: Path) -> None:
    trunk = live(pstn=lgw())
    group = live("Berlin", pstn=lgw("ROUTE_GROUP", "rg-id-eu"), city="Berlin", country="DE")
    text = exported(trunk, group)
    denver, berlin = loaded(tmp_path, text).locations
    assert denver.pstn is not None and berlin.pstn is not None
    assert (denver.pstn.type, denver.pstn.trunk, denver.pstn.route_group) == (
        "LOCAL_GATEWAY",
        "Denver-LGW",
        None,
    )
    assert (berlin.pstn.trunk, berlin.pstn.route_group) == (None, "EU-RG")
    assert not any(key in text for key in ("option-id", "trunk-id", "rg-id"))


def test_non_integrated_ccp_is_written_by_provider_name(tmp_path: Path) -> None:
    location = live(pstn=ccp(), options=(option("Pure IP Cloud", "option-id-pure"), option("X", "x")))
    desired = only(tmp_path, location)
    assert desired.pstn is not None
    assert (desired.pstn.type, desired.pstn.provider, desired.pstn.connection_id) == (
        "NON_INTEGRATED_CCP",
        "Pure IP Cloud",
        None,
    )


def test_a_provider_name_two_options_share_is_written_as_connection_id(tmp_path: Path) -> None:
    options = (option("Pure IP Cloud", "option-id-other"), option("Pure IP Cloud", "option-id-pure"))
    location = live(pstn=ccp(), options=options)
    text = exported(location)
    desired = only(tmp_path, location)
    assert desired.pstn is not None
    assert (desired.pstn.provider, desired.pstn.connection_id) == (None, "option-id-pure")
    assert "by its connection ID (2 connection options have that name)" in comment_above(text, "Denver")


def test_a_provider_without_a_name_is_written_as_connection_id(tmp_path: Path) -> None:
    desired = only(tmp_path, live(pstn=ccp(name="")))
    assert desired.pstn is not None and desired.pstn.connection_id == "option-id-pure"


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("CISCO_PSTN", "PSTN: Cisco PSTN (Cisco Calling Plan), which the Webex API cannot set"),
        ("INTEGRATED_CCP", "PSTN: integrated CCP (Cisco Calling Plan), which the Webex API cannot set"),
        ("SOMETHING_NEW", "PSTN: SOMETHING_NEW connection (Cisco Calling Plan), which the Webex API cannot"),
        (None, "PSTN: connection of unknown type (Cisco Calling Plan), which the Webex API cannot set"),
    ],
)
def test_a_connection_the_api_cannot_set_is_left_out_and_the_comment_says_so(
    tmp_path: Path, kind: str | None, words: str
) -> None:
    connection = {"id": "option-id-cisco", "displayName": "Cisco Calling Plan", "pstnConnectionType": kind}
    location = live(pstn=connection)
    text = exported(location)
    assert only(tmp_path, location).pstn is None
    assert "pstn:" not in text
    comment = comment_above(text, "Denver")
    assert words in comment
    assert comment.endswith("`pstn` is left out (unmanaged)")


def test_no_pstn_connection_leaves_pstn_out_and_says_so(tmp_path: Path) -> None:
    text = exported(live(pstn=None))
    assert (
        comment_above(text, "Denver") == "  # Denver, US. PSTN: none set up; `pstn` is left out (unmanaged)"
    )
    assert only(tmp_path, live(pstn=None)).pstn is None


def test_a_route_missing_from_the_lists_is_left_out_rather_than_written_as_an_id(tmp_path: Path) -> None:
    location = live(pstn=lgw(route_id="trunk-id-unknown"))
    text = exported(location)
    assert "trunk-id-unknown" not in text
    assert "local gateway via a route not in the org's trunks or route groups" in text
    assert only(tmp_path, location).pstn is None


def test_clearable_fields_absent_or_null_are_written_as_null(tmp_path: Path) -> None:
    details = {
        "routingPrefix": None,
        "externalCallerIdName": None,
    }  # the others are left out, as the API does
    desired = only(tmp_path, live(details=details, country="FR"))
    clearable = (
        "externalCallerIdName",
        "pAccessNetworkInfo",
        "outsideDialDigit",
        "routingPrefix",
        "chargeNumber",
    )
    assert {name: desired.details[name] for name in clearable} == dict.fromkeys(clearable)
    text = exported(live(details=details, country="FR"))
    assert "    chargeNumber: null\n" in text


def test_fields_that_cannot_be_null_are_left_out_when_the_api_has_no_value(tmp_path: Path) -> None:
    desired = only(tmp_path, live(details={"callingLineId": {}}))
    for name in ("announcementLanguage", "callingLineId", "enforceOutsideDialDigit"):
        assert name not in desired.details


def test_calling_line_id_holds_only_the_sub_fields_present(tmp_path: Path) -> None:
    number_only = only(tmp_path, live(details={"callingLineId": {"phoneNumber": "+12145555698"}}))
    assert number_only.details["callingLineId"] == {"phoneNumber": "+12145555698"}
    both = only(tmp_path, live(details={"callingLineId": {"name": "Main", "phoneNumber": "+12145555698"}}))
    assert both.details["callingLineId"] == {"name": "Main", "phoneNumber": "+12145555698"}


def test_every_reported_field_is_managed_in_the_files_field_order(tmp_path: Path) -> None:
    details = {
        "id": "location-id",
        "name": "Denver",
        "chargeNumber": "+14158952369",
        "routingPrefix": "212",
        "enforceOutsideDialDigit": True,
        "outsideDialDigit": "9",
        "pAccessNetworkInfo": "Denver-1",
        "externalCallerIdName": "Big Corp-Denver",
        "callingLineId": {"name": "Denver Main", "phoneNumber": "+12145555698"},
        "announcementLanguage": "en_us",
        "connection": {"type": "TRUNK", "id": "trunk-id-denver"},
        "userLimit": 500000,
        "defaultDomain": "bigcorp.calls.webex.com",
    }
    text = exported(live(details=details, pstn=lgw(), country="DE"))
    keys = [
        line.split(":")[0].strip() for line in text.splitlines() if line.startswith("    ") and ":" in line
    ]
    assert keys == [
        "pstn",
        "type",
        "trunk",
        "announcementLanguage",
        "callingLineId",
        "name",
        "phoneNumber",
        "externalCallerIdName",
        "pAccessNetworkInfo",
        "outsideDialDigit",
        "enforceOutsideDialDigit",
        "routingPrefix",
        "chargeNumber",
    ]
    desired = loaded(tmp_path, text).locations[0]
    assert {k: v for k, v in details.items() if k in desired.details} == dict(desired.details)
    assert len(desired.details) == 8


@pytest.mark.parametrize(
    ("country", "written"), [("BE", True), ("DE", True), ("FR", True), ("US", False), (None, False)]
)
def test_p_access_network_info_is_managed_only_in_belgium_germany_and_france(
    tmp_path: Path, country: str | None, written: bool
) -> None:
    for value in ("Paris-75", None):
        desired = only(tmp_path, live(details={"pAccessNetworkInfo": value}, country=country))
        assert ("pAccessNetworkInfo" in desired.details) is written
        if written:
            assert desired.details["pAccessNetworkInfo"] == value


def test_digits_and_numbers_are_always_double_quoted() -> None:
    details = {
        "outsideDialDigit": "9",
        "routingPrefix": "212",
        "chargeNumber": "+14158952369",
        "callingLineId": {"name": "Main", "phoneNumber": "+12145555698"},
    }
    text = exported(live(details=details))
    for line in (
        '    outsideDialDigit: "9"',
        '    routingPrefix: "212"',
        '    chargeNumber: "+14158952369"',
        '      phoneNumber: "+12145555698"',
    ):
        assert line in text.splitlines()


@pytest.mark.parametrize("tricky", TRICKY)
def test_strings_yaml_would_read_as_something_else_stay_strings(tmp_path: Path, tricky: str) -> None:
    routes = {"trunk-id-denver": tricky}
    details = {"externalCallerIdName": tricky, "callingLineId": {"name": tricky}}
    text = exported(
        live(tricky, details=details, pstn=lgw(), country="FR"),
        live("Paris", pstn=ccp(tricky)),
        routes=routes,
    )
    first, second = loaded(tmp_path, text).locations
    assert first.name == tricky
    assert first.details["externalCallerIdName"] == tricky
    assert first.details["callingLineId"] == {"name": tricky}
    assert first.pstn is not None and first.pstn.trunk == tricky
    assert second.pstn is not None and second.pstn.provider == tricky
    # Double-quoted, so that YAML 1.1 readers (which take `yes` and `on` for booleans) agree.
    assert f"  - name: {tricky}\n" not in text


def test_the_header_says_what_the_file_is_which_version_when_and_how_fields_are_managed() -> None:
    text = exported(live())
    header = text.split("version: 1\n")[0]
    assert header.startswith("# Webex Calling locations exported from the org by wxc-reconcile 9.9.9")
    assert "on 2025-01-31 (UTC)" in header
    assert "absent is not managed" in header
    assert "null is managed" in header and "clears it" in header
    assert all(line.startswith("# ") for line in header.splitlines())
    assert text.split("version: 1\n")[1].startswith("locations:\n")


def test_each_location_has_a_comment_with_its_city_country_and_pstn_in_words() -> None:
    text = exported(
        live(pstn=lgw()),
        live("Berlin", pstn=lgw("ROUTE_GROUP", "rg-id-eu"), city="Berlin", country="DE"),
        live("Paris", pstn=ccp(), city="Paris", country="FR"),
        live("Nowhere", pstn=ccp(), city=None, country=None),
    )
    assert comment_above(text, "Denver") == "  # Denver, US. PSTN: local gateway via trunk Denver-LGW"
    assert comment_above(text, "Berlin") == "  # Berlin, DE. PSTN: local gateway via route group EU-RG"
    assert comment_above(text, "Paris") == "  # Paris, FR. PSTN: non-integrated CCP Pure IP Cloud"
    assert (
        comment_above(text, "Nowhere")
        == "  # City and country unknown. PSTN: non-integrated CCP Pure IP Cloud"
    )
    # A blank line between locations, as in examples/locations.yaml.
    assert "\n\n  # Berlin, DE." in text


def test_line_breaks_never_break_a_comment_nor_reach_the_file(tmp_path: Path) -> None:
    location = live(
        "Denver", city="New\nYork", pstn=ccp("Pure\nIP"), details={"externalCallerIdName": "A\nB"}
    )
    text = exported(location)
    assert "  # New York, US. PSTN: non-integrated CCP Pure IP; a name in it" in text
    assert "externalCallerIdName is left out (unmanaged)" in text
    assert "externalCallerIdName" not in only(tmp_path, location).details


def test_a_location_whose_name_the_file_cannot_hold_is_left_out_and_named(tmp_path: Path) -> None:
    text = render(
        OrgSnapshot((live("Two\nLines"), live("Denver"))), tool_version="1", exported_on=date(2026, 1, 1)
    )
    assert "# Left out: location 'Two\\nLines': its name is not one line of printable text." in text
    assert [loc.name for loc in loaded(tmp_path, text).locations] == ["Denver"]


def test_values_the_file_cannot_hold_are_left_out_and_named_in_the_comment(tmp_path: Path) -> None:
    details = {"announcementLanguage": "en_US", "routingPrefix": "12345678", "enforceOutsideDialDigit": "yes"}
    text = exported(live(details=details))
    desired = loaded(tmp_path, text).locations[0]
    assert "announcementLanguage" not in desired.details
    assert "routingPrefix" not in desired.details
    assert "enforceOutsideDialDigit" not in desired.details
    assert (
        '  # routingPrefix is left out (unmanaged): the org has "12345678", and the file takes 1 to 7 digits.'
        in text
    )
    assert '  # announcementLanguage is left out (unmanaged): the org has "en_US"' in text


def test_layout_is_that_of_the_example_file() -> None:
    text = exported(live(details={"callingLineId": {"name": "Main"}}, pstn=lgw()))
    assert "\nlocations:\n  # Denver" in text
    assert "\n  - name: Denver\n    pstn:\n      type: LOCAL_GATEWAY\n      trunk: Denver-LGW\n" in text
    assert "\n    callingLineId:\n      name: Main\n" in text


def test_an_org_without_calling_locations_exports_an_empty_valid_file(tmp_path: Path) -> None:
    text = exported()
    assert text.endswith("version: 1\nlocations: []\n")
    assert loaded(tmp_path, text).locations == ()


# --- choosing locations --------------------------------------------------------------------------------

CALLING = [Named("id-d", "Denver"), Named("id-p", "Paris"), Named("id-b", "Berlin"), Named("id-l", "London")]
PLACES = [Place("id-a", "Austin", "US", "Austin"), *(Place(n.id, n.name) for n in CALLING)]


def test_names_choose_locations_in_the_orgs_order_once_each() -> None:
    chosen = select_locations(CALLING, ["Berlin", "Paris", "Berlin"], PLACES)
    assert [loc.name for loc in chosen] == ["Paris", "Berlin"]
    assert select_locations(CALLING, [], PLACES) == CALLING


def test_unknown_names_are_all_reported_with_close_matches_and_the_known_names() -> None:
    with pytest.raises(InvalidInput) as caught:
        select_locations(CALLING, ["Paris", "Pari", "Austin", "Nowhere"], PLACES)
    assert {str(error.position) for error in caught.value.errors} == {"<command line>:1:1"}
    assert [e.message for e in caught.value.errors] == [
        "location 'Austin' exists but is not enabled for Webex Calling; enable it in Control Hub first",
        "location 'Nowhere' not found in the org; calling-enabled locations: Berlin, Denver, London, Paris",
        "location 'Pari' not found in the org; did you mean 'Paris'? "
        "calling-enabled locations: Berlin, Denver, London, Paris",
    ]


def test_the_list_of_known_names_is_cut_short_in_a_large_org() -> None:
    calling = [Named(f"id-{i}", f"Site-{i:03}") for i in range(40)]
    with pytest.raises(InvalidInput) as caught:
        select_locations(calling, ["Elsewhere"], [])
    assert caught.value.errors[0].message.endswith("Site-014 and 25 more")


# --- round trips through the simulator -----------------------------------------------------------------


def export(app: Any, tmp_path: Path, *names: str) -> tuple[str, DesiredState]:
    text = run(app, lambda api: export_org(api, names, tool_version="1.2.3"))
    return text, loaded(tmp_path, text)


def planned(app: Any, desired: DesiredState) -> Plan:
    async def work(api: CallingApi) -> Plan:
        return make_plan(desired, await fetch_current(api, desired))

    return run(app, work)


def apply_file(app: Any, clock: FakeClock, path: Path) -> None:
    plan = planned(app, load_desired(path))
    polling = JobPolling(sleep=clock.sleep, clock=clock)
    report = run(app, lambda api: apply_plan(api, plan, polling=polling))
    assert plan.steps and not report.failed


def by_name(desired: DesiredState) -> dict[str, DesiredLocation]:
    return {loc.name: loc for loc in desired.locations}


def test_the_seed_org_round_trips_to_no_changes(app: Any, tmp_path: Path) -> None:
    text, desired = export(app, tmp_path)
    assert [loc.name for loc in desired.locations] == list(CALLING_NAMES)
    plan = planned(app, desired)
    assert plan.steps == ()
    assert plan.unchanged == CALLING_NAMES
    locations = by_name(desired)
    assert locations["Denver"].pstn is not None and locations["Denver"].pstn.provider == "Pure IP Cloud"
    assert locations["Paris"].pstn is not None and locations["Paris"].pstn.trunk == "Paris-LGW"
    assert locations["Berlin"].pstn is not None and locations["Berlin"].pstn.route_group == "EU-RG"
    assert "pAccessNetworkInfo" not in locations["London"].details  # GB
    assert locations["Paris"].details["pAccessNetworkInfo"] is None
    assert "Y2lzY29zcGFyazovL" not in text  # no Webex ID anywhere
    # The new site without a PSTN connection: exported without `pstn`, the comment says why.
    assert locations["Chicago"].pstn is None
    assert "PSTN: none set up; `pstn` is left out (unmanaged)" in comment_above(text, "Chicago")


def test_the_org_round_trips_after_the_example_is_applied(app: Any, clock: FakeClock, tmp_path: Path) -> None:
    apply_file(app, clock, EXAMPLE)
    _, desired = export(app, tmp_path)
    assert planned(app, desired).steps == ()
    locations = by_name(desired)
    denver = locations["Denver"]
    assert denver.pstn is not None and denver.pstn.trunk == "Denver-LGW"
    assert denver.details["routingPrefix"] == "212"
    assert denver.details["chargeNumber"] == "+14158952369"
    assert locations["Paris"].details["pAccessNetworkInfo"] == "Paris-75"
    assert locations["London"].details["outsideDialDigit"] is None


def test_the_org_round_trips_with_connections_the_api_cannot_set_or_name(app: Any, tmp_path: Path) -> None:
    org: SandboxOrg = app.state.org
    denver, paris, berlin, london, _ = (org.locations[webex_id("LOCATION", n)] for n in CALLING_NAMES)
    # A provider whose display name another option shares: Paris moves to the second "Pure IP Cloud".
    twin = SandboxOption("Pure IP Cloud", "NON_INTEGRATED_CCP", ["GEOGRAPHIC_NUMBERS"])
    twin.id = webex_id("PSTN_CONNECTION", "Pure IP Cloud (EU)")
    org.options[twin.id] = twin
    paris.pstn = PstnConnection(twin.id)
    denver.pstn = PstnConnection(webex_id("PSTN_CONNECTION", "Cisco Calling Plan"))  # refused by PUT
    london.pstn = None
    london.name = "yes"
    assert berlin.details is not None
    berlin.details["externalCallerIdName"] = "0212"

    text, desired = export(app, tmp_path)
    assert planned(app, desired).steps == ()
    locations = by_name(desired)
    assert locations["Denver"].pstn is None
    assert "Cisco PSTN (Cisco Calling Plan), which the Webex API cannot set" in comment_above(text, "Denver")
    assert locations["Paris"].pstn is not None and locations["Paris"].pstn.connection_id == twin.id
    assert locations["yes"].pstn is None
    assert "PSTN: none set up" in comment_above(text, "yes")
    assert locations["Berlin"].details["externalCallerIdName"] == "0212"


def test_the_org_round_trips_with_pstn_answers_of_the_older_shape(app: Any, tmp_path: Path) -> None:
    # Before 2025 the PSTN answer had no routeType/routeId: the details' `connection` names the route.
    app.state.settings.pstn_connection_route = False
    text, desired = export(app, tmp_path)
    locations = by_name(desired)
    assert locations["Paris"].pstn is not None and locations["Paris"].pstn.trunk == "Paris-LGW"
    assert locations["Berlin"].pstn is not None and locations["Berlin"].pstn.route_group == "EU-RG"
    assert "PSTN: local gateway via trunk Paris-LGW" in comment_above(text, "Paris")
    assert planned(app, desired).steps == ()


def test_a_value_set_later_on_a_field_exported_as_null_shows_as_drift(app: Any, tmp_path: Path) -> None:
    _, desired = export(app, tmp_path)
    denver = webex_id("LOCATION", "Denver")
    run(app, lambda api: api.update_location_details(denver, {"chargeNumber": "+14158952369"}))
    plan = planned(app, desired)
    assert [(s.location, [(c.field, c.before, c.after) for c in s.changes]) for s in plan.steps] == [
        ("Denver", [("chargeNumber", "+14158952369", None)])
    ]


def test_names_export_only_those_locations_in_the_orgs_order(app: Any, tmp_path: Path) -> None:
    text, desired = export(app, tmp_path, "Berlin", "Paris")
    assert [loc.name for loc in desired.locations] == ["Paris", "Berlin"]
    assert text.count("  - name: ") == 2
    read = {r.path for r in app.state.requests}
    assert not any(webex_id("LOCATION", name) in path for path in read for name in ("Denver", "London"))
    assert planned(app, desired).steps == ()


def test_an_unknown_name_is_refused_before_any_location_is_read(app: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        run(app, lambda api: export_org(api, ["Paris", "Pari"], tool_version="1.2.3"))
    assert [e.message for e in caught.value.errors] == [
        "location 'Pari' not found in the org; did you mean 'Paris'? "
        "calling-enabled locations: Berlin, Chicago, Denver, London, Paris"
    ]
    assert {r.path for r in app.state.requests} == {
        "/v1/telephony/config/locations",
        "/v1/locations",
        "/v1/telephony/config/premisePstn/trunks",
        "/v1/telephony/config/premisePstn/routeGroups",
    }


# The endpoints export reads: all but the announcement-language action, which has no state.
READ = len(RESOURCES) - 1


def test_reads_one_call_per_list_then_details_and_pstn_per_location(app: Any, tmp_path: Path) -> None:
    export(app, tmp_path)
    requests = app.state.requests
    assert {r.method for r in requests} == {"GET"}
    paths = [r.path for r in requests]
    for listing in (
        "/v1/telephony/config/locations",
        "/v1/locations",
        "/v1/telephony/config/premisePstn/trunks",
        "/v1/telephony/config/premisePstn/routeGroups",
    ):
        assert paths.count(listing) == 1
    for name in CALLING_NAMES:
        location_id = webex_id("LOCATION", name)
        assert paths.count(f"/v1/telephony/config/locations/{location_id}") == 1
        assert paths.count(f"/v1/telephony/pstn/locations/{location_id}/connection") == 1
        # Each further endpoint's GET, once (the announcement-language action has none to read).
        further = [p for p in paths if p.startswith(f"/v1/telephony/config/locations/{location_id}/")]
        assert len(further) == len(set(further)) == READ - 2
    # Connection options only where a provider's name must be checked for namesakes (the CCP locations).
    options = [p for p in paths if p.endswith("/connectionOptions")]
    assert sorted(options) == sorted(
        f"/v1/telephony/pstn/locations/{webex_id('LOCATION', name)}/connectionOptions"
        for name in ("Denver", "London")
    )
    assert len(paths) == 4 + READ * len(CALLING_NAMES) + 2
