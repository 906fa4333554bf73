"""The fast path for ordinary files: libyaml's C parser (through PyYAML) builds the round-trip tree.

ruamel's pure-Python round-trip parser costs about 2 ms per location; libyaml reads the same events, with
their line and column, twenty times faster. This builds from those events the same tree ruamel would
(CommentedMap/CommentedSeq with `.lc` positions), for files that hold nothing but plain data. Anything
that needs care — anchors, aliases, tags, duplicate or non-text keys, empty values, deep nesting, plain
scalars whose type YAML versions disagree on, directives, several documents, any syntax error — makes it
step aside (`Fallback`), and the guarded ruamel loader reads the file and reports what is wrong.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq

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
_COLLECTIONS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_NO_KEY = object()


class Fallback(Exception):
    """This file needs the full loader."""


def parse(text: str) -> CommentedMap:
    """The document's tree, as ruamel's round-trip loader would build it; Fallback when in doubt."""
    if CParser is None:
        raise Fallback
    parser = CParser(text)
    try:
        root = _build(parser)
    except yaml.YAMLError:
        raise Fallback from None
    finally:
        parser.dispose()
    if not isinstance(root, CommentedMap):
        raise Fallback
    return root


def _build(parser: Any) -> Any:
    stack: list[Any] = []  # open collections
    keys: list[Any] = []  # per open mapping: its pending (key, mark), or _NO_KEY
    root: Any = None
    while True:
        event = parser.get_event()
        if isinstance(event, yaml.ScalarEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if event.anchor is not None or event.tag is not None:
                raise Fallback
            node = _node(event, len(stack))
            if stack:
                _attach(stack[-1], keys, node, event.start_mark)
            else:
                root = node
            if isinstance(event, _COLLECTIONS):
                stack.append(node)
                keys.append(_NO_KEY)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            stack.pop()
            keys.pop()
        elif isinstance(event, yaml.AliasEvent):
            raise Fallback
        elif isinstance(event, yaml.DocumentStartEvent):
            if root is not None or event.version is not None or event.tags:
                raise Fallback
        elif isinstance(event, yaml.StreamEndEvent):
            return root


def _node(event: Any, depth: int) -> Any:
    if isinstance(event, yaml.ScalarEvent):
        return _scalar(event)
    if depth >= MAX_DEPTH:
        raise Fallback
    node = CommentedMap() if isinstance(event, yaml.MappingStartEvent) else CommentedSeq()
    node._yaml_set_line_col(event.start_mark.line, event.start_mark.column)
    return node


def _scalar(event: Any) -> Any:
    value: str = event.value
    if event.style:  # quoted or block: text as written
        return value
    if value in _PLAIN_CONSTANTS:
        return _PLAIN_CONSTANTS[value]
    if _INT.match(value):
        return int(value)
    if not value or _DOUBTFUL.match(value):  # an empty value's position differs; types may differ
        raise Fallback
    return value


def _attach(parent: Any, keys: list[Any], node: Any, mark: Any) -> None:
    if isinstance(parent, CommentedSeq):
        parent._yaml_set_idx_line_col(len(parent), [mark.line, mark.column])
        parent.append(node)
        return
    pending = keys[-1]
    if pending is _NO_KEY:
        if not isinstance(node, str) or node in parent:  # a non-text or duplicate key
            raise Fallback
        keys[-1] = (node, mark)
        return
    key, key_mark = pending
    parent[key] = node
    parent._yaml_set_kv_line_col(key, [key_mark.line, key_mark.column, mark.line, mark.column])
    keys[-1] = _NO_KEY
