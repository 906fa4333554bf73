from typing import Any

from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, InputError, Position
from reconciler.resolve import check_against_org as check_by_location
from reconciler.resolve import option_types, pstn_body
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import ConnectionOption, Location, Named


def loc(name: str, pstn: DesiredPstn | None = None, line: int = 1, **details: Any) -> DesiredLocation:
    positions = {key: Position("l.yaml", line + 1, 5) for key in details}
    if pstn:
        positions.update(
            {
                "pstn.trunk": Position("l.yaml", line + 3, 14),
                "pstn.routeGroup": Position("l.yaml", line + 3, 19),
            }
        )
    return DesiredLocation(name, Position("l.yaml", line, 9), details, pstn, positions)


def check_against_org(desired: DesiredState, current: CurrentState) -> list[InputError]:
    return [error for errors in check_by_location(desired, current).values() for error in errors]


def org(**extra: Any) -> CurrentState:
    names = ["Denver", "Paris", "London"]
    return CurrentState(
        calling_locations=tuple(Named(f"ID-{n}", n) for n in names),
        locations={n: LocationState(f"ID-{n}", n) for n in names},
        trunks=(Named("T1", "Denver-LGW"),),
        route_groups=(Named("R1", "US-RG"),),
        **extra,
    )


def test_everything_known_gives_no_error() -> None:
    desired = DesiredState((loc("Denver", DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW")),))
    assert check_against_org(desired, org()) == []


def test_unknown_location_suggests_close_names_and_lists_existing_ones() -> None:
    (error,) = check_against_org(DesiredState((loc("Denvr", line=7),)), org())
    assert error.position == Position("l.yaml", 7, 9)
    assert "'Denvr' not found" in error.message
    assert "did you mean 'Denver'" in error.message
    assert "Denver, London, Paris" in error.message


def test_location_that_exists_but_is_not_calling_enabled_says_so() -> None:
    everyone = (Location("ID-A", "Austin", "US"),)
    (error,) = check_against_org(DesiredState((loc("Austin"),)), org(all_locations=everyone))
    assert "not enabled for Webex Calling" in error.message


def test_unknown_trunk_and_route_group_are_reported_at_their_fields() -> None:
    desired = DesiredState(
        (
            loc("Denver", DesiredPstn("LOCAL_GATEWAY", trunk="Denver-GW"), line=1),
            loc("Paris", DesiredPstn("LOCAL_GATEWAY", route_group="EU-RG"), line=10),
        )
    )
    trunk_error, group_error = check_against_org(desired, org())
    assert trunk_error.position == Position("l.yaml", 4, 14)
    assert "trunk 'Denver-GW' not found" in trunk_error.message and "Denver-LGW" in trunk_error.message
    assert group_error.position == Position("l.yaml", 13, 19)
    assert "route group 'EU-RG' not found" in group_error.message and "US-RG" in group_error.message


def test_p_access_network_info_only_in_be_de_fr() -> None:
    countries = (Location("ID-Paris", "Paris", "FR"), Location("ID-London", "London", "GB"))
    desired = DesiredState(
        (loc("Paris", pAccessNetworkInfo="Paris-75"), loc("London", line=20, pAccessNetworkInfo="L-1"))
    )
    (error,) = check_against_org(desired, org(all_locations=countries))
    assert error.position == Position("l.yaml", 21, 5)
    assert "'London' is in GB" in error.message


def test_clearing_p_access_network_info_is_allowed_anywhere() -> None:
    countries = (Location("ID-London", "London", "GB"),)
    desired = DesiredState((loc("London", pAccessNetworkInfo=None),))
    assert check_against_org(desired, org(all_locations=countries)) == []


def test_long_name_lists_are_cut_short() -> None:
    many = tuple(Named(f"ID-{i}", f"Site-{i:04}") for i in range(100))
    current = CurrentState(calling_locations=many, locations={})
    (error,) = check_against_org(DesiredState((loc("Nowhere"),)), current)
    assert "and 85 more" in error.message


# --- PSTN bodies: connection options as documented, without pstnConnectionType --------------------------

UNTYPED = (
    ConnectionOption("OPT-LGW", "Local Gateway", None),
    ConnectionOption("OPT-PURE", "Pure IP Cloud", None),
    ConnectionOption("OPT-PREM", "Premises-based PSTN", None),
)
LGW_ANSWER = {"id": "OPT-LGW", "pstnConnectionType": "LOCAL_GATEWAY", "routeType": "TRUNK", "routeId": "T1"}


def provider_body(provider: str, **pstn_by_location: dict[str, Any]) -> dict[str, Any] | InputError:
    """The PSTN body for Denver to use `provider`, with UNTYPED offered and these PSTN answers read."""
    states = {n: LocationState(f"ID-{n}", n, pstn=p, options=UNTYPED) for n, p in pstn_by_location.items()}
    current = CurrentState(calling_locations=(), locations=states)
    wanted = DesiredPstn("NON_INTEGRATED_CCP", provider=provider)
    desired = loc("Denver", wanted)
    return pstn_body(desired, wanted, states["Denver"], current)


def test_an_untyped_option_is_taken_as_a_cloud_provider_by_its_name() -> None:
    assert provider_body("Pure IP Cloud", Denver={}) == {"id": "OPT-PURE"}


def test_an_option_a_pstn_answer_reports_as_a_local_gateway_is_refused_as_a_provider() -> None:
    # Paris uses "Local Gateway": its PSTN answer says of which type that option is.
    refused = provider_body("Local Gateway", Denver={}, Paris=LGW_ANSWER)
    assert isinstance(refused, InputError)
    assert "'Local Gateway' is the local gateway connection, not a cloud provider" in refused.message
    assert "type: LOCAL_GATEWAY" in refused.message


def test_the_premises_based_option_is_a_local_gateway_by_its_documented_name() -> None:
    refused = provider_body("Premises-based PSTN", Denver={})
    assert isinstance(refused, InputError) and "is the local gateway connection" in refused.message


def test_the_providers_offered_leave_out_the_options_known_to_be_local_gateways() -> None:
    refused = provider_body("Pure IP", Denver={}, Paris=LGW_ANSWER)
    assert isinstance(refused, InputError)
    assert "non-integrated CCP options offered: Pure IP Cloud" in refused.message
    assert "Local Gateway" not in refused.message and "Premises" not in refused.message


def test_an_option_type_is_read_when_the_api_sends_it() -> None:
    typed = (ConnectionOption("OPT-CISCO", "Cisco Calling Plan", "CISCO_PSTN"),)
    state = LocationState("ID-Denver", "Denver", pstn={}, options=typed)
    wanted = DesiredPstn("NON_INTEGRATED_CCP", provider="Cisco Calling Plan")
    current = CurrentState(calling_locations=(), locations={"Denver": state})
    refused = pstn_body(loc("Denver", wanted), wanted, state, current)
    assert isinstance(refused, InputError) and "is a CISCO_PSTN connection" in refused.message


def test_option_types_are_learned_only_from_well_formed_pstn_answers() -> None:
    answers = {
        "A": LGW_ANSWER,
        "B": {},  # no PSTN connection yet
        "C": {"id": "OPT-X", "pstnConnectionType": None},
        "D": {"id": 7, "pstnConnectionType": "NON_INTEGRATED_CCP"},
        "E": {"id": "OPT-PURE", "pstnConnectionType": "NON_INTEGRATED_CCP"},
    }
    states = {n: LocationState(f"ID-{n}", n, pstn=p) for n, p in answers.items()}
    current = CurrentState(calling_locations=(), locations={**states, "F": LocationState("ID-F", "F")})
    assert option_types(current) == {"OPT-LGW": "LOCAL_GATEWAY", "OPT-PURE": "NON_INTEGRATED_CCP"}
