"""What the checks know about the file's fields: their formats, and how to name fields and values."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from typing import Any

from reconciler.desired.display import quoted

# Fields whose value is a string of digits, and fields holding an E.164 number: YAML reads them as
# numbers when they are written unquoted, so the messages show the quoted form.
DIGIT_FIELDS = frozenset({"outsideDialDigit", "routingPrefix"})
E164_FIELDS = frozenset({"chargeNumber", "callingLineId.phoneNumber"})

ROUTING_PREFIX = re.compile(r"^[0-9]{1,7}$")
OUTSIDE_DIAL_DIGIT = re.compile(r"^[0-9]$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
ANNOUNCEMENT_LANGUAGE = re.compile(r"^[a-z]{2,3}_[a-z]{2}$")
NAME_MAX_LENGTH = 80


def field_label(path: Sequence[str | int]) -> str:
    """A field's name for messages: the dotted path inside its location or `defaults` block.

    ("locations", 3, "callingLineId", "phoneNumber") -> "callingLineId.phoneNumber";
    ("defaults", "pstn") -> "pstn"; ("locations", 3) -> "locations[3]".
    """
    steps = tuple(path)
    if len(steps) >= 3 and steps[0] == "locations" and isinstance(steps[1], int):
        steps = steps[2:]
    elif len(steps) >= 2 and steps[0] == "defaults":
        steps = steps[1:]
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
