"""The desired state as plain data: what the YAML files ask for, with where each thing was written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.desired.display import escaped


@dataclass(frozen=True, order=True)
class Position:
    """Where something was written: a file as the user named it, 1-based line and column."""

    file: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        # The name as given, but a line break or a terminal escape in it is shown, not acted on; an
        # undecodable byte (a surrogate, from the command line) is shown as its escape too.
        return f"{escaped(self.file)}:{self.line}:{self.col}"


@dataclass(frozen=True)
class InputError:
    """One thing wrong with the user's input, reported as `file:line:col: message`."""

    position: Position
    message: str

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


class InvalidInput(Exception):
    """The input cannot be acted on; carries every error found, sorted by position."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.position, e.message))
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class DesiredPstn:
    """The PSTN connection a location should have, by names as the user wrote them."""

    type: str  # LOCAL_GATEWAY | NON_INTEGRATED_CCP
    trunk: str | None = None
    route_group: str | None = None
    provider: str | None = None  # a connection option's displayName
    connection_id: str | None = None  # a connection option's id


@dataclass(frozen=True)
class DesiredLocation:
    """One location's managed settings. A field absent from `details` is not managed; None means clear it.

    `details["callingLineId"]`, when present, holds only the sub-fields the user manages (`name`,
    `phoneNumber`). `positions` maps a dotted field path ("routingPrefix", "callingLineId.name",
    "pstn.trunk", "pstn") to where its value was written (a `defaults` entry for a defaulted field).
    """

    name: str
    position: Position
    details: Mapping[str, Any] = field(default_factory=dict)
    pstn: DesiredPstn | None = None
    positions: Mapping[str, Position] = field(default_factory=dict)

    def position_of(self, path: str) -> Position:
        """The position of `path`, or of its closest written parent, or of the location itself."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path.rpartition(".")[0]
        return self.position


@dataclass(frozen=True)
class DesiredState:
    """Every managed location, in the order the files define them."""

    locations: tuple[DesiredLocation, ...]
    files: tuple[str, ...] = ()
