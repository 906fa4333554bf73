"""Pure: what differs between the desired and the current state, field by field, managed fields only.

Both sides are first projected onto what the desired state manages (an absent field is not managed;
a field the API leaves out reads as null), then deepdiff compares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.shape import Node


@dataclass(frozen=True)
class FieldChange:
    """One managed field whose live value differs: `field` is a dotted path in the desired-state file."""

    field: str
    before: Any
    after: Any

    @property
    def disruptive(self) -> bool:
        """A change that interrupts calls or starts org-wide work, as its field's resource says."""
        return self.disruption is not None

    @property
    def disruption(self) -> str | None:
        """Why the change is disruptive, or None when it is not."""
        # Imported here: the resources build on this module.
        from reconciler.resources import field_spec

        spec = field_spec(self.field)
        if spec is None or spec.disruptive is None:
            return None
        if spec.disruptive_values and not any(identical(self.after, v) for v in spec.disruptive_values):
            return None
        return spec.disruptive

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "disruptive": self.disruptive,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "change") -> FieldChange:
        """A change as `to_dict` writes it; ShapeError naming the field when it is not one."""
        node = Node(data, where)
        return cls(node["field"].text(), node.get("before").value, node.get("after").value)


def changed_since(then: Mapping[str, Any], now: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """What differs now in the fields recorded `then` (before = then, after = now)."""
    return changes_between(dict(then), project(now, then), order=list(then))


def project(current: Mapping[str, Any], shape: Mapping[str, Any]) -> dict[str, Any]:
    """`current` cut down to the keys of `shape`, recursively; a key the API left out reads as None."""
    projected: dict[str, Any] = {}
    for key, wanted in shape.items():
        value = current.get(key)
        if isinstance(wanted, Mapping):
            value = project(value if isinstance(value, Mapping) else {}, wanted)
        projected[key] = value
    return projected


def identical(before: Any, after: Any) -> bool:
    """Equal, and of the same types all the way down: deepdiff would find nothing to report."""
    if type(before) is not type(after):
        return False
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(identical(v, after[k]) for k, v in before.items())
    if isinstance(before, list):
        return len(before) == len(after) and all(map(identical, before, after))
    return bool(before == after)


def changes_between(
    before: dict[str, Any], after: dict[str, Any], order: list[str]
) -> tuple[FieldChange, ...]:
    """The fields of `after` whose value differs in `before`, in the order of `order`'s top keys."""
    # Most managed fields already hold their desired values: deepdiff, which costs far more than a
    # comparison, only looks at what differs.
    if identical(before, after):
        return ()
    # Imported here: deepdiff brings numpy and pydantic along (0.2 s), which a run without changes,
    # and `validate`, never needs.
    from deepdiff import DeepDiff

    tree = DeepDiff(before, after, view="tree")
    found: list[FieldChange] = []
    for kind in ("values_changed", "type_changes"):
        for item in tree.get(kind, ()):
            path = item.path(output_format="list")
            found.append(FieldChange(".".join(str(p) for p in path), item.t1, item.t2))
    # People read changes in the order the fields are written, not in deepdiff's order.
    rank = {key: index for index, key in enumerate(order)}
    return tuple(sorted(found, key=lambda c: (rank.get(c.field.split(".")[0], len(rank)), c.field)))
