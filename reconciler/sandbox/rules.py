"""What the endpoints' PUT rules share: how a violation is worded, and the checks of more than one body.

A rule is a pure function: no I/O, nothing changed. It gets the sent value, the org and the location, and
returns a Violation or None. Each endpoint's own rules are in its module under `endpoints/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.sandbox.errors import Violation
from reconciler.sandbox.org import Location, SandboxOrg

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
ROUTE_TYPES = ("TRUNK", "ROUTE_GROUP")

Rule = Callable[[Any, SandboxOrg, Location], Violation | None]


def invalid(field: str, why: str) -> Violation:
    return Violation(f"Invalid value for {field}: {why}")


def optional_e164(field: str, value: Any) -> Violation | None:
    """An E.164 number as a string, or null."""
    if value is None:
        return None
    if not isinstance(value, str) or not E164.fullmatch(value):
        return invalid(field, f"{value!r} is not an E.164 number such as +12145555698")
    return None


def unknown_keys(field: str, value: Mapping[str, Any], allowed: tuple[str, ...]) -> Violation | None:
    """The first key of an object that is not one of `allowed`."""
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        return invalid(field, f"unknown field {unknown[0]!r} (allowed: {', '.join(allowed)})")
    return None


def premise_route(
    org: SandboxOrg, type_field: str, route_type: Any, id_field: str, route_id: Any
) -> Violation | None:
    """A premises route: a type of ROUTE_TYPES and the id of an existing trunk or route group of it."""
    if route_type not in ROUTE_TYPES:
        return invalid(type_field, f"{route_type!r} is not one of {', '.join(ROUTE_TYPES)}")
    routes: Mapping[str, object] = org.trunks if route_type == "TRUNK" else org.route_groups
    if not isinstance(route_id, str) or route_id not in routes:
        return invalid(id_field, f"{route_id!r} is not the id of a {route_type}")
    return None
