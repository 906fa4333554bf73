"""What the location-setting endpoints share (GET and PUT /telephony/config/locations/{id}/<endpoint>):
the file's key named as the endpoint, its value kept under `settings` by kind, a GET that keeps only the
fields its resource reads, a PUT of the step's body, and the format rules of its patterned strings.

A resource of this kind still says what differs, what to send and how to export it; nothing here knows
any one endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.display import UNSAFE, quoted
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import InputError
from reconciler.diff import FieldChange, changes_between, project
from reconciler.resources.base import ApplyContext, Done, Reads, Resource, comment_text, digits, text
from reconciler.resources.fields import FieldSpec, walk
from reconciler.webex.api import details_path

if TYPE_CHECKING:
    from reconciler.plan import Step


class LocationSetting(Resource):
    """An endpoint below the location's path, managed under one key of the file named as the endpoint."""

    endpoint: str  # the path below the location's: "internalDialing", "voicePortal"
    # The GET fields the resource reads; nothing else of an answer is kept (a secret the API might send
    # one day never reaches a plan, a report or an export).
    kept: tuple[str, ...]

    @property
    def spec(self) -> FieldSpec:
        """The file's key for this endpoint, an object of the managed fields."""
        return self.fields[0]

    def build(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
        if self.kind not in fields:
            return {}, []
        value = fields[self.kind]
        return {"settings": {self.kind: value}}, [(self.kind,), *_paths(value, (self.kind,))]

    def path(self, location_id: str) -> str:
        return f"{details_path(location_id)}/{self.endpoint}"

    async def get(self, reads: Reads) -> dict[str, Any]:
        answer = await reads.api.client.get_json(self.path(reads.location_id))
        return {key: answer[key] for key in self.kept if key in answer}

    async def read(self, reads: Reads, wanted: Any, route_names: Mapping[str, str]) -> dict[str, Any]:
        return {"settings": {self.kind: await self.get(reads)}}

    async def read_for_export(self, reads: Reads) -> Mapping[str, Any] | None:
        return await self.get(reads)

    async def apply(self, context: ApplyContext, step: Step) -> Done:
        # Every PUT of these endpoints answers 204 without a body.
        await context.api.client.put_json(self.path(step.location_id), step.body)
        return Done("applied")

    def changes(self, live: Mapping[str, Any], wanted: Mapping[str, Any]) -> tuple[FieldChange, ...]:
        """The managed fields of `wanted` whose value in `live` (in the file's terms) differs, as
        dotted paths under the endpoint's key."""
        found = changes_between(project(live, wanted), dict(wanted), order=list(wanted))
        return tuple(FieldChange(f"{self.kind}.{c.field}", c.before, c.after) for c in found)


def _paths(value: Any, at: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The path of every key below `at` in a valid value (for the positions of what it manages)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield (*at, key)
            yield from _paths(item, (*at, key))


def format_rules(specs: tuple[FieldSpec, ...]) -> tuple[Callable[[FieldSet], list[InputError]], ...]:
    """One rule per patterned string field: the schema's own error for a pattern is dropped in favour
    of these (see desired.schema.owned_by_rules), so each such field needs one."""
    return tuple(_format_rule(spec) for spec in walk(specs) if spec.pattern is not None)


def _format_rule(spec: FieldSpec) -> Callable[[FieldSet], list[InputError]]:
    top, *sub = spec.path.split(".")

    def rule(fields: FieldSet) -> list[InputError]:
        value: Any = fields.fields.get(top)
        for key in sub:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str) or spec.pattern is None or spec.pattern.fullmatch(value):
            return []
        return [
            InputError(fields.position(top, *sub), f"{spec.path} must be {spec.rule}, not {quoted(value)}")
        ]

    rule.__doc__ = f"`{spec.path}` is {spec.rule}."
    return rule


# --- export --------------------------------------------------------------------------------------------


def export_map() -> Any:
    """An empty mapping of the exported file (ruamel is imported only when exporting)."""
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap()


def put_value(target: MutableMapping[str, Any], spec: FieldSpec, value: Any, notes: list[str]) -> None:
    """A live string or boolean as the file writes it under its key, or a note saying why it is left
    out (a value the file's rules would refuse is never written)."""
    if value is None:
        if spec.clearable:
            target[spec.name] = None
        return
    if spec.type == "boolean":
        if isinstance(value, bool):
            target[spec.name] = value
        else:
            notes.append(left_out(spec.path, value, "true or false"))
        return
    wrong = (
        (spec.pattern is not None and not spec.pattern.fullmatch(value)) if isinstance(value, str) else True
    )
    if wrong or (spec.enum and value not in spec.enum) or (spec.non_empty and not value):
        notes.append(left_out(spec.path, value, spec.rule or _one_of(spec)))
    elif UNSAFE.search(value):
        notes.append(left_out(spec.path, value, "one line of printable text"))
    else:
        target[spec.name] = digits(value) if spec.quoted else text(value)


def _one_of(spec: FieldSpec) -> str:
    if spec.enum:
        return "one of " + ", ".join(spec.enum)
    return "a non-empty string" if spec.non_empty else "a string"


def left_out(path: str, value: Any, rule: str) -> str:
    """The note for a live value the file cannot hold."""
    shown = comment_text(json.dumps(value, ensure_ascii=False, default=str))
    return f"{path} is left out (unmanaged): the org has {shown}, and the file takes {rule}."
