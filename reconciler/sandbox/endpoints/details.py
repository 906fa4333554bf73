"""The location's Webex Calling details: GET/PUT /telephony/config/locations/{locationId}, and the list of
calling locations (GET /telephony/config/locations).

PUT rules: one per field, each named after it in `DETAIL_RULES`; `check_location_update` runs them all
and returns every violation of the body (empty: valid). A valid PUT that changes the routing prefix starts
an org-wide routing-prefix job (200 `{batchJobId}`), or is a 409 while one runs; faults may make it a 206
or a job that fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.api import Api, Routes, contains, json_object
from reconciler.sandbox.errors import (
    BAD_QUERY,
    DUPLICATE_ROUTING_PREFIX,
    PREFIX_JOB_ERROR,
    Violation,
    WebexError,
    tracking_id,
)
from reconciler.sandbox.faults import PrefixOutcome, take_prefix_outcome
from reconciler.sandbox.org import Job, JobError, Location, SandboxOrg
from reconciler.sandbox.rules import (
    E164,
    ROUTE_TYPES,
    Rule,
    invalid,
    optional_e164,
    premise_route,
    unknown_keys,
)
from reconciler.sandbox.views import compact

# en_us, fr_fr; en_US is refused by the live API. A three-letter language (ISO 639-2) is not refused:
# nothing on record says the API does.
LANGUAGE = re.compile(r"[a-z]{2,3}_[a-z]{2}")
DIAL_DIGIT = re.compile(r"[0-9]")
ROUTING_PREFIX = re.compile(r"[0-9]{1,7}")
# callingLineId.name, externalCallerIdName: any string (the record gives no length limit).
P_ACCESS_NETWORK_INFO_COUNTRIES = ("BE", "DE", "FR")

# See `reconciler.sandbox.endpoints`. `connection` is accepted but no desired state manages it: the
# client sets the connection through the PSTN endpoint.
ACCEPTED: dict[str, str] = {
    "announcementLanguage": LANGUAGE.pattern,
    "callingLineId": "object",
    "callingLineId.name": "",
    "callingLineId.phoneNumber": E164.pattern,
    "connection": "object",
    "connection.type": "|".join(ROUTE_TYPES),
    "connection.id": "",
    "externalCallerIdName": "",
    "pAccessNetworkInfo": "",
    "outsideDialDigit": DIAL_DIGIT.pattern,
    "enforceOutsideDialDigit": "boolean",
    "routingPrefix": ROUTING_PREFIX.pattern,
    "chargeNumber": E164.pattern,
}
NULLABLE = frozenset(
    (
        "callingLineId.name",
        "externalCallerIdName",
        "pAccessNetworkInfo",
        "outsideDialDigit",
        "routingPrefix",
        "chargeNumber",
    )
)

USER_LIMIT = 500000
# Accepted values of `order` on the calling locations list, and whether each sorts descending.
ORDERS = {
    **dict.fromkeys(("name", "asc", "name-asc", "name,asc", "name:asc"), False),
    **dict.fromkeys(("desc", "name-desc", "name,desc", "name:desc"), True),
}
JOB_IN_PROGRESS = "Cannot update the routing prefix: another routing prefix job is in progress"
# The documented 206 example's failureReason, word for word but for the values.
JOB_NOT_TRIGGERED = (
    "UpdateRoutingPrefix batch job not triggered for Location: {location}. OldRoutingPrefix : {old}. "
    "NewRoutingPrefix: {new}."
)


# --- the PUT rules ---------------------------------------------------------------------------------------


def _sub_fields(field: str) -> tuple[str, ...]:
    """The keys ACCEPTED lists for an object field."""
    return tuple(path.partition(".")[2] for path in ACCEPTED if path.startswith(f"{field}."))


def _optional_name(field: str, value: Any) -> Violation | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return invalid(field, "must be a string or null")
    return None


def announcement_language(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """announcementLanguage: a lower-case code such as `en_us`; not null."""
    if not isinstance(value, str) or not LANGUAGE.fullmatch(value):
        return invalid("announcementLanguage", f"{value!r} is not a lower-case language code such as en_us")
    return None


def calling_line_id(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """callingLineId: {name, phoneNumber}; phoneNumber always required, E.164, one of the location's."""
    if not isinstance(value, dict):
        return invalid("callingLineId", "must be an object with name and phoneNumber")
    problem = unknown_keys("callingLineId", value, _sub_fields("callingLineId"))
    if problem:
        return problem
    number = value.get("phoneNumber")
    if number is None:
        return invalid("callingLineId.phoneNumber", "is required whenever callingLineId is sent")
    problem = optional_e164("callingLineId.phoneNumber", number)
    if problem:
        return problem
    if number not in location.numbers:
        return invalid("callingLineId.phoneNumber", f"{number} does not belong to location {location.name}")
    return _optional_name("callingLineId.name", value.get("name"))


def connection(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """connection: {type: TRUNK|ROUTE_GROUP, id} of an existing trunk or route group."""
    if not isinstance(value, dict):
        return invalid("connection", "must be an object with type and id")
    problem = unknown_keys("connection", value, _sub_fields("connection")) or premise_route(
        org, "connection.type", value.get("type"), "connection.id", value.get("id")
    )
    if problem:
        return problem
    if org.local_gateway_option(location) is None:
        return invalid("connection", f"no local gateway connection is available to {location.name}")
    return None


def external_caller_id_name(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """externalCallerIdName: a string, or null."""
    return _optional_name("externalCallerIdName", value)


def p_access_network_info(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """pAccessNetworkInfo: a string or null, and only for locations in Belgium, Germany or France."""
    if location.country not in P_ACCESS_NETWORK_INFO_COUNTRIES:
        return invalid(
            "pAccessNetworkInfo",
            f"can only be set for locations in {', '.join(P_ACCESS_NETWORK_INFO_COUNTRIES)}; "
            f"{location.name} is in {location.country or 'no country'}",
        )
    if value is not None and not isinstance(value, str):
        return invalid("pAccessNetworkInfo", "must be a string or null")
    return None


def outside_dial_digit(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """outsideDialDigit: one digit as a string, or null to clear it."""
    if value is not None and (not isinstance(value, str) or not DIAL_DIGIT.fullmatch(value)):
        return invalid("outsideDialDigit", f"{value!r} is not a single digit string or null")
    return None


def enforce_outside_dial_digit(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """enforceOutsideDialDigit: true or false."""
    if not isinstance(value, bool):
        return invalid("enforceOutsideDialDigit", "must be true or false")
    return None


def routing_prefix(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """routingPrefix: 1 to 7 digits as a string, or null to clear it; unique in the org (5600)."""
    if value is None:
        return None
    if not isinstance(value, str) or not ROUTING_PREFIX.fullmatch(value):
        return invalid("routingPrefix", f"{value!r} is not a string of 1 to 7 digits or null")
    owner = org.prefix_owner(value)
    if owner is not None and owner is not location:
        return Violation(
            f"Routing prefix {value} is already in use by another location in the organization",
            DUPLICATE_ROUTING_PREFIX,
        )
    return None


def charge_number(value: Any, org: SandboxOrg, location: Location) -> Violation | None:
    """chargeNumber: an E.164 number, or null."""
    return optional_e164("chargeNumber", value)


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


# --- the views -------------------------------------------------------------------------------------------


def _calling_line_id(location: Location) -> dict[str, Any] | None:
    assert location.details is not None
    value = location.details["callingLineId"]
    return compact(dict(value)) if value else None


def calling_location_item(location: Location) -> dict[str, Any]:
    """An item of GET /telephony/config/locations."""
    assert location.details is not None
    return compact(
        {
            "id": location.id,
            "name": location.name,
            "routingPrefix": location.details["routingPrefix"],
            "outsideDialDigit": location.details["outsideDialDigit"],
            "enforceOutsideDialDigit": location.details["enforceOutsideDialDigit"],
            "callingLineId": _calling_line_id(location),
            "e911SetupRequired": False,
        }
    )


def _details_connection(org: SandboxOrg, location: Location) -> dict[str, Any] | None:
    """The details' `connection`: the route {type, id} of a local gateway; for a cloud PSTN a type alone,
    as seen on live orgs (CISCO_PSTN, CLOUD_CONNECTED_PSTN); none while no PSTN connection is set up."""
    pstn = location.pstn
    if pstn is None:
        return None
    if pstn.route_type is not None:
        return {"type": pstn.route_type, "id": pstn.route_id}
    kind = org.options[pstn.option_id].pstn_connection_type
    return {"type": "CISCO_PSTN" if kind == "CISCO_PSTN" else "CLOUD_CONNECTED_PSTN"}


def details(org: SandboxOrg, location: Location) -> dict[str, Any]:
    """GET /telephony/config/locations/{id}."""
    assert location.details is not None
    fields = location.details
    return compact(
        {
            "id": location.id,
            "name": location.name,
            "announcementLanguage": fields["announcementLanguage"],
            "callingLineId": _calling_line_id(location),
            "connection": _details_connection(org, location),
            "externalCallerIdName": fields["externalCallerIdName"],
            "userLimit": USER_LIMIT,
            "pAccessNetworkInfo": fields["pAccessNetworkInfo"],
            "outsideDialDigit": fields["outsideDialDigit"],
            "enforceOutsideDialDigit": fields["enforceOutsideDialDigit"],
            "routingPrefix": fields["routingPrefix"],
            "defaultDomain": re.sub(r"[^a-z0-9]", "", org.name.lower()) + ".calls.webex.com",
            "chargeNumber": fields["chargeNumber"],
            "useChargeNumberForPChargeInfo": fields["chargeNumber"] is not None,
        }
    )


# --- the handlers ----------------------------------------------------------------------------------------


def _failure(request: Request, status: int, reason: str) -> Response:
    """A 409 or 206 of the location PUT: `{failureReason, trackingId}`, not an error body."""
    return JSONResponse({"failureReason": reason, "trackingId": tracking_id(request.scope)}, status)


def _give_outcome(job: Job, outcome: PrefixOutcome, location: Location, old_prefix: str | None) -> None:
    """Give a job started under `failing_jobs` or `jobs_with_errors` its error item and its ending."""
    if outcome is PrefixOutcome.FAILING_JOB:
        reason = f"The routing prefix of location {location.name} could not be updated"
        job.errors.append(JobError(reason, PREFIX_JOB_ERROR, location.name))
        job.restore_prefix, job.old_prefix = True, old_prefix
    elif outcome is PrefixOutcome.JOB_WITH_ERRORS:
        reason = f"The routing prefix of some numbers of location {location.name} could not be updated"
        job.errors.append(JobError(reason, PREFIX_JOB_ERROR, location.name))
        job.partly_done = True


class _Handlers:
    def __init__(self, api: Api) -> None:
        self.api = api

    @property
    def org(self) -> SandboxOrg:
        """The org the request acts in."""
        return self.api.org

    async def list_calling_locations(self, request: Request) -> Response:
        name = request.query_params.get("name")
        items = [
            loc for loc in self.org.locations.values() if loc.details is not None and contains(name, loc.name)
        ]
        order = request.query_params.get("order")
        if order is not None:
            descending = ORDERS.get(order.strip().lower())
            if descending is None:
                raise WebexError.one(400, f"Invalid query parameter order={order!r}: sort by name", BAD_QUERY)
            items.sort(key=lambda loc: loc.name.casefold(), reverse=descending)
        return self.api.page(request, items, calling_location_item, "locations")

    async def get_details(self, request: Request) -> Response:
        return JSONResponse(details(self.org, self.api.location(request)))

    async def put_details(self, request: Request) -> Response:
        location = self.api.location(request)
        assert location.details is not None
        body = await json_object(request)
        violations = check_location_update(body, self.org, location)
        if violations:
            raise WebexError(400, violations)
        if "routingPrefix" in body and body["routingPrefix"] != location.details["routingPrefix"]:
            return self._change_prefix(request, location, body)
        self._update(location, body)
        self.api.saved()
        return Response(status_code=204)

    def _change_prefix(self, request: Request, location: Location, body: dict[str, Any]) -> Response:
        """A valid PUT that changes the prefix: 200 and a job; 409 while one runs; or what a fault says."""
        assert location.details is not None
        settings = self.api.settings
        now = settings.clock()
        running = self.org.running_job(now, settings.job_seconds)
        if running is not None:
            return _failure(request, 409, f"{JOB_IN_PROGRESS} ({running.id})")
        outcome = take_prefix_outcome(settings)
        if outcome is PrefixOutcome.CONFLICT:
            return _failure(request, 409, JOB_IN_PROGRESS)
        old_prefix = location.details["routingPrefix"]
        if outcome is PrefixOutcome.NOT_TRIGGERED:
            self._update(location, body)  # the prefix too: GET shows it, but no job moves the numbers
            self.api.saved()
            reason = JOB_NOT_TRIGGERED.format(location=location.id, old=old_prefix, new=body["routingPrefix"])
            return _failure(request, 206, reason)
        self._update(location, body)
        job = self.org.start_prefix_job(location, now, tracking_id(request.scope))
        _give_outcome(job, outcome, location, old_prefix)
        self.api.saved()
        return JSONResponse({"batchJobId": job.id})

    def _update(self, location: Location, body: dict[str, Any]) -> None:
        """Write a valid body's fields; `connection` moves the PSTN to a local gateway."""
        self.org.update_details(location, {k: v for k, v in body.items() if k != "connection"})
        if "connection" in body:
            route = body["connection"]
            location.pstn = self.api.local_gateway(location, route["type"], route["id"], None)


def routes(api: Api) -> Routes:
    handlers = _Handlers(api)
    return {
        "/v1/telephony/config/locations": {"GET": handlers.list_calling_locations},
        "/v1/telephony/config/locations/{locationId}": {
            "GET": handlers.get_details,
            "PUT": handlers.put_details,
        },
    }
