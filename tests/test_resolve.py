from typing import Any

from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, InputError, Position
from reconciler.resolve import check_against_org as check_by_location
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import Location, Named


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
