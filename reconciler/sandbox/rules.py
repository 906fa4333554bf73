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


def check_fields(
    body: Mapping[str, Any],
    accepted: Mapping[str, str],
    nullable: frozenset[str] = frozenset(),
    required: tuple[str, ...] = (),
    prefix: str = "",
) -> list[Violation]:
    """Every violation of a body whose every field is described by `accepted` (dotted paths, each with its
    format as `reconciler.sandbox.endpoints` says: a pattern's source, "" for any string, "boolean",
    "integer" or "object"), nested objects field by field; `required` are top-level fields the body must
    send."""
    violations = [invalid(name, "is required") for name in required if name not in body]
    for key, value in body.items():
        path = f"{prefix}{key}"
        form = accepted.get(path)
        if form is None:
            allowed = [
                p[len(prefix) :] for p in accepted if p.startswith(prefix) and "." not in p[len(prefix) :]
            ]
            violations.append(Violation(f"Unknown field {path!r} (allowed: {', '.join(allowed)})"))
        elif value is None:
            if path not in nullable:
                violations.append(invalid(path, "cannot be null"))
        elif form == "object":
            if isinstance(value, dict):
                violations.extend(check_fields(value, accepted, nullable, prefix=f"{path}."))
            else:
                violations.append(invalid(path, "must be an object"))
        elif form == "boolean":
            if not isinstance(value, bool):
                violations.append(invalid(path, "must be true or false"))
        elif form == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                violations.append(invalid(path, "must be an integer"))
        elif not isinstance(value, str) or not re.fullmatch(form or ".*", value, re.DOTALL):
            violations.append(invalid(path, f"{value!r} is not {_format_words(form)}"))
    return violations


def _format_words(form: str) -> str:
    if not form:
        return "a string"
    if re.fullmatch(r"[A-Z_0-9]+(\|[A-Z_0-9]+)*", form):
        return "one of " + ", ".join(form.split("|"))
    return f"a string matching {form}"


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
