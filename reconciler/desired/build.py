"""The model built from merged, valid locations: what each resource manages, and where each was written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, DesiredState, Position


def build_state(locations: list[FieldSet], files: list[str]) -> DesiredState:
    """The desired state of locations that passed every check."""
    return DesiredState(locations=tuple(build_location(loc) for loc in locations), files=tuple(files))


def build_location(location: FieldSet) -> DesiredLocation:
    """One location: each resource takes the managed fields it owns (None for null), and where each
    was written goes into `positions` by dotted path."""
    # Imported here: the resources build on the desired-state model this package defines.
    from reconciler.resources import RESOURCES

    parts: dict[str, Any] = {}
    written: list[tuple[str, ...]] = []  # the paths of every managed field, for `positions`
    for resource in RESOURCES:
        part, paths = resource.build(location.fields)
        parts.update(part)
        written.extend(paths)
    return DesiredLocation(
        name=location.fields["name"],
        position=location.where,
        positions=Positions(location, written),
        **parts,
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
