"""Which locations of the desired state a run acts on: `--location` and `--exclude`, as shell globs.

A selection narrows a run after the whole desired state has been checked, so a typo elsewhere in the
files is still found. A saved plan records its selection; applying it under another is refused, since
the steps a narrower run leaves out are not the ones reviewed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from reconciler.desired.display import printable
from reconciler.desired.model import DesiredState
from reconciler.shape import Node


@dataclass(frozen=True)
class Selection:
    locations: tuple[str, ...] = ()  # globs; none: every location
    exclude: tuple[str, ...] = ()  # globs

    @property
    def everything(self) -> bool:
        return not self.locations and not self.exclude

    def picks(self, name: str) -> bool:
        wanted = not self.locations or any(fnmatch.fnmatchcase(name, p) for p in self.locations)
        return wanted and not any(fnmatch.fnmatchcase(name, p) for p in self.exclude)

    def applied(self, desired: DesiredState) -> DesiredState:
        if self.everything:
            return desired
        return replace(desired, locations=tuple(loc for loc in desired.locations if self.picks(loc.name)))

    def unmatched(self, names: Iterable[str]) -> list[str]:
        """The `--location` patterns that name none of `names` (a typo must not plan nothing)."""
        names = list(names)
        return [p for p in self.locations if not any(fnmatch.fnmatchcase(n, p) for n in names)]

    def __str__(self) -> str:
        if self.everything:
            return "every location"
        parts = [f"--location {printable(p, 80)}" for p in self.locations]
        parts += [f"--exclude {printable(p, 80)}" for p in self.exclude]
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"locations": list(self.locations), "exclude": list(self.exclude)}

    @classmethod
    def from_node(cls, node: Node) -> Selection:
        return cls(
            tuple(item.text() for item in node["locations"].items()),
            tuple(item.text() for item in node["exclude"].items()),
        )


EVERYTHING = Selection()
