"""Semantic rules: what JSON Schema cannot say well, each a small function with its own message.

Field rules run on every location after the merge with `defaults` (so a bad defaulted value is reported
at the `defaults` entry) and on each `defaults` block itself (so it is checked even when no location
uses it); the caller drops repeats of the same message at the same place. A rule looks only at values
of the right type: a wrong type is the schema's to report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from reconciler.desired.display import SURROGATE, UNSAFE, printable
from reconciler.desired.fields import (
    ANNOUNCEMENT_LANGUAGE,
    DIGIT_FIELDS,
    E164,
    E164_FIELDS,
    NAME_MAX_LENGTH,
    OUTSIDE_DIAL_DIGIT,
    ROUTING_PREFIX,
)
from reconciler.desired.loader import PathStep, quoted
from reconciler.desired.merge import FieldSet
from reconciler.desired.model import SETTABLE_PSTN_TYPES, UNSETTABLE_PSTN_TYPES, InputError

Rule = Callable[[FieldSet], list[InputError]]

# For each PSTN type that can be set: the fields that pick its route, of which exactly one is needed.
PSTN_CHOICES: dict[str, tuple[str, str]] = {
    "LOCAL_GATEWAY": ("trunk", "routeGroup"),
    "NON_INTEGRATED_CCP": ("provider", "connectionId"),
}
PSTN_TARGETS = frozenset(field for pair in PSTN_CHOICES.values() for field in pair)


def check(locations: list[FieldSet], defaults: list[FieldSet]) -> list[InputError]:
    """Every semantic error in the merged locations and the defaults blocks."""
    errors: list[InputError] = []
    for fields in (*defaults, *locations):
        for rule in FIELD_RULES:
            errors.extend(rule(fields))
    for location in locations:
        errors.extend(location_name(location))
    errors.extend(unique_names(locations))
    errors.extend(unique_routing_prefixes(locations))
    return errors


def _string(fields: FieldSet, name: str) -> str | None:
    value = fields.fields.get(name)
    return value if isinstance(value, str) else None


def location_name(location: FieldSet) -> list[InputError]:
    """A location's name is 1 to 80 characters."""
    name = _string(location, "name")
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
        name = _string(location, "name")
        if name is None:
            continue
        if name in first:
            where = first[name].position("name")
            message = f"location '{printable(name)}' is defined twice; first defined at {where}"
            errors.append(InputError(location.position("name"), message))
        else:
            first[name] = location
    return errors


def pstn(fields: FieldSet) -> list[InputError]:
    """The PSTN type can be set through the API, and exactly the fields that type takes are given."""
    value = fields.fields.get("pstn")
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return []
    kind = value["type"]
    if kind in UNSETTABLE_PSTN_TYPES:
        message = (
            f"pstn type {kind} cannot be set through the Webex API; "
            "set it in Control Hub and leave `pstn` unmanaged"
        )
        return [InputError(fields.position("pstn", "type"), message)]
    if kind not in SETTABLE_PSTN_TYPES:
        return []  # not one of the enum's values: the schema said so
    choices = PSTN_CHOICES[kind]
    either = f"'{choices[0]}' or '{choices[1]}'"
    errors: list[InputError] = []
    for other in value:
        if other in PSTN_TARGETS and other not in choices:
            message = f"'{other}' does not apply to pstn type {kind}, which takes {either}"
            errors.append(InputError(fields.position("pstn", other, key=True), message))
    given = [name for name in value if name in choices]
    if not given:
        message = f"pstn type {kind} needs exactly one of {either}"
        errors.append(InputError(fields.position("pstn", key=True), message))
    elif len(given) > 1:
        message = f"pstn type {kind} takes exactly one of {either}, not both"
        errors.append(InputError(fields.position("pstn", given[1], key=True), message))
    return errors


def routing_prefix(fields: FieldSet) -> list[InputError]:
    """`routingPrefix` is 1 to 7 digits (null clears it)."""
    value = _string(fields, "routingPrefix")
    if value is None or ROUTING_PREFIX.fullmatch(value):
        return []
    message = f'routingPrefix must be 1 to 7 digits, e.g. "212", not {quoted(value)}'
    return [InputError(fields.position("routingPrefix"), message)]


def unique_routing_prefixes(locations: list[FieldSet]) -> list[InputError]:
    """No two locations share a routing prefix (null is not a prefix)."""
    errors: list[InputError] = []
    first: dict[str, FieldSet] = {}
    for location in locations:
        prefix = _string(location, "routingPrefix")
        if prefix is None:
            continue
        if prefix not in first:
            first[prefix] = location
            continue
        here = location.position("routingPrefix")
        there = first[prefix].position("routingPrefix")
        if here == there:
            message = (
                f"routingPrefix {quoted(prefix)} in defaults would be given to every location, "
                "but each location needs its own"
            )
        else:
            owner = _string(first[prefix], "name")
            who = f"location '{owner}'" if owner is not None else "another location"
            message = f"routingPrefix {quoted(prefix)} is already used by {who} at {there}"
        errors.append(InputError(here, message))
    return errors


def outside_dial_digit(fields: FieldSet) -> list[InputError]:
    """`outsideDialDigit` is one digit (null clears it)."""
    value = _string(fields, "outsideDialDigit")
    if value is None or OUTSIDE_DIAL_DIGIT.fullmatch(value):
        return []
    message = f'outsideDialDigit must be a single digit, e.g. "9", not {quoted(value)}'
    return [InputError(fields.position("outsideDialDigit"), message)]


def _e164(fields: FieldSet, label: str, value: Any, *path: str) -> list[InputError]:
    if not isinstance(value, str) or E164.fullmatch(value):
        return []
    message = (
        f'{label} must be an E.164 number: "+" and 7 to 15 digits, e.g. "+14158952369", not {quoted(value)}'
    )
    cleaned = re.sub(r"[\s().-]", "", value)
    if not cleaned.startswith("+") and E164.fullmatch("+" + cleaned):
        cleaned = "+" + cleaned
    if cleaned != value and E164.fullmatch(cleaned):
        message += f"; write {quoted(cleaned)}"
    return [InputError(fields.position(*path), message)]


def charge_number(fields: FieldSet) -> list[InputError]:
    """`chargeNumber` is an E.164 number (null clears it)."""
    return _e164(fields, "chargeNumber", fields.fields.get("chargeNumber"), "chargeNumber")


def calling_line_id_number(fields: FieldSet) -> list[InputError]:
    """`callingLineId.phoneNumber` is an E.164 number."""
    calling_line_id = fields.fields.get("callingLineId")
    if not isinstance(calling_line_id, dict):
        return []
    value = calling_line_id.get("phoneNumber")
    return _e164(fields, "callingLineId.phoneNumber", value, "callingLineId", "phoneNumber")


def announcement_language(fields: FieldSet) -> list[InputError]:
    """`announcementLanguage` is a lower-case code like en_us (the API rejects en_US)."""
    value = _string(fields, "announcementLanguage")
    if value is None or ANNOUNCEMENT_LANGUAGE.fullmatch(value):
        return []
    if ANNOUNCEMENT_LANGUAGE.fullmatch(value.lower()):
        message = (
            f"announcementLanguage must be lower-case: write {quoted(value.lower())}, not {quoted(value)}"
        )
    else:
        message = (
            'announcementLanguage must be a lower-case language_country code such as "en_us" or "fr_fr", '
            f"not {quoted(value)}"
        )
    return [InputError(fields.position("announcementLanguage"), message)]


# Fields whose own rule (a pattern or the schema's enum) already refuses anything but their format.
_FORMATTED = DIGIT_FIELDS | E164_FIELDS | {"announcementLanguage", "pstn.type"}


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
            if label in _FORMATTED:
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


FIELD_RULES: tuple[Rule, ...] = (
    one_line_of_text,
    pstn,
    routing_prefix,
    outside_dial_digit,
    charge_number,
    calling_line_id_number,
    announcement_language,
)
