"""`defaults` merged under each location, remembering where every merged value was written.

The merge is shallow, per top-level field: a location's own value wins, even when it is null, and
`pstn` or `callingLineId` come whole from one place. `name` is never taken from `defaults`. Each file's
defaults apply to that file's locations only.

Everything here tolerates documents the schema rejected (a `locations` that is not a list, an item
that is not a mapping): such parts are skipped, as the schema has already reported them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.desired.loader import Document, JsonPath, PathStep, position_at, position_in
from reconciler.desired.model import Position


@dataclass(frozen=True)
class FieldSet:
    """Location fields and where each was written.

    Either a location merged with its file's defaults (`path` is ("locations", index)), or a file's
    `defaults` block on its own (`path` is ("defaults",)), which is checked even when no location
    uses it.
    """

    document: Document
    path: JsonPath
    fields: dict[str, Any]
    # field -> the mapping it was written in (the location's or the defaults'), so positions are
    # looked up from there rather than from the document's root
    written_in: dict[str, Any]

    def position(self, field: str, *sub: PathStep, key: bool = False) -> Position:
        """Where `field` (or a sub-field of it) was written; the location itself when it wasn't."""
        container = self.written_in.get(field)
        if container is None:
            return position_at(self.document, self.path)
        return position_in(self.document, container, (field, *sub), key=key)

    def text(self, field: str) -> str | None:
        """The field's value when it is a string (a wrong type is the schema's to report)."""
        value = self.fields.get(field)
        return value if isinstance(value, str) else None

    @property
    def where(self) -> Position:
        """The location's own position: its `name` value, or the item when it has no name."""
        return self.position("name")


def defaults_of(document: Document) -> FieldSet:
    """A file's `defaults` block (empty when there is none or it isn't a mapping)."""
    block = document.plain.get("defaults")
    fields = {k: v for k, v in block.items() if k != "name"} if isinstance(block, dict) else {}
    return FieldSet(document, ("defaults",), fields, written_in=dict.fromkeys(fields, block))


def merged_locations(documents: list[Document]) -> list[FieldSet]:
    """Every location of every document, in file order, with its file's defaults merged under it."""
    merged: list[FieldSet] = []
    for document in documents:
        defaults = defaults_of(document)
        items = document.plain.get("locations")
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            fields = {**defaults.fields, **item}
            written_in = {**defaults.written_in, **dict.fromkeys(item, item)}
            merged.append(FieldSet(document, ("locations", index), fields, written_in))
    return merged
