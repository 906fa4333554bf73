"""A managed endpoint's desired-state fields as data: one table per resource, from which the schema, the
offline format rules, the export's formats and the simulator cross-check are all derived.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

FieldType = Literal["string", "boolean", "integer", "object", "array"]

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a location in the desired-state file, in the API's own name.

    `path` is dotted for a sub-field (`callingLineId.name`, `pstn.trunk`). A field with `children` is an
    object whose sub-fields are those specs.
    """

    path: str
    type: FieldType
    description: str
    pattern: re.Pattern[str] | None = None  # the format a string must have (the schema's `pattern`)
    rule: str = ""  # the pattern in words, for messages: "1 to 7 digits"
    digits: bool = False  # a string of digits: YAML reads it as a number when unquoted
    e164: bool = False  # an E.164 number as a string
    clearable: bool = False  # null is managed and clears it
    non_empty: bool = False  # an empty string (or list) is refused (a name the org must resolve)
    enum: tuple[str, ...] = ()  # of an array: the values its items may take (each at most once)
    disruptive: str | None = None  # why changing it interrupts calls or starts org-wide work
    # Only a change to one of these values is disruptive (empty: any change is); turning a switch on
    # may stop calls where turning it off does not.
    disruptive_values: tuple[str | bool, ...] = ()
    resolves: str | None = None  # the org lookup that turns this name into an ID ("trunks", ...)
    children: tuple[FieldSpec, ...] = ()
    required: tuple[str, ...] = ()  # sub-fields an object must have
    min_properties: int | None = None
    minimum: int | None = None  # an integer's range, both ends included
    maximum: int | None = None
    # Keys an object refuses, each with why (a name the API reports but will not take, a write-only
    # secret): the schema refuses them with that reason, where an unknown key would only be "unknown".
    refused: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """The field's own key: the last part of its path."""
        return self.path.rpartition(".")[2]

    @property
    def quoted(self) -> bool:
        """Written double-quoted by export: digits and numbers that YAML would read as numbers."""
        return self.digits or self.e164

    def schema(self) -> dict[str, Any]:
        """This field's JSON Schema, with a description for editors."""
        node: dict[str, Any] = {"description": self.description}
        if self.type == "array":
            node.update(type="array", items={"enum": list(self.enum)}, uniqueItems=True)
            if self.non_empty:
                node["minItems"] = 1
            return node
        if self.enum:
            node["enum"] = list(self.enum)
            return node
        if self.type == "object":
            node["type"] = ["object", "null"] if self.clearable else "object"
            node["additionalProperties"] = False
            if self.required:
                node["required"] = list(self.required)
            if self.min_properties is not None:
                node["minProperties"] = self.min_properties
            node["properties"] = {child.name: child.schema() for child in self.children}
            for key, why in self.refused:
                node["properties"][key] = {"description": why, "not": {}}
            return node
        node["type"] = [self.type, "null"] if self.clearable else self.type
        if self.minimum is not None:
            node["minimum"] = self.minimum
        if self.maximum is not None:
            node["maximum"] = self.maximum
        if self.non_empty:
            node["minLength"] = 1
        if self.pattern is not None:
            node["pattern"] = self.pattern.pattern
        return node


def walk(specs: tuple[FieldSpec, ...]) -> list[FieldSpec]:
    """Every spec, sub-fields after their object, in table order."""
    found: list[FieldSpec] = []
    for spec in specs:
        found.append(spec)
        found.extend(walk(spec.children))
    return found
