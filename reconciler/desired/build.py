"""The model built from merged, valid locations: managed details, PSTN, and where each was written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
    written: list[tuple[str, ...]] = []  # the paths of every managed field, for `positions`
    for name in DETAIL_FIELDS:
        if name not in fields:
            continue
        written.append((name,))
        value = fields[name]
        if name == "callingLineId":
            value = {sub: value[sub] for sub in CALLING_LINE_ID_FIELDS if sub in value}
            written.extend((name, sub) for sub in value)
        details[name] = value
    pstn = None
    if "pstn" in fields:
        chosen = fields["pstn"]
        written.append(("pstn",))
        written.extend(("pstn", sub) for sub in ("type", *_PSTN_ATTRIBUTES) if sub in chosen)
        pstn = DesiredPstn(
            type=chosen["type"],
            **{attribute: chosen.get(sub) for sub, attribute in _PSTN_ATTRIBUTES.items()},
        )
    return DesiredLocation(
        name=fields["name"],
        position=location.where,
        details=details,
        pstn=pstn,
        positions=Positions(location, written),
    )


class Positions(Mapping[str, Position]):
    """Where each managed field was written, by dotted path, looked up when asked: positions only serve
    error messages, and most runs of a large file print none."""

    def __init__(self, location: FieldSet, paths: list[tuple[str, ...]]) -> None:
        self._location = location
        self._paths = {".".join(path): path for path in paths}

    def __getitem__(self, dotted: str) -> Position:
        field, *sub = self._paths[dotted]
        return self._location.position(field, *sub)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)
