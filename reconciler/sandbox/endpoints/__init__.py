"""The simulator's managed endpoints, one module each, and the list the app mounts.

An endpoint module holds everything the simulator knows of one endpoint: its PUT rules, its views (what
its GETs answer) and its route handlers. It exposes:

- `routes(api)`: its paths, each with its methods' handlers (see `reconciler.sandbox.api.Routes`);
- `ACCEPTED`: the request-body fields of its PUT that a desired state can manage, dotted for sub-fields
  ("callingLineId.phoneNumber"), each with the format the rules enforce as plain data: the source of a
  regular expression a string must match in full ("" for any string), or a type word of TYPE_WORDS;
- `NULLABLE`: the fields of ACCEPTED where null is accepted (it clears the value).

ACCEPTED and NULLABLE are written here, independently of the client's field tables
(`reconciler.resources`): the simulator is the check on them, and a test compares the two.

Adding an endpoint: a module here, and its name in MODULES. The order does not matter (no two
endpoints share a path).
"""

from __future__ import annotations

from typing import Protocol

from reconciler.sandbox.api import Api, Routes
from reconciler.sandbox.endpoints import (
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

# The formats of ACCEPTED that are a JSON type rather than a pattern of a string.
TYPE_WORDS = ("boolean", "integer", "object")


class Endpoint(Protocol):
    """What the app and the cross-check test need of an endpoint module."""

    ACCEPTED: dict[str, str]
    NULLABLE: frozenset[str]

    def routes(self, api: Api) -> Routes: ...


MODULES: tuple[Endpoint, ...] = (
    pstn,
    details,
    announcement_language,
    internal_dialing,
    emergency_callback_number,
    music_on_hold,
    outgoing_permission,
    voicemail,
    voice_portal,
    intercept,
)
