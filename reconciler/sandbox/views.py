"""The org's objects as the Webex API shows them. Unset (null) fields are left out, as the live API does."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from reconciler.sandbox.org import ConnectionOption, Job, Location, RouteGroup, SandboxOrg, Trunk, webex_id

USER_LIMIT = 500000


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _calling_line_id(location: Location) -> dict[str, Any] | None:
    assert location.details is not None
    value = location.details["callingLineId"]
    return _compact(dict(value)) if value else None


def location_item(org: SandboxOrg, location: Location) -> dict[str, Any]:
    """An item of GET /locations."""
    return _compact(
        {
            "id": location.id,
            "name": location.name,
            "orgId": org.id,
            "timeZone": location.time_zone,
            "preferredLanguage": location.preferred_language,
            "address": _compact(dict(location.address)),
            "latitude": location.latitude,
            "longitude": location.longitude,
            "notes": location.notes,
        }
    )


def calling_location_item(location: Location) -> dict[str, Any]:
    """An item of GET /telephony/config/locations."""
    assert location.details is not None
    return _compact(
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
    connection = _details_connection(org, location)
    return _compact(
        {
            "id": location.id,
            "name": location.name,
            "announcementLanguage": fields["announcementLanguage"],
            "callingLineId": _calling_line_id(location),
            "connection": connection,
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


def connection_option(option: ConnectionOption) -> dict[str, Any]:
    """An item of GET .../connectionOptions: as documented, without the option's pstnConnectionType."""
    return {"id": option.id, "displayName": option.display_name, "pstnServices": list(option.pstn_services)}


def pstn_connection(org: SandboxOrg, location: Location, *, with_route: bool = True) -> dict[str, Any]:
    """GET .../connection: the option in use and its type, plus routeType/routeId for a local gateway
    (`with_route` False: the shape before 2025, without them)."""
    assert location.pstn is not None
    option = org.options[location.pstn.option_id]
    data = {**connection_option(option), "pstnConnectionType": option.pstn_connection_type}
    if with_route and location.pstn.route_type is not None:
        data["routeType"] = location.pstn.route_type
        data["routeId"] = location.pstn.route_id
    return data


def trunk_item(trunk: Trunk, in_use: bool) -> dict[str, Any]:
    return {
        "id": trunk.id,
        "name": trunk.name,
        "location": {"id": webex_id("LOCATION", trunk.location), "name": trunk.location},
        "inUse": in_use,
        "trunkType": trunk.trunk_type,
    }


def route_group_item(route_group: RouteGroup, in_use: bool) -> dict[str, Any]:
    return {"id": route_group.id, "name": route_group.name, "inUse": in_use}


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job(job: Job, now: float, duration: float) -> dict[str, Any]:
    """GET /telephony/config/jobs/updateRoutingPrefix/{id}: status derived from the clock.

    A job with errors ends FAILED, or COMPLETED with exit code COMPLETED_WITH_ERRORS when it is partly
    done; either way it counts its errors as failed.
    """
    phase = job.phase(now, duration)
    done = phase in ("COMPLETED", "FAILED")
    exit_code = job.exit_code(now, duration)
    ended = job.created + duration if done else None
    last = ended if ended is not None else max(now, job.created)
    execution = _compact(
        {
            "id": 1,
            "startTime": _timestamp(job.created),
            "endTime": None if ended is None else _timestamp(ended),
            "lastUpdated": _timestamp(last),
            "statusMessage": phase,
            "exitCode": exit_code,
            "createdTime": _timestamp(job.created),
            "timeElapsed": f"PT{last - job.created:.3f}S",
        }
    )
    failed = len(job.errors) if done else 0
    return {
        "id": job.id,
        "name": "updateroutingprefix",
        "trackingId": job.tracking_id,
        "latestExecutionStatus": phase,
        "latestExecutionExitCode": exit_code,
        "counts": {
            "routingPrefixUpdated": 1 if phase == "COMPLETED" else 0,
            "routingPrefixFailed": failed,
        },
        "jobExecutionStatus": [execution],
    }


def job_errors(job: Job, now: float, duration: float) -> dict[str, Any]:
    """GET .../errors: the job's errors once it has ended (none for a successful job)."""
    if job.running(now, duration):
        return {"items": []}
    return {
        "items": [
            {
                "itemNumber": number,
                "trackingId": job.tracking_id,
                "error": {
                    "key": str(error.code),
                    "message": [
                        {
                            "description": error.description,
                            "code": str(error.code),
                            "locationId": webex_id("LOCATION", error.location),
                        }
                    ],
                },
            }
            for number, error in enumerate(job.errors, start=1)
        ]
    }
