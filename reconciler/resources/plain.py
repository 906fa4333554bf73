"""A location setting at `/telephony/config/locations/{locationId}/<endpoint>`: one GET and one partial
PUT, managed under the file's key named as its kind, its value kept under `settings` by kind.

Such a resource is its field table and its endpoint's name; the module of each (voicemail.py,
intercept.py, voice_portal.py, internal_dialing.py) says what is particular to it. For a setting the file
holds in the API's own plain values (no names to resolve, no IDs) the rest comes from here: the desired
value is the file's object as written, the diff compares only its fields, the PUT carries only the fields
that changed, nested as in the file, plus the top-level fields the API requires with every PUT
(`always_sent`) and every sub-field of an object the API takes whole (`sent_whole`), and the export writes
each live field the file can hold. A setting that names things (internalDialing's route) keeps the GET,
the PUT and the build from here and says its own diff, body, basis and export.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.display import UNSAFE, quoted
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, InputError
from reconciler.diff import FieldChange, changes_between, project
from reconciler.resources.base import ApplyContext, Done, Reads, Resource, comment_text, digits, text
from reconciler.resources.fields import FieldSpec, walk
from reconciler.webex.api import details_path

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

    from reconciler.export.document import LiveLocation
    from reconciler.plan import Step
    from reconciler.state import CurrentState, LocationState


class PlainSetting(Resource):
    """A setting whose desired-state key is its kind and whose body fields are the file's fields."""

    endpoint: str  # the path below the location: "voicemail"
    # Top-level fields the API requires in every PUT: sent at the desired value, or, when the file does
    # not manage them, at the live one.
    always_sent: tuple[str, ...] = ()
    # Top-level objects the API takes whole: a change of any sub-field sends them all, the live value
    # filling what the file does not write.
    sent_whole: tuple[str, ...] = ()
    # The GET fields the resource keeps (None: the whole answer); nothing else of an answer reaches the
    # state, a plan, a report or an export (a write-only secret the API might send one day).
    kept: tuple[str, ...] | None = None

    @property
    def spec(self) -> FieldSpec:
        """The desired-state key's own spec (the object the file writes under the kind)."""
        return self.fields[0]

    def build(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
        if self.kind not in fields:
            return {}, []
        value = fields[self.kind]
        return {"settings": {self.kind: value}}, [(self.kind, *path) for path in _paths(value)]

    async def read(self, reads: Reads, wanted: Any, route_names: Mapping[str, str]) -> dict[str, Any]:
        answer = await reads.api.client.get_json(self.path(reads.location_id))
        if self.kept is not None:
            answer = {key: answer[key] for key in self.kept if key in answer}
        return {"settings": {self.kind: answer}}

    async def read_export(self, reads: Reads) -> dict[str, Any]:
        return await self.read(reads, None, {})

    def diff(
        self, wanted: Mapping[str, Any], live: Mapping[str, Any], current: CurrentState
    ) -> tuple[FieldChange, ...]:
        changes = changes_between(project(self.view(live), wanted), dict(wanted), order=list(wanted))
        # In the order the fields are written, nested ones too.
        rank = {".".join(path): index for index, path in enumerate(_paths(wanted))}
        ordered = sorted(changes, key=lambda c: rank.get(c.field, len(rank)))
        return tuple(FieldChange(f"{self.kind}.{c.field}", c.before, c.after) for c in ordered)

    def body(
        self,
        location: DesiredLocation,
        wanted: Mapping[str, Any],
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any] | InputError:
        live = self.view(self.live(state) or {})
        body: dict[str, Any] = {}
        for name in self.always_sent:
            value = wanted[name] if name in wanted else live.get(name)
            if not fits(self._child(name), value):
                return InputError(
                    location.position_of(self.kind),
                    f"{self.kind}.{name} must be written here: the API needs it with every change of "
                    f"{self.kind}, and the org's answer does not say it for location '{location.name}'",
                )
            body[name] = value
        for change in changes:
            _put(body, change.field.split(".")[1:], change.after)
        for name in self.sent_whole:
            if name in body:
                whole = live.get(name)
                kept = {k: v for k, v in whole.items() if v is not None} if isinstance(whole, Mapping) else {}
                body[name] = {**kept, **wanted[name]}
        return body

    def basis(self, wanted: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        shown = self.view(live)
        basis = project(shown, {**dict.fromkeys(self.always_sent), **wanted})
        # What a body sends whole is whole in its basis: a sub-field the file leaves out is sent too.
        basis.update({name: shown.get(name) for name in self.sent_whole if name in wanted})
        return basis

    def view(self, live: Mapping[str, Any]) -> Mapping[str, Any]:
        """The live setting in the file's terms (as the API answers it, unless a resource says more)."""
        return live

    def path(self, location_id: str) -> str:
        return f"{details_path(location_id)}/{self.endpoint}"

    async def apply(self, context: ApplyContext, step: Step) -> Done:
        await context.api.client.put_json(self.path(step.location_id), step.body)
        return Done("applied")

    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[dict[str, Any], str | None]:
        setting = live.settings.get(self.kind)
        entry = exported(self.spec, self.view(setting) if isinstance(setting, Mapping) else setting, notes)
        return ({self.kind: entry} if entry else {}), None

    def _child(self, name: str) -> FieldSpec:
        return next(child for child in self.spec.children if child.name == name)


def _paths(value: Any) -> Iterator[tuple[str, ...]]:
    """The path of `value` itself, then of everything written inside it."""
    yield ()
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from ((key, *path) for path in _paths(item))


def _put(body: dict[str, Any], path: list[str], value: Any) -> None:
    """Set `value` at the nested `path` of `body`, making the objects on the way."""
    for key in path[:-1]:
        body = body.setdefault(key, {})
    body[path[-1]] = value


def fits(spec: FieldSpec, value: Any) -> bool:
    """Whether a file could hold `value` in the field `spec` (the export writes only what validates)."""
    if spec.type == "boolean":
        return isinstance(value, bool)
    if spec.type == "object":
        return isinstance(value, Mapping)
    if spec.type == "integer":
        low, high = spec.minimum, spec.maximum
        whole = isinstance(value, int) and not isinstance(value, bool)
        return whole and (low is None or value >= low) and (high is None or value <= high)
    if not isinstance(value, str) or UNSAFE.search(value) or (spec.non_empty and not value):
        return False
    if spec.enum:
        return value in spec.enum
    return spec.pattern is None or spec.pattern.fullmatch(value) is not None


def export_map() -> CommentedMap:
    """An empty mapping of the exported file."""
    from ruamel.yaml.comments import CommentedMap  # only when exporting: planning never needs it

    return CommentedMap()


def exported(spec: FieldSpec, value: Any, notes: list[str]) -> CommentedMap | None:
    """The object of `spec` as the file writes it, from the live `value`: each field the file can hold;
    one it cannot is left out and said in `notes`; None when nothing (or not all it requires) is left."""
    if not isinstance(value, Mapping):
        if value is not None:
            notes.append(_left_out(spec, value))
        return None
    entry = export_map()
    for child in spec.children:
        item = value.get(child.name)
        if item is None:
            if child.clearable and child.name in value:
                entry[child.name] = None
        elif child.children:
            inner = exported(child, item, notes)
            if inner:
                entry[child.name] = inner
        elif not fits(child, item):
            notes.append(_left_out(child, item))
        elif isinstance(item, str):
            entry[child.name] = digits(item) if child.quoted else text(item)
        else:
            entry[child.name] = item
    if not entry or any(name not in entry for name in spec.required):
        return None
    return entry


def _left_out(spec: FieldSpec, value: Any) -> str:
    shown = comment_text(json.dumps(value, ensure_ascii=False, default=str))
    kinds = {
        "boolean": "true or false",
        "integer": _range(spec),
        "object": "a mapping",
        "string": spec.rule or "one line of text",
    }
    wanted = " or ".join(spec.enum) if spec.enum else kinds[spec.type]
    return f"{spec.path} is left out (unmanaged): the org has {shown}, and the file takes {wanted}."


def _range(spec: FieldSpec) -> str:
    return f"an integer from {spec.minimum} to {spec.maximum}"


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
