"""Reading plain data that came from outside (a saved plan): every wrong type is an error naming its place.

A saved plan is a CI artifact that whoever opened the pull request can write, so nothing in it is
assumed: each value is checked for the type it must have, and a wrong one is a `ShapeError` such as
`plan.steps[2].body is a list, not an object`, never a KeyError or AttributeError from deep inside.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.desired.display import quoted


class ShapeError(ValueError):
    """A value is not what it must be; the message names its place in the document."""


def kind_of(value: Any) -> str:
    """What a JSON value is, in the words of an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


@dataclass(frozen=True)
class Node:
    """One value of the document and where it is (`plan.steps[2].kind`)."""

    value: Any
    where: str = ""  # empty for the document itself

    def _wrong(self, expected: str) -> ShapeError:
        return ShapeError(f"{self.where or 'the document'} is {kind_of(self.value)}, not {expected}")

    def _member(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def object(self) -> Mapping[str, Any]:
        if not isinstance(self.value, dict):
            raise self._wrong("an object")
        return self.value

    def __getitem__(self, key: str) -> Node:
        """A member that must be there."""
        members = self.object()
        if key not in members:
            raise ShapeError(f"{self._member(key)} is missing")
        return Node(members[key], self._member(key))

    def get(self, key: str) -> Node:
        """A member that may be absent (then its value is None)."""
        return Node(self.object().get(key), self._member(key))

    def items(self, *, non_empty: bool = False) -> list[Node]:
        """The elements of a list."""
        if not isinstance(self.value, list):
            raise self._wrong("a list")
        if non_empty and not self.value:
            raise ShapeError(f"{self.where} is an empty list")
        return [Node(item, f"{self.where}[{index}]") for index, item in enumerate(self.value)]

    def integer(self) -> int:
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            raise self._wrong("a whole number")
        return self.value

    def text(self) -> str:
        """A string that is not empty."""
        if not isinstance(self.value, str):
            raise self._wrong("a string")
        if not self.value:
            raise ShapeError(f"{self.where} is an empty string")
        return self.value

    def optional_text(self) -> str | None:
        return None if self.value is None else self.text()

    def choice(self, choices: Collection[str]) -> str:
        """One of `choices`; anything else is refused, never read as one of them."""
        value = self.text()
        if value not in choices:
            known = ", ".join(sorted(choices))
            raise ShapeError(
                f"{self.where} is {quoted(value)}, which this wxc-reconcile does not know ({known})"
            )
        return value


def check_plain(value: Any, max_depth: int) -> None:
    """ShapeError when lists and objects nest deeper than `max_depth`, or a text (a key included) is not
    Unicode that UTF-8 can carry (a lone surrogate from a `"\\ud800"` escape). Checked without recursion,
    so a document that would exhaust Python's stack in a later recursive walk is refused here."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise ShapeError(f"lists and objects nest more than {max_depth} levels deep")
            if isinstance(item, dict):
                pending.extend((key, depth) for key in item)
                item = item.values()
            pending.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # Only what comes before the first bad character can be shown as it is.
        code = f"\\u{ord(text[exc.start]):04x}"
        place = f"after {quoted(text[: exc.start][-40:])}" if exc.start else "at the start of a text"
        raise ShapeError(f"a lone surrogate ({code}), which is not Unicode, {place}") from None
