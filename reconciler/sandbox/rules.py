"""Validation of the sandbox's PUT bodies: pure functions, no I/O, nothing changed.

Location-details PUT: one rule per field, each named after it in `DETAIL_RULES` (`"routingPrefix":
routing_prefix`, ...). A rule gets the sent value, the org and the location, and returns a Violation or
None. `check_location_update` runs them all and returns every violation of the body (empty: valid).

PSTN-connection PUT: `check_pstn_update` returns the first violation, or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.sandbox.errors import DUPLICATE_ROUTING_PREFIX, Violation
from reconciler.sandbox.org import Location, SandboxOrg

LANGUAGE = re.compile(r"[a-z]{2}_[a-z]{2}")  # en_us, fr_fr; en_US is refused by the live API
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
DIAL_DIGIT = re.compile(r"[0-9]")
ROUTING_PREFIX = re.compile(r"[0-9]{1,7}")
MAX_NAME_LENGTH = 30  # callingLineId.name, externalCallerIdName
P_ACCESS_NETWORK_INFO_COUNTRIES = ("BE", "DE", "FR")
ROUTE_TYPES = ("TRUNK", "ROUTE_GROUP")
UNSETTABLE_PSTN_TYPES = ("INTEGRATED_CCP", "CISCO_PSTN")

Rule = Callable[[Any, SandboxOrg, Location], Violation | None]


def _invalid(field: str, why: str) -> Violation:
    return Violation(f"Invalid value for {field}: {why}")


def _optional_name(field: str, value: Any) -> Violation | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return _invalid(field, "must be a string or null")
    if len(value) > MAX_NAME_LENGTH:
        return _invalid(field, f"must be at most {MAX_NAME_LENGTH} characters")
    return None


def _optional_e164(field: str, value: Any) -> Violation | None:
    if value is None:
        return None
    if not isinstance(value, str) or not E164.fullmatch(value):
        return _invalid(field, f"{value!r} is not an E.164 number such as +12145555698")
    return None


def _unknown_keys(field: str, value: Mapping[str, Any], allowed: tuple[str, ...]) -> Violation | None:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        return _invalid(field, f"unknown field {unknown[0]!r} (allowed: {', '.join(allowed)})")
    return None


def announcement_language(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """announcementLanguage: a lower-case code such as `en_us`; not null."""
    if not isinstance(value, str) or not LANGUAGE.fullmatch(value):
        return _invalid("announcementLanguage", f"{value!r} is not a lower-case language code such as en_us")
    return None


def calling_line_id(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """callingLineId: {name, phoneNumber}; phoneNumber always required, E.164, one of the location's."""
    if not isinstance(value, dict):
        return _invalid("callingLineId", "must be an object with name and phoneNumber")
    problem = _unknown_keys("callingLineId", value, ("name", "phoneNumber"))
    if problem:
        return problem
    number = value.get("phoneNumber")
    if number is None:
        return _invalid("callingLineId.phoneNumber", "is required whenever callingLineId is sent")
    problem = _optional_e164("callingLineId.phoneNumber", number)
    if problem:
        return problem
    if number not in location.numbers:
        return _invalid("callingLineId.phoneNumber", f"{number} does not belong to location {location.name}")
    return _optional_name("callingLineId.name", value.get("name"))


def connection(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """connection: {type: TRUNK|ROUTE_GROUP, id} of an existing trunk or route group."""
    if not isinstance(value, dict):
        return _invalid("connection", "must be an object with type and id")
    problem = _unknown_keys("connection", value, ("type", "id"))
    if problem:
        return problem
    route_type, route_id = value.get("type"), value.get("id")
    if route_type not in ROUTE_TYPES:
        return _invalid("connection.type", f"{route_type!r} is not one of {', '.join(ROUTE_TYPES)}")
    routes: Mapping[str, object] = org.trunks if route_type == "TRUNK" else org.route_groups
    if not isinstance(route_id, str) or route_id not in routes:
        return _invalid("connection.id", f"{route_id!r} is not the id of a {route_type}")
    if org.local_gateway_option(location) is None:
        return _invalid("connection", f"no local gateway connection is available to {location.name}")
    return None


def external_caller_id_name(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """externalCallerIdName: a string of at most 30 characters, or null."""
    return _optional_name("externalCallerIdName", value)


def p_access_network_info(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """pAccessNetworkInfo: a string or null, and only for locations in Belgium, Germany or France."""
    if location.country not in P_ACCESS_NETWORK_INFO_COUNTRIES:
        return _invalid(
            "pAccessNetworkInfo",
            f"can only be set for locations in {', '.join(P_ACCESS_NETWORK_INFO_COUNTRIES)}; "
            f"{location.name} is in {location.country or 'no country'}",
        )
    if value is not None and not isinstance(value, str):
        return _invalid("pAccessNetworkInfo", "must be a string or null")
    return None


def outside_dial_digit(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """outsideDialDigit: one digit as a string, or null to clear it."""
    if value is not None and (not isinstance(value, str) or not DIAL_DIGIT.fullmatch(value)):
        return _invalid("outsideDialDigit", f"{value!r} is not a single digit string or null")
    return None


def enforce_outside_dial_digit(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """enforceOutsideDialDigit: true or false."""
    if not isinstance(value, bool):
        return _invalid("enforceOutsideDialDigit", "must be true or false")
    return None


def routing_prefix(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """routingPrefix: 1 to 7 digits as a string, or null to clear it; unique in the org (5600)."""
    if value is None:
        return None
    if not isinstance(value, str) or not ROUTING_PREFIX.fullmatch(value):
        return _invalid("routingPrefix", f"{value!r} is not a string of 1 to 7 digits or null")
    owner = org.prefix_owner(value)
    if owner is not None and owner is not location:
        return Violation(
            f"Routing prefix {value} is already in use by another location in the organization",
            DUPLICATE_ROUTING_PREFIX,
        )
    return None


def charge_number(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """chargeNumber: an E.164 number, or null."""
    return _optional_e164("chargeNumber", value)


DETAIL_RULES: dict[str, Rule] = {
    "announcementLanguage": announcement_language,
    "callingLineId": calling_line_id,
    "connection": connection,
    "externalCallerIdName": external_caller_id_name,
    "pAccessNetworkInfo": p_access_network_info,
    "outsideDialDigit": outside_dial_digit,
    "enforceOutsideDialDigit": enforce_outside_dial_digit,
    "routingPrefix": routing_prefix,
    "chargeNumber": charge_number,
}


def check_location_update(body: Mapping[str, Any], org: SandboxOrg, location: Location) -> list[Violation]:
    """Every violation of a location-details PUT body, in the body's order."""
    violations: list[Violation] = []
    for key, value in body.items():
        rule = DETAIL_RULES.get(key)
        if rule is None:
            violations.append(Violation(f"Unknown field {key!r} (allowed: {', '.join(DETAIL_RULES)})"))
        elif (problem := rule(value, org, location)) is not None:
            violations.append(problem)
    return violations


PSTN_FIELDS = ("id", "premiseRouteType", "premiseRouteId")


def check_pstn_update(body: Mapping[str, Any], org: SandboxOrg, location: Location) -> Violation | None:
    """A PSTN PUT: local gateway (premiseRouteType + premiseRouteId) or a NON_INTEGRATED_CCP option `id`."""
    unknown = sorted(set(body) - set(PSTN_FIELDS))
    if unknown:
        return Violation(f"Unknown field {unknown[0]!r} (allowed: {', '.join(PSTN_FIELDS)})")
    if is_local_gateway(body):
        return _check_local_gateway(body, org, location)
    option_id = body.get("id")
    if option_id is None:
        return _invalid(
            "id", "is required for NON_INTEGRATED_CCP (premiseRouteType and premiseRouteId for LOCAL_GATEWAY)"
        )
    option = org.available_option(location, option_id) if isinstance(option_id, str) else None
    if option is None:
        return _invalid("id", f"{option_id!r} is not a PSTN connection option available to {location.name}")
    if option.pstn_connection_type in UNSETTABLE_PSTN_TYPES:
        return _invalid("id", f"{option.pstn_connection_type} cannot be set through the API")
    if option.pstn_connection_type == "LOCAL_GATEWAY":
        return _invalid("id", "premiseRouteType and premiseRouteId are required for a local gateway")
    return None


def is_local_gateway(body: Mapping[str, Any]) -> bool:
    """A PSTN PUT body asks for a local gateway when it sends a (non-null) premise route field."""
    return body.get("premiseRouteType") is not None or body.get("premiseRouteId") is not None


def _check_local_gateway(body: Mapping[str, Any], org: SandboxOrg, location: Location) -> Violation | None:
    route_type, route_id = body.get("premiseRouteType"), body.get("premiseRouteId")
    if route_type is None or route_id is None:
        return _invalid("premiseRouteType", "premiseRouteType and premiseRouteId are both required")
    if route_type not in ROUTE_TYPES:
        return _invalid("premiseRouteType", f"{route_type!r} is not one of {', '.join(ROUTE_TYPES)}")
    routes: Mapping[str, object] = org.trunks if route_type == "TRUNK" else org.route_groups
    if not isinstance(route_id, str) or route_id not in routes:
        return _invalid("premiseRouteId", f"{route_id!r} is not the id of a {route_type}")
    option_id = body.get("id")
    if option_id is None:
        if org.local_gateway_option(location) is None:
            return _invalid(
                "premiseRouteType", f"no local gateway connection is available to {location.name}"
            )
        return None
    option = org.available_option(location, option_id) if isinstance(option_id, str) else None
    if option is None or option.pstn_connection_type != "LOCAL_GATEWAY":
        return _invalid("id", f"{option_id!r} is not a LOCAL_GATEWAY option available to {location.name}")
    return None
