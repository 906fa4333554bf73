"""Pure: the ordered steps that take the org from its current state to the desired one.

Per location, one step per managed endpoint that differs, in the registry's order (the PSTN connection
first, then the location details, then the rest); each resource says what differs and what to send.
A plan is plain data and round-trips through JSON, so it can be shown, saved and executed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.desired.model import DesiredLocation, DesiredState, InputError, InvalidInput
from reconciler.diff import FieldChange
from reconciler.resolve import check_against_org
from reconciler.resources import KINDS, RESOURCES, resource_of
from reconciler.shape import Node
from reconciler.state import CurrentState, LocationState

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Step:
    location: str
    location_id: str
    kind: str  # its resource's kind (resources.KINDS)
    method: str
    path: str
    body: Mapping[str, Any]
    changes: tuple[FieldChange, ...]
    # The live values this step was computed from: every managed field of its endpoint at plan time.
    # A saved plan is stale when re-reading the endpoint and projecting it onto these keys differs.
    basis: Mapping[str, Any] = field(default_factory=dict)

    @property
    def disruptive(self) -> bool:
        return any(change.disruptive for change in self.changes)

    @property
    def starts_job(self) -> bool:
        """Whether the step starts an org-wide job (a routing-prefix change); only one may run at a time."""
        return resource_of(self.kind).starts_job(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "locationId": self.location_id,
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "body": dict(self.body),
            "disruptive": self.disruptive,
            "changes": [c.to_dict() for c in self.changes],
            "basis": dict(self.basis),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "step") -> Step:
        """A step as `to_dict` writes it; ShapeError naming the field when it is not one. A kind this
        version does not know is refused, never read as another kind."""
        node = Node(data, where)
        kind = node["kind"].choice(KINDS)
        return cls(
            location=node["location"].text(),
            location_id=node["locationId"].text(),
            kind=kind,
            method=node["method"].text(),
            path=node["path"].text(),
            body=dict(node["body"].object()),
            changes=tuple(
                FieldChange.from_dict(c.value, c.where) for c in node["changes"].items(non_empty=True)
            ),
            basis=dict(node["basis"].object()),
        )


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    unchanged: tuple[str, ...] = ()  # managed locations already as desired

    @property
    def changed_locations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(step.location for step in self.steps))

    @property
    def field_count(self) -> int:
        return sum(len(step.changes) for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "formatVersion": FORMAT_VERSION,
            "summary": {
                "locationsChanged": len(self.changed_locations),
                "locationsUnchanged": len(self.unchanged),
                "steps": len(self.steps),
                "fields": self.field_count,
            },
            "steps": [step.to_dict() for step in self.steps],
            "unchanged": list(self.unchanged),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "plan") -> Plan:
        """A plan as `to_dict` writes it; ShapeError naming the field when it is not one."""
        node = Node(data, where)
        unchanged = node.get("unchanged")
        return cls(
            steps=tuple(Step.from_dict(s.value, s.where) for s in node["steps"].items()),
            unchanged=() if unchanged.value is None else tuple(n.text() for n in unchanged.items()),
        )


def make_plan(desired: DesiredState, current: CurrentState) -> Plan:
    """The plan for `desired` against `current`; InvalidInput if the org cannot satisfy it."""
    problems = check_against_org(desired, current)
    errors = [error for found in problems.values() for error in found]
    steps: list[Step] = []
    unchanged: list[str] = []
    for loc in desired.locations:
        state = current.locations.get(loc.name)
        if state is None or loc.name in problems:
            continue  # its errors are reported; its steps could not be built
        location_steps = _location_steps(loc, state, current, errors)
        steps.extend(location_steps)
        if not location_steps:
            unchanged.append(loc.name)
    if errors:
        raise InvalidInput(errors)
    return Plan(tuple(steps), tuple(unchanged))


def _location_steps(
    loc: DesiredLocation, state: LocationState, current: CurrentState, errors: list[InputError]
) -> list[Step]:
    steps: list[Step] = []
    for resource in RESOURCES:
        wanted = resource.desired(loc)
        live = resource.live(state)
        if wanted is None or live is None:
            continue
        changes = resource.diff(wanted, live, current)
        if not changes:
            continue
        body = resource.body(loc, wanted, state, current, changes)
        if isinstance(body, InputError):
            errors.append(body)
            continue
        basis = resource.basis(wanted, live)
        path = resource.path(state.id)
        steps.append(Step(state.name, state.id, resource.kind, resource.method, path, body, changes, basis))
    return steps
