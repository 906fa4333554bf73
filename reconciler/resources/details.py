"""The location's Webex Calling details: PUT /telephony/config/locations/{locationId}.

Everything this project knows about that endpoint lives here: its desired-state fields, the org lookups
it needs, how the live details are read and compared, how the request body is built (only what changed,
`callingLineId` whole, never `connection`), and how the step is applied: a routing-prefix change starts
an org-wide job, of which only one may run at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.display import UNSAFE
from reconciler.desired.loader import quoted
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, DesiredState, InputError
from reconciler.diff import FieldChange, changes_between, project
from reconciler.jobs import not_started, wait_for_job
from reconciler.resources.base import ApplyContext, Done, Reads, Resource, comment_text, digits, text
from reconciler.resources.fields import E164, FieldSpec, walk
from reconciler.webex.api import UpdateResult, details_path
from reconciler.webex.errors import WebexError

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

    from reconciler.export.document import LiveLocation
    from reconciler.plan import Step
    from reconciler.state import CurrentState, LocationState

KIND = "details"
TITLE = "location details"

ROUTING_PREFIX = re.compile(r"^[0-9]{1,7}$")
OUTSIDE_DIAL_DIGIT = re.compile(r"^[0-9]$")
ANNOUNCEMENT_LANGUAGE = re.compile(r"^[a-z]{2,3}_[a-z]{2}$")
P_ACCESS_NETWORK_INFO_COUNTRIES = ("BE", "DE", "FR")
CALLING_LINE_ID_FIELDS = ("name", "phoneNumber")

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

# The fields the file may manage, in the order they are shown to people.
FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in FIELDS)


def _text(value: Any) -> bool:
    return value is None or isinstance(value, str)  # a field the answer leaves out is empty, as in the GET


def _calling_line_id(value: Any) -> bool:
    return isinstance(value, Mapping) and all(_text(value.get(sub)) for sub in CALLING_LINE_ID_FIELDS)


# The detail fields each item of the calling-locations list (GET /telephony/config/locations) carries, as
# the contract records its answer, and the shape a value there must have to be used. A boolean, or an
# object, the item leaves out is not known to be anything: the details are read then.
LISTED: dict[str, Callable[[Any], bool]] = {
    "routingPrefix": _text,
    "outsideDialDigit": _text,
    "enforceOutsideDialDigit": lambda value: isinstance(value, bool),
    "callingLineId": _calling_line_id,
}


def listed_details(wanted: Mapping[str, Any], listed: Mapping[str, Any]) -> dict[str, Any] | None:
    """The managed detail fields as the location's item of the calling-locations list gives them, when
    it carries every one of them in its shape; None when the details must be read."""
    if not listed or not all(name in LISTED and LISTED[name](listed.get(name)) for name in wanted):
        return None
    return {name: listed.get(name) for name in wanted}


# --- offline rules: formats the schema's patterns cannot explain, and unique prefixes ----------------


def routing_prefix(fields: FieldSet) -> list[InputError]:
    """`routingPrefix` is 1 to 7 digits (null clears it)."""
    value = fields.text("routingPrefix")
    if value is None or ROUTING_PREFIX.fullmatch(value):
        return []
    message = f'routingPrefix must be 1 to 7 digits, e.g. "212", not {quoted(value)}'
    return [InputError(fields.position("routingPrefix"), message)]


def unique_routing_prefixes(locations: list[FieldSet]) -> list[InputError]:
    """No two locations share a routing prefix (null is not a prefix)."""
    errors: list[InputError] = []
    first: dict[str, FieldSet] = {}
    for location in locations:
        prefix = location.text("routingPrefix")
        if prefix is None:
            continue
        if prefix not in first:
            first[prefix] = location
            continue
        here = location.position("routingPrefix")
        there = first[prefix].position("routingPrefix")
        if here == there:
            message = (
                f"routingPrefix {quoted(prefix)} in defaults would be given to every location, "
                "but each location needs its own"
            )
        else:
            owner = first[prefix].text("name")
            who = f"location '{owner}'" if owner is not None else "another location"
            message = f"routingPrefix {quoted(prefix)} is already used by {who} at {there}"
        errors.append(InputError(here, message))
    return errors


def outside_dial_digit(fields: FieldSet) -> list[InputError]:
    """`outsideDialDigit` is one digit (null clears it)."""
    value = fields.text("outsideDialDigit")
    if value is None or OUTSIDE_DIAL_DIGIT.fullmatch(value):
        return []
    message = f'outsideDialDigit must be a single digit, e.g. "9", not {quoted(value)}'
    return [InputError(fields.position("outsideDialDigit"), message)]


def _e164(fields: FieldSet, label: str, value: Any, *path: str) -> list[InputError]:
    if not isinstance(value, str) or E164.fullmatch(value):
        return []
    message = (
        f'{label} must be an E.164 number: "+" and 7 to 15 digits, e.g. "+14158952369", not {quoted(value)}'
    )
    cleaned = re.sub(r"[\s().-]", "", value)
    if not cleaned.startswith("+") and E164.fullmatch("+" + cleaned):
        cleaned = "+" + cleaned
    if cleaned != value and E164.fullmatch(cleaned):
        message += f"; write {quoted(cleaned)}"
    return [InputError(fields.position(*path), message)]


def charge_number(fields: FieldSet) -> list[InputError]:
    """`chargeNumber` is an E.164 number (null clears it)."""
    return _e164(fields, "chargeNumber", fields.fields.get("chargeNumber"), "chargeNumber")


def calling_line_id_number(fields: FieldSet) -> list[InputError]:
    """`callingLineId.phoneNumber` is an E.164 number."""
    calling_line_id = fields.fields.get("callingLineId")
    if not isinstance(calling_line_id, dict):
        return []
    value = calling_line_id.get("phoneNumber")
    return _e164(fields, "callingLineId.phoneNumber", value, "callingLineId", "phoneNumber")


def announcement_language(fields: FieldSet) -> list[InputError]:
    """`announcementLanguage` is a lower-case code like en_us (the API rejects en_US)."""
    value = fields.text("announcementLanguage")
    if value is None or ANNOUNCEMENT_LANGUAGE.fullmatch(value):
        return []
    if ANNOUNCEMENT_LANGUAGE.fullmatch(value.lower()):
        message = (
            f"announcementLanguage must be lower-case: write {quoted(value.lower())}, not {quoted(value)}"
        )
    else:
        message = (
            'announcementLanguage must be a lower-case language_country code such as "en_us" or "fr_fr", '
            f"not {quoted(value)}"
        )
    return [InputError(fields.position("announcementLanguage"), message)]


class DetailsResource(Resource):
    kind = KIND
    title = TITLE
    fields = FIELDS
    field_rules = (
        routing_prefix,
        outside_dial_digit,
        charge_number,
        calling_line_id_number,
        announcement_language,
    )

    def across_locations(self, locations: list[FieldSet]) -> list[InputError]:
        return unique_routing_prefixes(locations)

    def build(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
        details: dict[str, Any] = {}
        written: list[tuple[str, ...]] = []
        for name in FIELD_NAMES:
            if name not in fields:
                continue
            written.append((name,))
            value = fields[name]
            if name == "callingLineId":
                value = {sub: value[sub] for sub in CALLING_LINE_ID_FIELDS if sub in value}
                written.extend((name, sub) for sub in value)
            details[name] = value
        return {"details": details}, written

    def desired(self, location: DesiredLocation) -> Mapping[str, Any] | None:
        return location.details or None

    def live(self, state: LocationState) -> Mapping[str, Any] | None:
        return state.details

    def lookups(self, desired: DesiredState) -> frozenset[str]:
        # pAccessNetworkInfo is only allowed in some countries, and only /locations knows the country.
        wanted = any(loc.details.get("pAccessNetworkInfo") is not None for loc in desired.locations)
        return frozenset({"places"}) if wanted else frozenset()

    def needs_details(self, wanted: Mapping[str, Any], listed: Mapping[str, Any]) -> bool:
        return listed_details(wanted, listed) is None

    async def read(
        self, reads: Reads, wanted: Mapping[str, Any], route_names: Mapping[str, str]
    ) -> dict[str, Any]:
        # The list's values when they are all it needs and nothing else reads the details; else the GET.
        listed = None if reads.details_read else listed_details(wanted, reads.listed)
        return {"details": listed if listed is not None else await reads.details()}

    def org_problems(self, location: DesiredLocation, current: CurrentState) -> list[InputError]:
        if location.details.get("pAccessNetworkInfo") is None:
            return []
        countries = {loc.name: loc.country for loc in current.all_locations or ()}
        country = countries.get(location.name)
        if country in P_ACCESS_NETWORK_INFO_COUNTRIES:
            return []
        return [
            InputError(
                location.position_of("pAccessNetworkInfo"),
                "pAccessNetworkInfo can only be set for locations in Belgium (BE), Germany (DE) "
                f"or France (FR); location '{location.name}' is in {country or 'an unknown country'}",
            )
        ]

    def diff(
        self, wanted: Mapping[str, Any], live: Mapping[str, Any], current: CurrentState
    ) -> tuple[FieldChange, ...]:
        return diff_details(wanted, live)

    def body(
        self,
        location: DesiredLocation,
        wanted: Mapping[str, Any],
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any] | InputError:
        return details_body(wanted, state.details or {}, changes)

    def basis(self, wanted: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        return project(live, wanted)

    def path(self, location_id: str) -> str:
        return details_path(location_id)

    def starts_job(self, step: Step) -> bool:
        return "routingPrefix" in step.body

    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[dict[str, Any], None]:
        return detail_fields(live.details, live.country, notes), None

    async def apply(self, context: ApplyContext, step: Step) -> Done:
        if not self.starts_job(step):
            return await _finished(
                context, step, await context.api.update_location_details(step.location_id, step.body)
            )
        async with context.job_slot:
            return await _prefix_change(context, step)


RESOURCE = DetailsResource()


def diff_details(desired: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """Changes to the location-details fields the desired state manages."""
    return changes_between(project(current, desired), dict(desired), order=list(desired))


def details_body(
    desired: Mapping[str, Any], current: Mapping[str, Any], changes: tuple[FieldChange, ...]
) -> dict[str, Any]:
    """Only the changed fields; `callingLineId` whole, because the API wants the number with the name."""
    body: dict[str, Any] = {}
    for change in changes:
        field = change.field.split(".")[0]
        if field == "callingLineId":
            live = current.get("callingLineId")
            whole = project(live, dict.fromkeys(CALLING_LINE_ID_FIELDS)) if isinstance(live, Mapping) else {}
            body[field] = {**{k: v for k, v in whole.items() if v is not None}, **desired[field]}
        else:
            body[field] = desired[field]
    return body


async def _prefix_change(context: ApplyContext, step: Step) -> Done:
    """A routing-prefix change: while another job runs (409, perhaps started outside this apply),
    wait with growing intervals and try again, up to the job deadline."""
    intervals = context.polling.intervals()
    while True:
        try:
            answer = await context.api.update_location_details(step.location_id, step.body)
        except WebexError as error:
            if error.status == 409 and await intervals.wait():
                continue
            raise
        return await _finished(context, step, answer)


async def _finished(context: ApplyContext, step: Step, answer: UpdateResult) -> Done:
    if answer.status == 206 or (answer.failure_reason and not answer.batch_job_id):
        why = answer.failure_reason or f"HTTP {answer.status} without a reason"
        prefix = next((c for c in step.changes if c.field == "routingPrefix"), None)
        if prefix is None:  # not a prefix change: the answer says only that not all was done
            return Done("failed", reason=f"HTTP {answer.status}: {why}")
        return Done("failed", reason=not_started(why, prefix.before, prefix.after))
    if not answer.batch_job_id:
        return Done("applied")
    job = await wait_for_job(context.api, answer.batch_job_id, context.polling, context.location_names)
    if job.succeeded:
        return Done("applied", batch_job_id=answer.batch_job_id, job=job)
    return Done("failed", reason=job.failure(), batch_job_id=answer.batch_job_id, job=job)


# --- export: the details as the file writes them ------------------------------------------------------


def detail_fields(details: Mapping[str, Any], country: str | None, notes: list[str]) -> CommentedMap:
    """Every detail field the API reports, in the table's order; `notes` gets the values left out."""
    from ruamel.yaml.comments import CommentedMap  # only when exporting: planning never needs it

    fields = CommentedMap()
    for name in FIELD_NAMES:
        value = details.get(name)
        if name == "pAccessNetworkInfo" and country not in P_ACCESS_NETWORK_INFO_COUNTRIES:
            continue  # the API refuses it outside BE, DE and FR: not a field of this location
        if name == "callingLineId":
            _put_calling_line_id(fields, value, notes)
        elif name == "enforceOutsideDialDigit":
            if isinstance(value, bool):
                fields[name] = value
            elif value is not None:
                notes.append(_left_out(name, value, "true or false"))
        else:
            _put_string(fields, name, name, value, notes)
    return fields


def _put_calling_line_id(fields: CommentedMap, value: Any, notes: list[str]) -> None:
    if not isinstance(value, Mapping):
        return  # it cannot be null: left out, unmanaged
    entry = type(fields)()
    for sub in ("name", "phoneNumber"):
        if value.get(sub) is not None:  # only the sub-fields present
            _put_string(entry, sub, f"callingLineId.{sub}", value[sub], notes)
    if entry:
        fields["callingLineId"] = entry


def _put_string(target: CommentedMap, key: str, path: str, value: Any, notes: list[str]) -> None:
    form = _spec(path)
    if value is None:
        if form.clearable:
            target[key] = None
        return
    if not isinstance(value, str) or (form.pattern is not None and not form.pattern.fullmatch(value)):
        notes.append(_left_out(path, value, form.rule or "a string"))
        return
    if UNSAFE.search(value):
        notes.append(_left_out(path, value, "one line of printable text"))
        return
    target[key] = digits(value) if form.quoted else text(value)


def _left_out(path: str, value: Any, rule: str) -> str:
    shown = comment_text(json.dumps(value, ensure_ascii=False, default=str))
    return f"{path} is left out (unmanaged): the org has {shown}, and the file takes {rule}."


def _spec(path: str) -> FieldSpec:
    return next(spec for spec in walk(FIELDS) if spec.path == path)
