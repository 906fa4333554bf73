"""The fast path for ordinary files: libyaml's C parser (through PyYAML) builds plain data and places.

ruamel's pure-Python round-trip parser costs about 2 ms per location; libyaml reads the same events, with
their line and column, twenty times faster. This builds from those events the plain data and the
positions (places.py) that ruamel's tree would give, for files that hold nothing but plain data. Anything
that needs care — anchors, aliases, tags, duplicate or non-text keys, empty values, deep nesting, plain
scalars whose type YAML versions disagree on, directives, several documents, any syntax error — makes it
step aside (`Fallback`), and the guarded ruamel loader reads the file and reports what is wrong.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from reconciler.desired.display import SURROGATE
from reconciler.desired.places import Places

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml: always the full loader
    CParser = None

MAX_DEPTH = 64  # as guard.py: deeper files are the full loader's to refuse
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})\Z")
_PLAIN_CONSTANTS: dict[str, Any] = {
    **dict.fromkeys(("~", "null", "Null", "NULL"), None),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
# Plain scalars that might be numbers, dates, YAML 1.1 booleans or merge keys: the full loader types them.
_DOUBTFUL = re.compile(r"[-+.0-9]|(?:[yYnN]|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|<<|=)\Z")


class Fallback(Exception):
    """This file needs the full loader."""


class _Open:
    """A mapping or list being built, with the records of where its parts were written."""

    __slots__ = ("container", "entries", "key", "key_col", "key_line")

    def __init__(self, container: dict[str, Any] | list[Any], entries: Any) -> None:
        self.container = container
        self.entries = entries
        self.key: str | None = None  # a mapping's key waiting for its value
        self.key_line = self.key_col = 0


def parse(text: str) -> tuple[dict[str, Any], Places]:
    """The document as plain data, and where its parts were written; Fallback when in doubt."""
    if CParser is None:
        raise Fallback
    parser = CParser(text)
    places = Places()
    try:
        root = _build(parser, places)
    except yaml.YAMLError:
        raise Fallback from None
    finally:
        parser.dispose()
    if not isinstance(root, dict):
        raise Fallback
    return root, places


def _build(parser: Any, places: Places) -> Any:
    # One pass over some 30 events per location: names are bound locally, as lookups add up here.
    get_event, add_place = parser.get_event, places.add
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    stack: list[_Open] = []
    root: Any = None
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event or kind is mapping_start or kind is sequence_start:
            if event.anchor is not None or event.tag is not None:
                raise Fallback
            mark = event.start_mark
            opened = None
            if kind is scalar_event:
                node = _scalar(event)
            elif len(stack) >= MAX_DEPTH:
                raise Fallback
            else:
                opened = _Open({}, {}) if kind is mapping_start else _Open([], [])
                node = opened.container
                add_place(node, mark.line, mark.column, opened.entries)
            if stack:
                _attach(stack[-1], node, mark.line, mark.column)
            else:
                root = node
            if opened is not None:
                stack.append(opened)
        elif kind in ends:
            stack.pop()
        elif kind is yaml.AliasEvent:
            raise Fallback
        elif kind is yaml.DocumentStartEvent:
            if root is not None or event.version is not None or event.tags:
                raise Fallback
        elif kind is yaml.StreamEndEvent:
            return root


def _scalar(event: Any) -> Any:
    value: str = event.value
    if event.style:  # quoted or block: text as written
        if event.style == '"' and not value.isascii() and SURROGATE.search(value):
            # A "\ud800" escape (libyaml refuses it too): the full loader says where and why.
            raise Fallback
        return value
    if value in _PLAIN_CONSTANTS:
        return _PLAIN_CONSTANTS[value]
    if _INT.match(value):
        return int(value)
    if not value or _DOUBTFUL.match(value):  # an empty value's position differs; types may differ
        raise Fallback
    return value


def _attach(parent: _Open, node: Any, line: int, col: int) -> None:
    container = parent.container
    if isinstance(container, list):
        parent.entries.append((line, col))
        container.append(node)
        return
    key = parent.key
    if key is None:
        if type(node) is not str or node in container:  # a non-text or duplicate key
            raise Fallback
        parent.key, parent.key_line, parent.key_col = node, line, col
        return
    container[key] = node
    parent.entries[key] = (parent.key_line, parent.key_col, line, col)
    parent.key = None
