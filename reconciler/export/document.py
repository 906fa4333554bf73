"""Pure: the desired-state document that describes the org as it is, built from what the API answered.

Every field the API reports is written, so the file manages it: a clearable field the API leaves out
is written as `null`. References are by name (trunk, route group, PSTN provider), never by ID, except
`connectionId` when a provider's name is ambiguous. A value the file's rules cannot hold (the API has
answered outside its documentation before) is left out and named in the location's comment, so the file
still validates and plans to no changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.desired.display import UNSAFE, printable
from reconciler.desired.fields import ANNOUNCEMENT_LANGUAGE, E164, OUTSIDE_DIAL_DIGIT, ROUTING_PREFIX
from reconciler.desired.model import DETAIL_FIELDS
from reconciler.diff import current_pstn_view
from reconciler.export.emit import comment_text, digits, dump, text
from reconciler.resolve import P_ACCESS_NETWORK_INFO_COUNTRIES
from reconciler.webex.api import ConnectionOption

FORMAT_VERSION = 1


@dataclass(frozen=True)
class LiveLocation:
    """One calling-enabled location as the API shows it: all that its entry in the file is made of."""

    name: str
    details: Mapping[str, Any]  # GET /telephony/config/locations/{id}
    pstn: Mapping[str, Any] | None  # GET .../connection; None when no PSTN connection is set up
    options: tuple[ConnectionOption, ...] = ()  # the location's connection options (read for a CCP only)
    city: str | None = None  # from GET /locations
    country: str | None = None


@dataclass(frozen=True)
class OrgSnapshot:
    locations: tuple[LiveLocation, ...]  # in the org's order
    route_names: Mapping[str, str] = field(default_factory=dict)  # trunk and route-group names by ID


@dataclass(frozen=True)
class _Format:
    """What the file accepts for one string field, and how it is written."""

    pattern: re.Pattern[str] | None = None  # None: any string
    rule: str = ""  # the pattern in words, for the note when a live value breaks it
    quoted: bool = False  # digits and numbers: always double-quoted
    clearable: bool = False  # null means "clear it"; absent from the API answer is written as null


_FORMATS: dict[str, _Format] = {
    "announcementLanguage": _Format(ANNOUNCEMENT_LANGUAGE, "a lower-case code such as en_us"),
    "externalCallerIdName": _Format(clearable=True),
    "pAccessNetworkInfo": _Format(clearable=True),
    "outsideDialDigit": _Format(OUTSIDE_DIAL_DIGIT, "one digit", quoted=True, clearable=True),
    "routingPrefix": _Format(ROUTING_PREFIX, "1 to 7 digits", quoted=True, clearable=True),
    "chargeNumber": _Format(E164, "an E.164 number", quoted=True, clearable=True),
    "callingLineId.name": _Format(),
    "callingLineId.phoneNumber": _Format(E164, "an E.164 number", quoted=True),
}
_PSTN_KEYS = dict.fromkeys(("type", "trunk", "routeGroup", "provider", "connectionId"))
_UNSETTABLE_WORDS = {"INTEGRATED_CCP": "integrated CCP", "CISCO_PSTN": "Cisco PSTN"}
_UNMANAGED = "`pstn` is left out (unmanaged)"


def render(org: OrgSnapshot, *, tool_version: str, exported_on: date) -> str:
    """The text of the desired-state file for `org`."""
    return dump(build_document(org, tool_version=tool_version, exported_on=exported_on))


def build_document(org: OrgSnapshot, *, tool_version: str, exported_on: date) -> CommentedMap:
    document = CommentedMap()
    document["version"] = FORMAT_VERSION
    locations = CommentedSeq()
    # A name the file cannot hold (not one line of printable text) cannot be managed by name.
    unnamable = [live.name for live in org.locations if UNSAFE.search(live.name)]
    for live in (live for live in org.locations if not UNSAFE.search(live.name)):
        entry, comment = location_entry(live, org.route_names)
        index = len(locations)
        locations.append(entry)
        # A blank line between locations, as in examples/locations.yaml; the comment sits on the dash.
        locations.yaml_set_comment_before_after_key(index, before=("\n" if index else "") + comment, indent=2)
    document["locations"] = locations
    notes = [
        f"Left out: location '{printable(name)}': its name is not one line of printable text."
        for name in unnamable
    ]
    document.yaml_set_start_comment("\n".join([header(tool_version, exported_on), *notes]))
    return document


def header(tool_version: str, exported_on: date) -> str:
    return (
        f"Webex Calling locations exported from the org by wxc-reconcile {tool_version} "
        f"on {exported_on.isoformat()} (UTC).\n"
        "A desired-state file: `wxc-reconcile plan` shows no changes for it until the org drifts.\n"
        "Every field written here is managed. A field that is absent is not managed (never read,\n"
        "never written); a field set to null is managed, and null clears it."
    )


def location_entry(live: LiveLocation, route_names: Mapping[str, str]) -> tuple[CommentedMap, str]:
    """A location's entry in the file, and the comment that goes above it."""
    entry = CommentedMap()
    entry["name"] = text(live.name)
    pstn, pstn_words = pstn_entry(live.pstn, route_names, live.options)
    if pstn is not None and any(UNSAFE.search(str(v)) for v in pstn.values()):
        pstn, pstn_words = (
            None,
            f"{pstn_words}; a name in it is not one line of printable text, so {_UNMANAGED}",
        )
    if pstn is not None:
        entry["pstn"] = pstn
    notes: list[str] = []
    entry.update(detail_fields(live.details, live.country, notes))
    return entry, "\n".join([f"{_place(live)}. {pstn_words}", *notes])


def _place(live: LiveLocation) -> str:
    known = [comment_text(part) for part in (live.city, live.country) if part]
    return ", ".join(known) if known else "City and country unknown"


# --- PSTN ----------------------------------------------------------------------------------------------


def pstn_entry(
    connection: Mapping[str, Any] | None,
    route_names: Mapping[str, str],
    options: tuple[ConnectionOption, ...],
) -> tuple[CommentedMap | None, str]:
    """The `pstn` entry (None when the API cannot set this connection) and the connection in words."""
    if connection is None:
        return None, f"PSTN: none set up; {_UNMANAGED}"
    # The file's own terms (route IDs shown by name), as `plan` compares them.
    view = current_pstn_view(connection, route_names, _PSTN_KEYS)
    kind = view["type"]
    if kind == "LOCAL_GATEWAY":
        return _local_gateway(view, connection.get("routeId"), route_names)
    if kind == "NON_INTEGRATED_CCP":
        return _cloud_provider(view, options)
    return None, f"PSTN: {_unsettable(kind, view['provider'])}, which the Webex API cannot set; {_UNMANAGED}"


def _local_gateway(
    view: Mapping[str, Any], route_id: Any, route_names: Mapping[str, str]
) -> tuple[CommentedMap | None, str]:
    # An ID missing from the trunk and route-group lists would be shown as itself: never write an ID.
    if not isinstance(route_id, str) or route_id not in route_names:
        return None, f"PSTN: local gateway via a route not in the org's trunks or route groups; {_UNMANAGED}"
    for key, words in (("trunk", "trunk"), ("routeGroup", "route group")):
        if view[key] is not None:
            entry = CommentedMap(type="LOCAL_GATEWAY")
            entry[key] = text(view[key])
            return entry, f"PSTN: local gateway via {words} {comment_text(view[key])}"
    return None, f"PSTN: local gateway with a route of unknown type; {_UNMANAGED}"


def _cloud_provider(
    view: Mapping[str, Any], options: tuple[ConnectionOption, ...]
) -> tuple[CommentedMap | None, str]:
    provider = view["provider"] if isinstance(view["provider"], str) and view["provider"] else None
    connection_id = view["connectionId"] if isinstance(view["connectionId"], str) else None
    entry = CommentedMap(type="NON_INTEGRATED_CCP")
    namesakes = sum(1 for option in options if option.display_name == provider)
    # `provider` picks the first option of that name, so a shared name must be pinned by ID.
    if provider is not None and namesakes < 2:
        entry["provider"] = text(provider)
        return entry, f"PSTN: non-integrated CCP {comment_text(provider)}"
    if connection_id:
        entry["connectionId"] = text(connection_id)
        if provider is None:
            return entry, "PSTN: non-integrated CCP without a name, by its connection ID"
        return entry, (
            f"PSTN: non-integrated CCP {comment_text(provider)}, by its connection ID "
            f"({namesakes} connection options have that name)"
        )
    return None, f"PSTN: non-integrated CCP with neither a name nor an ID; {_UNMANAGED}"


def _unsettable(kind: Any, name: Any) -> str:
    words = _UNSETTABLE_WORDS.get(kind) if isinstance(kind, str) else None
    if words is None:
        words = f"{comment_text(kind)} connection" if isinstance(kind, str) else "connection of unknown type"
    return f"{words} ({comment_text(name)})" if isinstance(name, str) and name else words


# --- location details ----------------------------------------------------------------------------------


def detail_fields(details: Mapping[str, Any], country: str | None, notes: list[str]) -> CommentedMap:
    """Every detail field the API reports, in DETAIL_FIELDS order; `notes` gets the values left out."""
    fields = CommentedMap()
    for name in DETAIL_FIELDS:
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
    entry = CommentedMap()
    for sub in ("name", "phoneNumber"):
        if value.get(sub) is not None:  # only the sub-fields present
            _put_string(entry, sub, f"callingLineId.{sub}", value[sub], notes)
    if entry:
        fields["callingLineId"] = entry


def _put_string(target: CommentedMap, key: str, path: str, value: Any, notes: list[str]) -> None:
    form = _FORMATS[path]
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
