"""The managed endpoints, one module each, and the registry that lists them in apply order.

A location's steps run in this order: the PSTN connection first (calls must route before anything
else changes), then the location details, then whatever comes later. Everything the pipeline does with
an endpoint it asks the endpoint's module; nothing outside it branches on a kind.
"""

from __future__ import annotations

from reconciler.resources import details, pstn
from reconciler.resources.fields import FieldSpec, walk

# Apply order.
MODULES = (pstn, details)
KINDS: tuple[str, ...] = tuple(module.KIND for module in MODULES)


def all_fields() -> tuple[FieldSpec, ...]:
    """The top-level desired-state fields of every resource, in apply order."""
    return tuple(spec for module in MODULES for spec in module.FIELDS)


def field_spec(path: str) -> FieldSpec | None:
    """The spec of a dotted field path (`routingPrefix`, `pstn.trunk`), or None when no resource has it."""
    return next((spec for spec in walk(all_fields()) if spec.path == path), None)
