"""`defaults` merged under each location, remembering where every merged value was written.

The merge is shallow, per top-level field: a location's own value wins, even when it is null, and
`pstn` or `callingLineId` come whole from one place. `name` is never taken from `defaults`. Each file's
defaults apply to that file's locations only; layers from outside the files (a project's defaults, then
its org's) lie under every file's, each value remembering the file it was written in.

Everything here tolerates documents the schema rejected (a `locations` that is not a list, an item
that is not a mapping): such parts are skipped, as the schema has already reported them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.desired.loader import Document, JsonPath, PathStep, position_at, position_in
from reconciler.desired.model import Position

# Where a value was written: its document, and the mapping inside it that holds the field.
Written = tuple[Document, Any]


@dataclass(frozen=True)
class FieldSet:
    """Location fields and where each was written.

    Either a location merged with its defaults (`path` is ("locations", index)), or a `defaults` block
    on its own (`path` is where the block is in `document`), which is checked even when no location
    uses it.
    """

    document: Document
    path: JsonPath
    fields: dict[str, Any]
    # field -> where it was written (the location's mapping or a defaults block), so positions are
    # looked up from there rather than from the document's root
    written_in: dict[str, Written]

    def position(self, field: str, *sub: PathStep, key: bool = False) -> Position:
        """Where `field` (or a sub-field of it) was written; the location itself when it wasn't."""
        written = self.written_in.get(field)
        if written is None:
            return position_at(self.document, self.path)
        return position_in(written[0], written[1], (field, *sub), key=key)

    def text(self, field: str) -> str | None:
        """The field's value when it is a string (a wrong type is the schema's to report)."""
        value = self.fields.get(field)
        return value if isinstance(value, str) else None

    @property
    def is_defaults(self) -> bool:
        """A defaults block (of a file, an org or the project) rather than a location."""
        return self.path[:1] != ("locations",)

    @property
    def where(self) -> Position:
        """The location's own position: its `name` value, or the item when it has no name."""
        return self.position("name")


def layer_of(document: Document, path: JsonPath) -> FieldSet:
    """The defaults block at `path` in `document` (empty when there is none or it isn't a mapping)."""
    block: Any = document.plain
    for step in path:
        block = block.get(step) if isinstance(block, dict) else None
    fields = {k: v for k, v in block.items() if k != "name"} if isinstance(block, dict) else {}
    return FieldSet(document, path, fields, written_in=dict.fromkeys(fields, (document, block)))


def defaults_of(document: Document) -> FieldSet:
    """A file's own `defaults` block."""
    return layer_of(document, ("defaults",))


def merged_locations(documents: list[Document], layers: Sequence[FieldSet] = ()) -> list[FieldSet]:
    """Every location of every document, in file order, with `layers` (lowest first) and then its
    file's defaults merged under it."""
    outer_fields: dict[str, Any] = {}
    outer_written: dict[str, Written] = {}
    for layer in layers:
        outer_fields.update(layer.fields)
        outer_written.update(layer.written_in)
    merged: list[FieldSet] = []
    for document in documents:
        defaults = defaults_of(document)
        items = document.plain.get("locations")
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            fields = {**outer_fields, **defaults.fields, **item}
            written_in = {**outer_written, **defaults.written_in, **dict.fromkeys(item, (document, item))}
            merged.append(FieldSet(document, ("locations", index), fields, written_in))
    return merged
