"""The PSTN connection of a location: PUT /telephony/pstn/locations/{locationId}/connection.

Everything this project knows about that endpoint lives here: its desired-state fields, how the live
connection is read and compared, how the request body is built, and how the step is applied.
"""

from __future__ import annotations

from reconciler.resources.fields import FieldSpec

KIND = "pstn"
TITLE = "PSTN connection"
DISRUPTION = "re-routes the location's PSTN calls"

# PSTN connection types the API can set, and the ones it can only report.
SETTABLE_TYPES: tuple[str, ...] = ("LOCAL_GATEWAY", "NON_INTEGRATED_CCP")
UNSETTABLE_TYPES: tuple[str, ...] = ("INTEGRATED_CCP", "CISCO_PSTN")
# For each type that can be set: the fields that pick its route, of which exactly one is needed.
CHOICES: dict[str, tuple[str, str]] = {
    "LOCAL_GATEWAY": ("trunk", "routeGroup"),
    "NON_INTEGRATED_CCP": ("provider", "connectionId"),
}

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "pstn",
        "object",
        (
            "The location's PSTN connection, set through the PSTN endpoint (PUT "
            "/telephony/pstn/locations/{locationId}/connection) before any other setting. "
            "LOCAL_GATEWAY takes exactly one of `trunk` or `routeGroup`; NON_INTEGRATED_CCP takes "
            "exactly one of `provider` or `connectionId`. Leave `pstn` out to leave the connection "
            "unmanaged."
        ),
        required=("type",),
        disruptive=DISRUPTION,
        children=(
            FieldSpec(
                "pstn.type",
                "string",
                (
                    "PSTN connection type. LOCAL_GATEWAY (premises trunk or route group) and "
                    "NON_INTEGRATED_CCP (a cloud connected PSTN provider) can be set. INTEGRATED_CCP and "
                    "CISCO_PSTN cannot be set through the Webex API: set them in Control Hub and leave "
                    "`pstn` unmanaged."
                ),
                enum=(*SETTABLE_TYPES, *UNSETTABLE_TYPES),
                disruptive=DISRUPTION,
            ),
            FieldSpec(
                "pstn.trunk",
                "string",
                (
                    'LOCAL_GATEWAY only: the name of the trunk ("connection between Webex Calling and the '
                    "premises\") that carries this location's PSTN calls. Use either `trunk` or `routeGroup`."
                ),
                non_empty=True,
                disruptive=DISRUPTION,
                resolves="trunks",
            ),
            FieldSpec(
                "pstn.routeGroup",
                "string",
                (
                    "LOCAL_GATEWAY only: the name of the route group (at least one and at most 10 trunks) "
                    "that carries this location's PSTN calls. Use either `trunk` or `routeGroup`."
                ),
                non_empty=True,
                disruptive=DISRUPTION,
                resolves="routeGroups",
            ),
            FieldSpec(
                "pstn.provider",
                "string",
                (
                    "NON_INTEGRATED_CCP only: the `displayName` of one of the location's PSTN connection "
                    'options, e.g. "Pure IP Cloud". Use either `provider` or `connectionId`.'
                ),
                non_empty=True,
                disruptive=DISRUPTION,
                resolves="connectionOptions",
            ),
            FieldSpec(
                "pstn.connectionId",
                "string",
                (
                    "NON_INTEGRATED_CCP only: the `id` of one of the location's PSTN connection options (\"a "
                    'unique identifier for the connection; required for non-integrated CCP"). Use either '
                    "`provider` or `connectionId`."
                ),
                non_empty=True,
                disruptive=DISRUPTION,
                resolves="connectionOptions",
            ),
        ),
    ),
)
