"""What the checks know about the file's fields: their formats, and how to name fields and values."""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reconciler.desired.display import quoted

if TYPE_CHECKING:
    from reconciler.resources.fields import FieldSpec

NAME_MAX_LENGTH = 80


# What the resources' field tables say of the fields, as sets of dotted paths. Imported when first
# asked: the resources build on the desired-state model this package defines.


@functools.cache
def digit_fields() -> frozenset[str]:
    """Strings of digits: YAML reads them as numbers when unquoted, so messages show the quoted form."""
    return frozenset(spec.path for spec in _specs() if spec.digits)


@functools.cache
def e164_fields() -> frozenset[str]:
    """E.164 numbers written as strings (the same trap as digits)."""
    return frozenset(spec.path for spec in _specs() if spec.e164)


@functools.cache
def patterned_fields() -> frozenset[str]:
    """Strings with a pattern, which their resource's own rule checks with a clearer message."""
    return frozenset(spec.path for spec in _specs() if spec.pattern is not None)


@functools.cache
def formatted_fields() -> frozenset[str]:
    """Strings with a format of their own (a pattern or an enum), whose own rule refuses anything else."""
    return frozenset(spec.path for spec in _specs() if spec.pattern is not None or spec.enum)


def _specs() -> list[FieldSpec]:
    from reconciler.resources import all_fields
    from reconciler.resources.fields import walk

    return walk(all_fields())


def field_label(path: Sequence[str | int]) -> str:
    """A field's name for messages: the dotted path inside its location or `defaults` block.

    ("locations", 3, "callingLineId", "phoneNumber") -> "callingLineId.phoneNumber";
    ("defaults", "pstn") -> "pstn"; ("locations", 3) -> "locations[3]"; in a project file,
    ("orgs", "acme", "defaults", "pstn") -> "pstn".
    """
    steps = tuple(path)
    if len(steps) >= 3 and steps[0] == "locations" and isinstance(steps[1], int):
        steps = steps[2:]
    elif len(steps) >= 2 and steps[0] == "defaults":
        steps = steps[1:]
    elif len(steps) >= 4 and steps[0] == "orgs" and steps[2] == "defaults":
        steps = steps[3:]
    label = ""
    for step in steps:
        if isinstance(step, int):
            label += f"[{step}]"
        else:
            label += f".{step}" if label else str(step)
    return label


def describe(value: Any) -> str:
    """A value as a message mentions it: `null`, `true`, `the number 9`, `the string "x"`, `a list`.

    Text from the file is escaped and cut short (see display.py): messages reach terminals.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value.bit_length() > 200:
        # Python refuses to write out an int of more than 4,300 digits, and a message needs none of them.
        return f"a number of about {math.floor(value.bit_length() * math.log10(2)) + 1} digits"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime.date):  # an unquoted date or time, which YAML reads as a timestamp
        return "a date"
    return f"a {type(value).__name__}"
