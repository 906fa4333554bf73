"""The managed endpoints, one module each, and the registry that lists them in apply order.

A location's steps run in this order: the PSTN connection first (calls must route before anything
else changes), then the location details, then whatever comes later. Everything the pipeline does with
an endpoint it asks the endpoint's module; nothing outside it branches on a kind.
"""

from __future__ import annotations

import functools

from reconciler.resources import (
    announcement_language,
    details,
    emergency_callback_number,
    intercept,
    internal_dialing,
    music_on_hold,
    outgoing_permission,
    pstn,
    voice_portal,
    voicemail,
)
from reconciler.resources.base import Resource
from reconciler.resources.fields import FieldSpec, walk

# The registry, in apply order.
RESOURCES: tuple[Resource, ...] = (
    pstn.RESOURCE,
    details.RESOURCE,
    announcement_language.RESOURCE,  # follows the details: the language they change
    internal_dialing.RESOURCE,
    emergency_callback_number.RESOURCE,
    music_on_hold.RESOURCE,
    outgoing_permission.RESOURCE,
    voicemail.RESOURCE,
    voice_portal.RESOURCE,
    intercept.RESOURCE,
)
KINDS: tuple[str, ...] = tuple(resource.kind for resource in RESOURCES)
_BY_KIND = {resource.kind: resource for resource in RESOURCES}


class UnknownKind(ValueError):
    """A plan or report names a kind of step this version does not know."""


def resource_of(kind: str) -> Resource:
    """The resource of a step's kind; UnknownKind for any other (never read as another kind)."""
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise UnknownKind(f"unknown kind of step {kind!r} (this version knows {', '.join(KINDS)})") from None


def all_fields() -> tuple[FieldSpec, ...]:
    """The top-level desired-state fields of every resource, in apply order."""
    return tuple(spec for resource in RESOURCES for spec in resource.fields)


@functools.cache
def field_spec(path: str) -> FieldSpec | None:
    """The spec of a dotted field path (`routingPrefix`, `pstn.trunk`), or None when no resource has it."""
    return next((spec for spec in walk(all_fields()) if spec.path == path), None)
