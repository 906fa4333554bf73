"""Pure: the ordered steps that take the org from its current state to the desired one.

Per location: (1) the PSTN connection PUT, if it differs; (2) the location-details PUT with only the
changed fields (`callingLineId` whole), never `connection`. A plan is plain data and round-trips
through JSON, so it can be shown, saved and executed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from reconciler.desired.model import DesiredLocation, DesiredState, InputError, InvalidInput
from reconciler.diff import FieldChange, diff_details, diff_pstn, project
from reconciler.resolve import check_against_org, pstn_body
from reconciler.shape import Node
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import details_path, pstn_connection_path

FORMAT_VERSION = 1
StepKind = Literal["pstn", "details"]
STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)
# The live PSTN connection fields a PSTN step is computed from (see Step.basis).
PSTN_BASIS_KEYS = ("pstnConnectionType", "routeType", "routeId", "id")


@dataclass(frozen=True)
class Step:
    location: str
    location_id: str
    kind: StepKind
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
        """A routing-prefix change starts an org-wide job; only one may run at a time."""
        return self.kind == "details" and "routingPrefix" in self.body

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
        kind = cast(StepKind, node["kind"].choice(STEP_KINDS))
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
    if loc.pstn is not None and state.pstn is not None:
        changes = diff_pstn(loc.pstn, state.pstn, current.route_names)
        if changes:
            body = pstn_body(loc, loc.pstn, state, current)
            if isinstance(body, InputError):
                errors.append(body)
            else:
                basis = {key: state.pstn.get(key) for key in PSTN_BASIS_KEYS}
                steps.append(_step(state, "pstn", pstn_connection_path(state.id), body, changes, basis))
    if loc.details and state.details is not None:
        changes = diff_details(loc.details, state.details)
        if changes:
            body = details_body(loc.details, state.details, changes)
            basis = project(state.details, loc.details)
            steps.append(_step(state, "details", details_path(state.id), body, changes, basis))
    return steps


def details_body(
    desired: Mapping[str, Any], current: Mapping[str, Any], changes: tuple[FieldChange, ...]
) -> dict[str, Any]:
    """Only the changed fields; `callingLineId` whole, because the API wants the number with the name."""
    body: dict[str, Any] = {}
    for change in changes:
        field = change.field.split(".")[0]
        if field == "callingLineId":
            live = current.get("callingLineId")
            whole = project(live, {"name": None, "phoneNumber": None}) if isinstance(live, Mapping) else {}
            body[field] = {**{k: v for k, v in whole.items() if v is not None}, **desired[field]}
        else:
            body[field] = desired[field]
    return body


def _step(
    state: LocationState,
    kind: StepKind,
    path: str,
    body: Mapping[str, Any],
    changes: tuple[FieldChange, ...],
    basis: Mapping[str, Any],
) -> Step:
    return Step(state.name, state.id, kind, "PUT", path, body, changes, basis)
