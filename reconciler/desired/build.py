"""The model built from merged, valid locations: managed details, PSTN, and where each was written."""

from __future__ import annotations

from typing import Any

from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DETAIL_FIELDS, DesiredLocation, DesiredPstn, DesiredState, Position

CALLING_LINE_ID_FIELDS = ("name", "phoneNumber")
# pstn field in the file -> DesiredPstn attribute
_PSTN_ATTRIBUTES = {
    "trunk": "trunk",
    "routeGroup": "route_group",
    "provider": "provider",
    "connectionId": "connection_id",
}


def build_state(locations: list[FieldSet], files: list[str]) -> DesiredState:
    """The desired state of locations that passed every check."""
    return DesiredState(locations=tuple(build_location(loc) for loc in locations), files=tuple(files))


def build_location(location: FieldSet) -> DesiredLocation:
    """One location: only the managed fields present, None for null, positions by dotted path."""
    fields = location.fields
    details: dict[str, Any] = {}
    positions: dict[str, Position] = {}
    for name in DETAIL_FIELDS:
        if name not in fields:
            continue
        positions[name] = location.position(name)
        value = fields[name]
        if name == "callingLineId":
            value = {sub: value[sub] for sub in CALLING_LINE_ID_FIELDS if sub in value}
            for sub in value:
                positions[f"callingLineId.{sub}"] = location.position(name, sub)
        details[name] = value
    pstn = None
    if "pstn" in fields:
        written = fields["pstn"]
        positions["pstn"] = location.position("pstn")
        for sub in ("type", *_PSTN_ATTRIBUTES):
            if sub in written:
                positions[f"pstn.{sub}"] = location.position("pstn", sub)
        pstn = DesiredPstn(
            type=written["type"],
            **{attribute: written.get(sub) for sub, attribute in _PSTN_ATTRIBUTES.items()},
        )
    return DesiredLocation(
        name=fields["name"],
        position=location.where,
        details=details,
        pstn=pstn,
        positions=positions,
    )
