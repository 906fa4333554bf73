"""YAML as untrusted input: what the parser may build, checked while composing, before anything is built.

A desired-state file holds plain data only: text, numbers, true/false, null, lists and mappings. The
round-trip loader is given a composer that checks every node as it is composed, so that nothing is
constructed from a file that asks for more:

- tags other than YAML's core ones (`!!python/object/apply:...`, `!!binary`, `!!set`, `!local`) are each
  reported at their place, and the file is not constructed at all;
- a core tag must fit its value (`!!int abc` is refused at its place, not by a constructor crash);
- aliases may not expand the document by more than `MAX_ALIAS_EXPANSION` values (ruamel shares an
  aliased node, so the cost of a "billion laughs" file only shows when it is expanded into plain data,
  which is exactly what validation does), and may not refer to a node that contains them;
- nesting is at most `MAX_DEPTH` deep (ruamel's composer and every later stage recurse).

Problems that make the rest of the file meaningless (depth, aliases) stop the parse at once; tag
problems are collected so that all of them are reported together.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from reconciler.desired.display import SURROGATE, printable, quoted

# A desired-state file is at most 5 levels deep (file, locations, location, pstn, value); 64 leaves room
# for any honest file and stays far from Python's recursion limit in ruamel and in the later stages.
MAX_DEPTH = 64
# Values that aliases may add to the document when it is expanded. Merging a 10-field block into each of
# 5,000 locations adds 100,000; a billion-laughs file passes this after a few dozen lines.
MAX_ALIAS_EXPANSION = 250_000
# Longest integer accepted: Python refuses to convert decimal strings of more than 4,300 digits, and no
# field of the file takes a number longer than a few digits.
MAX_INTEGER_LENGTH = 1000

CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp"))
# Core scalar tags whose value must read as that type (a plain `str` takes any text).
_TYPED_TAGS = {
    CORE + "int": "an integer",
    CORE + "float": "a number",
    CORE + "bool": "true or false",
    CORE + "null": "null",
    CORE + "timestamp": "a date or time",
}
_REFUSED_TYPES = frozenset(CORE + name for name in ("binary", "set", "omap", "pairs", "value", "yaml"))
PLAIN_DATA = "a desired-state file holds only text, numbers, true/false, null, lists and mappings"


@dataclass(frozen=True)
class Problem:
    """Something refused in the file: 0-based line and column, as ruamel's marks give them."""

    line: int
    column: int
    message: str


class Refused(YAMLError):
    """The file asks for something a desired-state file may not hold; `problems` says what and where."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


def shown_tag(tag: str) -> str:
    """A tag as it is usually written: `!!int` rather than `tag:yaml.org,2002:int`."""
    return "!!" + tag[len(CORE) :] if tag.startswith(CORE) else tag


class GuardedComposer(Composer):
    """ruamel's composer, checking each node as it is made; see the module's docstring."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        # YAML allows an anchor name to be used again (the later one wins); ruamel would print a
        # warning to stderr, which is no place for it.
        self.warn_double_anchors = False
        self.problems: list[Problem] = []
        self.root: Node | None = None
        self._nesting = 0
        self._expanded = 0
        self._sizes: dict[int, int] = {}

    def get_single_node(self) -> Any:
        self.root = super().get_single_node()
        if self.problems:
            raise Refused(self.problems)
        return self.root

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            self._count_alias(node, event)
            return node
        if self._nesting >= MAX_DEPTH:
            mark = event.start_mark
            message = f"nested more than {MAX_DEPTH} levels deep; a desired-state file needs 5"
            raise Refused([Problem(mark.line, mark.column, message)])
        self._nesting += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._nesting -= 1
        is_key = isinstance(parent, MappingNode) and index is None
        for problem in (tag_problem(node, is_key, self.resolver), surrogate_problem(node, is_key, index)):
            if problem is not None:
                self.problems.append(Problem(node.start_mark.line, node.start_mark.column, problem))
        return node

    def _count_alias(self, node: Node, event: Any) -> None:
        mark = event.start_mark
        if isinstance(node, CollectionNode) and node.end_mark is None:
            # The anchored node is still being composed: the alias is inside it.
            anchor = printable(str(event.anchor))
            message = f"the alias *{anchor} is inside the node it refers to; the data would be endless"
            raise Refused([Problem(mark.line, mark.column, message)])
        self._expanded += self._size(node)
        if self._expanded > MAX_ALIAS_EXPANSION:
            message = (
                f"aliases expand this file by more than {MAX_ALIAS_EXPANSION:,} values (the limit), "
                f"passed at *{printable(str(event.anchor))}; write the data out, or use fewer aliases"
            )
            raise Refused([Problem(mark.line, mark.column, message)])

    def _size(self, node: Node) -> int:
        """How many values `node` stands for once every alias in it is expanded (nodes are shared)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._size(item) for item in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._size(key) + self._size(value) for key, value in node.value)
        self._sizes[id(node)] = size
        return size


def tag_problem(node: Node, is_key: bool, resolver: Any) -> str | None:
    """Why `node`'s tag (written or resolved) is not allowed here, or None."""
    tag = str(node.tag)
    if tag in _SCALAR_TAGS:
        if not isinstance(node, ScalarNode):
            return f"{shown_tag(tag)} can only tag a single value, not a list or a mapping"
        return _typed_value_problem(node, tag, resolver)
    if tag in (CORE + "seq", CORE + "map"):
        wanted = SequenceNode if tag == CORE + "seq" else MappingNode
        return None if isinstance(node, wanted) else f"{shown_tag(tag)} does not fit this value"
    if tag == CORE + "merge":
        if is_key and isinstance(node, ScalarNode):
            return None
        return '`<<` is YAML\'s merge key and works only as a key; to mean the text, write "<<"'
    return _refused_tag(tag)


def surrogate_problem(node: Node, is_key: bool, index: Any) -> str | None:
    """Why a scalar holding a UTF-16 surrogate (from a `"\\ud800"` escape) is refused, or None.

    A surrogate is no character: no HTTP body, terminal or log can carry it, so it would pass every
    check and fail the PUT that sends it, after the PUTs before it. `index` is the key node of a
    mapping's value, which names the field.
    """
    text = str(node.value) if isinstance(node, ScalarNode) else ""
    found = SURROGATE.search(text)
    if found is None:
        return None
    pair = text[found.start() : found.start() + 2]
    if is_key:
        where = "this key"
    elif isinstance(index, ScalarNode):
        where = printable(str(index.value))
    else:
        where = "this value"
    if len(pair) == 2 and "\ud800" <= pair[0] <= "\udbff" and "\udc00" <= pair[1] <= "\udfff":
        character = pair.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        escape = "".join(f"\\u{ord(c):04x}" for c in pair)
        return (
            f'{where} holds "{escape}", a UTF-16 surrogate pair, which YAML does not join into one '
            f'character; write the character itself, or "\\U{ord(character):08x}"'
        )
    return (
        f'{where} holds "\\u{ord(found.group()):04x}", a UTF-16 surrogate without its pair, which is '
        "not a character and cannot be sent to Webex"
    )


def _typed_value_problem(node: ScalarNode, tag: str, resolver: Any) -> str | None:
    if tag not in _TYPED_TAGS:
        return None
    value = str(node.value)
    if tag == CORE + "int" and len(value) > MAX_INTEGER_LENGTH:
        return f"a number of {len(value):,} characters is too long (write it quoted if it is text)"
    # What the value would be without the tag; a tag that names another type cannot be constructed.
    implicit = str(resolver.resolve(ScalarNode, value, (True, False)))
    if implicit == tag or (tag == CORE + "float" and implicit == CORE + "int"):
        return None
    return f"{shown_tag(tag)} needs {_TYPED_TAGS[tag]}, and {quoted(value)} is not"


def _refused_tag(tag: str) -> str:
    shown = printable(shown_tag(tag))
    if "python/" in tag:
        return f"the tag {shown} is not allowed: it asks for a Python object, and {PLAIN_DATA}"
    if tag in _REFUSED_TYPES:
        return f"the tag {shown} is not allowed: {PLAIN_DATA}"
    return f"unknown tag {shown}: {PLAIN_DATA}"


class _Mapping(CommentedMap):
    """ruamel's mapping without its record of which mappings merge this one (`<<: *anchor`).

    That record is kept for dumping, which this tool never does, and ruamel keeps it with a list
    search comparing whole mappings: merging one block into 3,000 locations took a minute.
    """

    def add_referent(self, cm: Any) -> None:
        pass


class GuardedConstructor(RoundTripConstructor):
    """The round-trip constructor, making `_Mapping`s (and nothing else differs)."""

    def construct_yaml_map(self, node: Any) -> Iterator[CommentedMap]:
        # As ruamel's own (unchanged since 0.18), with the class swapped.
        data = _Mapping()
        data._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        yield data
        self.construct_mapping(node, data, deep=True)
        self.set_collection_style(data, node)


GuardedConstructor.add_constructor(CORE + "map", GuardedConstructor.construct_yaml_map)
