"""Where each part of a document was written, kept beside its plain data.

Every stage after loading works on plain Python data (dict, list, str, int, float, bool, None); errors
need the line and column of what they are about. `Places` maps each mapping and list of the plain data,
by identity, to where it starts and where each of its keys and values, or items, was written — the same
records ruamel keeps in `.lc`, 0-based, without a round-trip object per node: building those was most of
the time spent loading a large file.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.scalarbool import ScalarBoolean

# A key's record: key line, key column, value line, value column. An item's: line, column.
KeyPlace = tuple[int, int, int, int]
ItemPlace = tuple[int, int]
Entries = dict[Any, KeyPlace] | list[ItemPlace]


class Places:
    """Positions of the containers of one document's plain data. The data must outlive this table:
    containers are known by identity."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[int, int, Entries]] = {}

    def add(self, container: dict[Any, Any] | list[Any], line: int, col: int, entries: Entries) -> None:
        self._by_id[id(container)] = (line, col, entries)

    def start(self, container: Any) -> tuple[int, int] | None:
        """Where `container` itself was written; None for anything this table does not know."""
        found = self._by_id.get(id(container))
        return None if found is None else (found[0], found[1])

    def key(self, mapping: Any, key: Any) -> KeyPlace | None:
        found = self._by_id.get(id(mapping))
        entries = found[2] if found is not None else None
        return entries.get(key) if isinstance(entries, dict) else None

    def item(self, sequence: Any, index: int) -> ItemPlace | None:
        found = self._by_id.get(id(sequence))
        entries = found[2] if found is not None else None
        return entries[index] if isinstance(entries, list) and 0 <= index < len(entries) else None


def from_round_trip(node: Any, places: Places) -> Any:
    """ruamel's round-trip tree as plain Python values, its positions recorded in `places`."""
    kind = type(node)
    if kind is str or kind is bool or kind is int or node is None or kind is float:
        return node
    if isinstance(node, dict):
        plain: dict[Any, Any] = {}
        entries: dict[Any, KeyPlace] = {}
        for key, value in node.items():
            plain_key = str(key) if isinstance(key, str) else key
            plain[plain_key] = from_round_trip(value, places)
            place = _key_place(node, key) if isinstance(node, CommentedMap) else None
            if place is not None:
                entries[plain_key] = place
        if isinstance(node, CommentedMap):
            places.add(plain, *_start(node), entries)
        return plain
    if isinstance(node, list):
        items = [from_round_trip(item, places) for item in node]
        if isinstance(node, CommentedSeq):
            places.add(items, *_start(node), [_item_place(node, i) for i in range(len(node))])
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, ScalarBoolean):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, TaggedScalar):
        return str(node.value)
    return node


def _start(node: CommentedMap | CommentedSeq) -> tuple[int, int]:
    lc = node.lc
    return (int(lc.line), int(lc.col)) if lc.line is not None else (0, 0)


def _key_place(node: CommentedMap, key: Any) -> KeyPlace | None:
    place = (node.lc.data or {}).get(key)
    return (place[0], place[1], place[2], place[3]) if place is not None and len(place) == 4 else None


def _item_place(node: CommentedSeq, index: int) -> ItemPlace:
    place = (node.lc.data or {}).get(index)
    return (place[0], place[1]) if place is not None else _start(node)
