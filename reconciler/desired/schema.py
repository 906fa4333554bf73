"""JSON Schema validation of a desired-state document, with clear messages at the offending place.

The schema (`schemas/locations.schema.json`) is what editors use for completion and help. Its `pattern`
keywords and the length limits of `name` are there for editors only: the semantic rules (rules.py)
report those problems with a better message, so the errors jsonschema gives for them are dropped here
and every problem is reported once.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import fastjsonschema

from reconciler.desired.display import printable
from reconciler.desired.fields import describe, digit_fields, e164_fields, field_label, patterned_fields
from reconciler.desired.loader import Document, JsonPath, position_at, quoted, source_text
from reconciler.desired.model import InputError
from reconciler.shipped import json_schema

if TYPE_CHECKING:  # jsonschema is imported when a file is invalid: it takes longer to import than to check
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "locations.schema.json"


def load_schema() -> dict[str, Any]:
    """The desired-state JSON Schema, as shipped."""
    return json_schema(SCHEMA_FILE)


@functools.cache
def _validator() -> Draft202012Validator:
    """Compiled once per process, from the schema with its local references written out in place."""
    from jsonschema import Draft202012Validator

    schema = load_schema()
    return Draft202012Validator(_inlined(schema, schema, ()))


_ANNOTATIONS = frozenset({"description", "title", "$comment", "default", "examples"})


def _inlined(node: Any, root: dict[str, Any], resolving: tuple[str, ...]) -> Any:
    """`node` with each local `$ref` replaced by what it points to (a copy of the same JSON).

    jsonschema resolves a `$ref` on every visit, and each location visits eight: written out once,
    validating 10,000 locations takes half the time. Same meaning: only a `$ref` whose siblings are
    annotations is replaced, and a reference into itself is left as it is.
    """
    if isinstance(node, list):
        return [_inlined(item, root, resolving) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if (
        isinstance(ref, str)
        and ref.startswith("#/")
        and ref not in resolving
        and set(node) - {"$ref"} <= _ANNOTATIONS
    ):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        return _inlined(target, root, (*resolving, ref))
    return {key: _inlined(value, root, resolving) for key, value in node.items()}


def validate(document: Document) -> list[InputError]:
    """Every schema error in `document`, as messages at the place each was written."""
    errors: list[InputError] = []
    for path, error in _schema_errors(document.plain):
        errors.extend(describe_error(document, path, error))
    return errors


@functools.cache
def _quick_check() -> Callable[[Any], Any]:
    """fastjsonschema's compiled form of the same schema: it says "valid" fifteen times faster, and
    jsonschema, which explains every error, runs only when it does not. (Draft 7 there; the schema uses
    no keyword whose meaning differs from 2020-12, and `$schema` is left out so it does not object.)"""
    schema = load_schema()
    inlined = {key: value for key, value in _inlined(schema, schema, ()).items() if key != "$schema"}
    return cast(Callable[[Any], Any], fastjsonschema.compile(inlined))


def _schema_errors(instance: Any) -> Iterator[tuple[JsonPath, ValidationError]]:
    """(absolute path, error) for every schema error."""
    try:
        _quick_check()(instance)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    for error in _validator().iter_errors(instance):
        yield tuple(error.absolute_path), error


@functools.cache
def owned_by_rules() -> frozenset[tuple[str, str]]:
    """(keyword, field) problems the semantic rules report with a clearer message: the pattern of every
    field whose resource checks its format itself, and the name's length. The schema has these for
    editors; its own error for them is dropped so that each problem is reported once."""
    patterns = {("pattern", path) for path in patterned_fields()}
    return frozenset({*patterns, ("minLength", "name"), ("maxLength", "name")})


def _owned_by_rules(path: JsonPath, keyword: str) -> bool:
    return (keyword, field_label(path)) in owned_by_rules() and path[0] in ("locations", "defaults")


def describe_error(document: Document, path: JsonPath, error: ValidationError) -> list[InputError]:
    """One jsonschema error as messages at its place (an unknown field at its key, a wrong type with the
    form to write); also what the project file's schema errors are told with."""
    if error.context:
        # A oneOf/anyOf failed: jsonschema's best_match descends to the most specific alternative's
        # error (unless the alternatives are equally relevant, when the oneOf's own error stays).
        base = path[: len(path) - len(error.absolute_path)]
        from jsonschema.exceptions import best_match

        error = best_match([error])
        path = (*base, *error.absolute_path)
    keyword = str(error.validator)
    if _owned_by_rules(path, keyword):
        return []
    label = field_label(path)
    value: Any = error.instance
    expected: Any = error.validator_value
    if keyword == "additionalProperties":
        return _unknown_fields(document, path, error)
    if keyword == "required":
        return _missing_fields(document, path, error)
    if keyword == "not" and expected == {} and path:
        return [_refused_field(document, path, error)]
    if keyword == "type":
        message = _wrong_type(document, path, error)
    elif keyword == "const":
        message = f"{label} must be {json.dumps(expected)}, not {describe(value)}"
    elif keyword == "enum":
        message = _not_in_enum(label, value, list(expected))
    elif keyword in ("minimum", "maximum"):
        message = f"{label} must be at {'least' if keyword == 'minimum' else 'most'} {expected}, not {value}"
    elif keyword == "minLength" and expected == 1:
        message = f"{label} must not be empty"
    elif keyword == "minProperties" and expected == 1 and isinstance(error.schema, dict):
        fields = " or ".join(_settable(error.schema))
        message = f"{label} must not be empty: give {fields} (or leave {label} out)"
    else:
        message = f"{label or 'the file'}: {printable(error.message, 200)}"
    return [InputError(position_at(document, path), message)]


def _container(path: JsonPath) -> str:
    """' in pstn' for a nested object; nothing for the file itself or a location."""
    if not path or (len(path) == 2 and path[0] == "locations"):
        return ""
    return f" in {field_label(path)}"


def _unknown_fields(document: Document, path: JsonPath, error: ValidationError) -> list[InputError]:
    object_schema: Any = error.schema
    instance: Any = error.instance
    allowed = _settable(object_schema)
    errors = []
    for key in instance:
        if key in object_schema.get("properties", {}):  # allowed, or refused with a reason of its own
            continue
        position = position_at(document, (*path, key), key=True)
        if key == "name" and path == ("defaults",):
            message = "'name' cannot be set in defaults; each location names itself"
        elif isinstance(key, tuple | Mapping):
            # `? [a, b]` or `? {a: b}`: YAML allows any value as a key; this file's keys are field names.
            kind = "a list" if isinstance(key, tuple) else "a mapping"
            message = f"a field name must be text, not {kind}{_container(path)}"
        else:
            message = _unknown_field(document, path, key, position, allowed)
        errors.append(InputError(position, message))
    return errors


def _unknown_field(document: Document, path: JsonPath, key: Any, position: Any, allowed: list[str]) -> str:
    # A key YAML read as a number, true/false or null is shown as written: `true`, not `True`.
    written = key if isinstance(key, str) else (source_text(document, position) or str(key)).rstrip(":")
    hint = ""
    close = difflib.get_close_matches(written, allowed, n=1, cutoff=0.6)
    if not close:
        close = [name for name in allowed if name.lower() == written.lower()]
    if close:
        hint = f"; did you mean '{close[0]}'?"
    return f"unknown field '{printable(written)}'{_container(path)}{hint} (allowed: {', '.join(allowed)})"


def _settable(object_schema: Any) -> list[str]:
    """The keys an object's schema takes: its properties but those it refuses (`"not": {}`)."""
    properties = object_schema.get("properties", {}) if isinstance(object_schema, dict) else {}
    refused = {name for name, sub in properties.items() if isinstance(sub, dict) and sub.get("not") == {}}
    return [str(name) for name in properties if name not in refused]


def _refused_field(document: Document, path: JsonPath, error: ValidationError) -> InputError:
    """A key its object refuses (`FieldSpec.refused`): the schema's description says why."""
    schema: Any = error.schema
    why = str(schema.get("description", "")) if isinstance(schema, dict) else ""
    key = printable(str(path[-1]))
    message = f"'{key}' cannot be set{_container(path[:-1])}" + (f": {why}" if why else "")
    return InputError(position_at(document, path, key=True), message)


def _missing_fields(document: Document, path: JsonPath, error: ValidationError) -> list[InputError]:
    position = position_at(document, path, key=True)
    where = _container(path)
    if len(path) == 2 and path[0] == "locations":
        where = " in this location"
    required: Any = error.validator_value
    instance: Any = error.instance
    return [
        InputError(position, f"missing required field '{name}'{where}")
        for name in required
        if name not in instance
    ]


_TYPE_NAMES = {
    "string": "a string",
    "null": "null",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "integer": "an integer",
    "number": "a number",
}


_BOOLEAN_WORDS = {
    **dict.fromkeys(("yes", "y", "on", "true"), "true"),
    **dict.fromkeys(("no", "n", "off", "false"), "false"),
}


def _wrong_type(document: Document, path: JsonPath, error: ValidationError) -> str:
    label = field_label(path) or "the file"
    types: Any = error.validator_value
    expected: list[str] = [types] if isinstance(types, str) else list(types)
    value: Any = error.instance
    if "string" in expected and isinstance(value, int | float | date) and path and isinstance(path[-1], str):
        # YAML read a number, true/false or a date where text was meant: show the text, quoted.
        written = source_text(document, position_at(document, path))
        if written is not None:
            if label in digit_fields():
                kind = "a string of digits"
            elif label in e164_fields():
                kind = "an E.164 number written as a string"
            else:
                kind = "a string"
            return f"{label} must be {kind}; write it quoted: {path[-1]}: {quoted(written)}"
    wanted = " or ".join(_TYPE_NAMES.get(str(name), str(name)) for name in expected)
    if expected == ["boolean"] and isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
        # YAML 1.2 reads yes/no/on/off as text; YAML 1.1 (and many people) read them as booleans.
        meant = _BOOLEAN_WORDS[value.strip().lower()]
        return f"{label} must be true or false, not {describe(value)}; write {label}: {meant}"
    if len(path) == 2 and path[0] == "locations":
        return f"a location must be a mapping with at least 'name', not {describe(value)}"
    if label == "locations" and value is None:
        return f"locations must be {wanted}, not null (write `locations: []` for none)"
    if value is None and len(path) >= 2 and path[0] in ("locations", "defaults"):
        return f"{label} cannot be null (it cannot be cleared): give {wanted}, or leave it out"
    return f"{label} must be {wanted}, not {describe(value)}"


def _not_in_enum(label: str, value: Any, options: list[Any]) -> str:
    message = f"{label} must be one of {', '.join(str(o) for o in options)}, not {describe(value)}"
    if isinstance(value, str):
        same = [o for o in options if isinstance(o, str) and o.lower() == value.strip().lower()]
        if same:
            message += f"; did you mean {same[0]}?"
    return message
