"""The org's objects as the Webex API shows them, where more than one endpoint shows them or none of the
managed ones does (locations, trunks, route groups, jobs). Unset (null) fields are left out, as the live
API does. The managed endpoints' own views are in their modules under `endpoints/`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reconciler.sandbox.org import Job, Location, RouteGroup, SandboxOrg, Trunk, webex_id


def compact(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def location_item(org: SandboxOrg, location: Location) -> dict[str, Any]:
    """An item of GET /locations."""
    return compact(
        {
            "id": location.id,
            "name": location.name,
            "orgId": org.id,
            "timeZone": location.time_zone,
            "preferredLanguage": location.preferred_language,
            "address": compact(dict(location.address)),
            "latitude": location.latitude,
            "longitude": location.longitude,
            "notes": location.notes,
        }
    )


def trunk_item(trunk: Trunk, in_use: bool) -> dict[str, Any]:
    return {
        "id": trunk.id,
        "name": trunk.name,
        "location": {"id": webex_id("LOCATION", trunk.location, trunk.scope), "name": trunk.location},
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
    execution = compact(
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
                            "locationId": webex_id("LOCATION", error.location, job.scope),
                        }
                    ],
                },
            }
            for number, error in enumerate(job.errors, start=1)
        ]
    }
