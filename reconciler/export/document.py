"""Pure: the desired-state document that describes the org as it is, built from what the API answered.

Every field the API reports is written, so the file manages it: a clearable field the API leaves out
is written as `null`. References are by name (trunk, route group, PSTN provider), never by ID, except
`connectionId` when a provider's name is ambiguous. A value the file's rules cannot hold (the API has
answered outside its documentation before) is left out and named in the location's comment, so the file
still validates and plans to no changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.desired.display import UNSAFE, printable
from reconciler.export.emit import comment_text, dump, text
from reconciler.resources import RESOURCES
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
    # What every other resource read for export, by its kind (`Resource.read_export`).
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class OrgSnapshot:
    locations: tuple[LiveLocation, ...]  # in the org's order
    route_names: Mapping[str, str] = field(default_factory=dict)  # trunk and route-group names by ID


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
    """A location's entry in the file, and the comment that goes above it: each resource writes its own
    fields, in apply order, and may say in a phrase what it found (the PSTN connection in words)."""
    entry = CommentedMap()
    entry["name"] = text(live.name)
    notes: list[str] = []
    phrases = [_place(live)]
    for resource in RESOURCES:
        fields, phrase = resource.export(live, route_names, notes)
        entry.update(fields)
        if phrase:
            phrases.append(phrase)
    return entry, "\n".join([". ".join(phrases), *notes])


def _place(live: LiveLocation) -> str:
    known = [comment_text(part) for part in (live.city, live.country) if part]
    return ", ".join(known) if known else "City and country unknown"
