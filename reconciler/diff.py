"""Pure: what differs between the desired and the current state, field by field, managed fields only.

Both sides are first projected onto what the desired state manages (an absent field is not managed;
a field the API leaves out reads as null), then deepdiff compares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.desired.model import DesiredPstn
from reconciler.shape import Node


@dataclass(frozen=True)
class FieldChange:
    """One managed field whose live value differs: `field` is a dotted path in the desired-state file."""

    field: str
    before: Any
    after: Any

    @property
    def disruptive(self) -> bool:
        """Changes that interrupt calls or start org-wide work: the routing prefix and the PSTN route."""
        return self.field == "routingPrefix" or self.field.startswith("pstn.")

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


def diff_details(desired: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """Changes to the location-details fields the desired state manages."""
    return _changes(project(current, desired), dict(desired), order=list(desired))


def changed_since(then: Mapping[str, Any], now: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """What differs now in the fields recorded `then` (before = then, after = now)."""
    return _changes(dict(then), project(now, then), order=list(then))


def project(current: Mapping[str, Any], shape: Mapping[str, Any]) -> dict[str, Any]:
    """`current` cut down to the keys of `shape`, recursively; a key the API left out reads as None."""
    projected: dict[str, Any] = {}
    for key, wanted in shape.items():
        value = current.get(key)
        if isinstance(wanted, Mapping):
            value = project(value if isinstance(value, Mapping) else {}, wanted)
        projected[key] = value
    return projected


def pstn_view(desired: DesiredPstn) -> dict[str, Any]:
    """The desired PSTN connection in the file's own terms: type, trunk, routeGroup and provider or id."""
    view: dict[str, Any] = {"type": desired.type, "trunk": desired.trunk, "routeGroup": desired.route_group}
    if desired.connection_id is not None:
        view["connectionId"] = desired.connection_id
    else:
        view["provider"] = desired.provider
    return view


def current_pstn_view(
    connection: Mapping[str, Any], route_names: Mapping[str, str], keys: Mapping[str, Any]
) -> dict[str, Any]:
    """The live PSTN connection in the same terms as `pstn_view`, with route IDs shown by name."""
    conn_type = connection.get("pstnConnectionType")
    route_id = connection.get("routeId")
    route_name = route_names.get(route_id, route_id) if isinstance(route_id, str) else None
    route_type = connection.get("routeType")
    premise = conn_type == "LOCAL_GATEWAY"
    view = {
        "type": conn_type,
        "trunk": route_name if premise and route_type == "TRUNK" else None,
        "routeGroup": route_name if premise and route_type == "ROUTE_GROUP" else None,
        "provider": None if premise else connection.get("displayName"),
        "connectionId": None if premise else connection.get("id"),
    }
    return {key: view[key] for key in keys}


def diff_pstn(
    desired: DesiredPstn, connection: Mapping[str, Any], route_names: Mapping[str, str]
) -> tuple[FieldChange, ...]:
    """Changes to the PSTN connection, as `pstn.<field>` paths; empty when it is already as desired."""
    wanted = pstn_view(desired)
    changes = _changes(current_pstn_view(connection, route_names, wanted), wanted, order=list(wanted))
    return tuple(FieldChange(f"pstn.{c.field}", c.before, c.after) for c in changes)


def identical(before: Any, after: Any) -> bool:
    """Equal, and of the same types all the way down: deepdiff would find nothing to report."""
    if type(before) is not type(after):
        return False
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(identical(v, after[k]) for k, v in before.items())
    if isinstance(before, list):
        return len(before) == len(after) and all(map(identical, before, after))
    return bool(before == after)


def _changes(before: dict[str, Any], after: dict[str, Any], order: list[str]) -> tuple[FieldChange, ...]:
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
