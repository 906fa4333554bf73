"""The location's Webex Calling details: PUT /telephony/config/locations/{locationId}.

Everything this project knows about that endpoint lives here: its desired-state fields, how the live
details are read and compared, how the request body is built, and how the step is applied (a routing-
prefix change starts an org-wide job).
"""

from __future__ import annotations

import re

from reconciler.resources.fields import E164, FieldSpec

KIND = "details"
TITLE = "location details"

ROUTING_PREFIX = re.compile(r"^[0-9]{1,7}$")
OUTSIDE_DIAL_DIGIT = re.compile(r"^[0-9]$")
ANNOUNCEMENT_LANGUAGE = re.compile(r"^[a-z]{2,3}_[a-z]{2}$")
P_ACCESS_NETWORK_INFO_COUNTRIES = ("BE", "DE", "FR")

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "announcementLanguage",
        "string",
        (
            "The location's phone announcement language, as a lower-case code such as en_us or fr_fr "
            "(the API rejects en_US). Cannot be null."
        ),
        pattern=ANNOUNCEMENT_LANGUAGE,
        rule="a lower-case code such as en_us",
    ),
    FieldSpec(
        "callingLineId",
        "object",
        (
            "Location calling line information: the caller ID shown for calls from the location. Only "
            "the sub-fields written are managed (at least one); the whole object is sent when either "
            "changes. Cannot be null."
        ),
        min_properties=1,
        children=(
            FieldSpec(
                "callingLineId.name",
                "string",
                ("Group calling line ID name (by default the organization's name). null clears it."),
                clearable=True,
            ),
            FieldSpec(
                "callingLineId.phoneNumber",
                "string",
                (
                    "Directory number / main number of the location in E.164 format: a quoted string, + then "
                    '7 to 15 digits, e.g. "+12145555698". The number must already belong to the location.'
                ),
                pattern=E164,
                rule="an E.164 number",
                e164=True,
            ),
        ),
    ),
    FieldSpec(
        "externalCallerIdName",
        "string",
        ("External caller ID name value (Unicode characters). null clears it."),
        clearable=True,
    ),
    FieldSpec(
        "pAccessNetworkInfo",
        "string",
        (
            "Emergency Location Identifier for the location, sent in the P-Access-Network-Info "
            "header. Webex sets it only for locations whose country is Belgium (BE), Germany (DE) or "
            "France (FR). null clears it."
        ),
        clearable=True,
    ),
    FieldSpec(
        "outsideDialDigit",
        "string",
        (
            "The digit users must dial to reach an outside line (default none), as a quoted string of "
            'one digit, e.g. "9". null clears it. Changing it does not change '
            "`enforceOutsideDialDigit`."
        ),
        pattern=OUTSIDE_DIAL_DIGIT,
        rule="one digit",
        digits=True,
        clearable=True,
    ),
    FieldSpec(
        "enforceOutsideDialDigit",
        "boolean",
        ("true to enforce the outside dial digit at location level to make PSTN calls. Cannot be null."),
    ),
    FieldSpec(
        "routingPrefix",
        "string",
        (
            "Prefix dialled to reach this location's extensions from other locations that use the "
            'same extensions: a quoted string of 1 to 7 digits, e.g. "212", unique in the '
            "organization (and across all files). null clears it. A change starts an "
            "organization-wide routing-prefix job; only one such job runs at a time, so these changes "
            "are applied one after another."
        ),
        pattern=ROUTING_PREFIX,
        rule="1 to 7 digits",
        digits=True,
        clearable=True,
        disruptive="starts an org-wide routing-prefix job",
    ),
    FieldSpec(
        "chargeNumber",
        "string",
        (
            "Chargeable number for the line placing the call: when set, every call placed from this "
            "location carries a P-Charge-Info header with this number in the SIP INVITE. E.164 as a "
            'quoted string, e.g. "+14158952369". null clears it.'
        ),
        pattern=E164,
        rule="an E.164 number",
        e164=True,
        clearable=True,
    ),
)
