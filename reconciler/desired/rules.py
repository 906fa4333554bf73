"""Semantic rules: what JSON Schema cannot say well, each a small function with its own message.

Field rules run on every location after the merge with `defaults` (so a bad defaulted value is reported
at the `defaults` entry) and on each `defaults` block itself (so it is checked even when no location
uses it); the caller drops repeats of the same message at the same place. A rule looks only at values
of the right type: a wrong type is the schema's to report.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from reconciler.desired.display import SURROGATE, UNSAFE, printable
from reconciler.desired.fields import NAME_MAX_LENGTH, formatted_fields
from reconciler.desired.loader import PathStep
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import InputError

Rule = Callable[[FieldSet], list[InputError]]


def check(locations: list[FieldSet], defaults: list[FieldSet]) -> list[InputError]:
    """Every semantic error in the merged locations and the defaults blocks: the rules of every field
    here, and each resource's own (its fields' formats, and what must hold across locations)."""
    # Imported here: the resources build on the desired-state model this package defines.
    from reconciler.resources import RESOURCES

    field_rules = (one_line_of_text, *(rule for resource in RESOURCES for rule in resource.field_rules))
    errors: list[InputError] = []
    for fields in (*defaults, *locations):
        for rule in field_rules:
            errors.extend(rule(fields))
    for location in locations:
        errors.extend(location_name(location))
    errors.extend(unique_names(locations))
    for resource in RESOURCES:
        errors.extend(resource.across_locations(locations))
    return errors


def location_name(location: FieldSet) -> list[InputError]:
    """A location's name is 1 to 80 characters."""
    name = location.text("name")
    if name is None:
        return []
    if not name:
        return [InputError(location.position("name"), "location name must not be empty")]
    if len(name) > NAME_MAX_LENGTH:
        message = f"location name must be at most {NAME_MAX_LENGTH} characters; this one has {len(name)}"
        return [InputError(location.position("name"), message)]
    return []


def unique_names(locations: list[FieldSet]) -> list[InputError]:
    """A location is defined once across all files; the second definition names the first."""
    errors: list[InputError] = []
    first: dict[str, FieldSet] = {}
    for location in locations:
        name = location.text("name")
        if name is None:
            continue
        if name in first:
            where = first[name].position("name")
            message = f"location '{printable(name)}' is defined twice; first defined at {where}"
            errors.append(InputError(location.position("name"), message))
        else:
            first[name] = location
    return errors


def one_line_of_text(fields: FieldSet) -> list[InputError]:
    """Text values are one line of printable text: no control characters, line breaks or bidi controls.

    Names and caller IDs go to phones, to Control Hub and to this tool's messages; an escape sequence
    or a right-to-left override in them is never intended.
    """
    errors: list[InputError] = []
    for name, value in fields.fields.items():
        for sub, text in _texts(value):
            found = UNSAFE.search(text)
            if found is None:
                continue
            label = ".".join(str(step) for step in (name, *sub))
            if label in formatted_fields():  # its own rule refuses anything but its format
                continue
            index = found.start()
            char = text[index]
            if char in "\n\r\x85\u2028\u2029":
                what = "a line break"
            elif unicodedata.category(char) == "Cc":
                what = "a control character"
            elif SURROGATE.match(char):  # the loader refuses these first, naming the escape
                what = "a UTF-16 surrogate"
            else:
                what = "a bidirectional-text control"
            message = (
                f"{printable(label)} contains {what} (U+{ord(char):04X}) at character {index + 1}; "
                "it must be a single line of printable text"
            )
            errors.append(InputError(fields.position(name, *sub), message))
    return errors


def _texts(value: Any, path: tuple[PathStep, ...] = ()) -> Iterator[tuple[tuple[PathStep, ...], str]]:
    """Every string in `value` (nested mappings and lists too), with its path below the field."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))
