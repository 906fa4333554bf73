"""Pure: the rules that need the org: every location must be one, and each resource's own (names that
must exist, country limits).

Every problem becomes an InputError at the position the user wrote it, so `plan` and `apply` report
them like `validate` does, before any PUT.
"""

from __future__ import annotations

from reconciler.desired.model import DesiredState, InputError
from reconciler.names import unknown_location_message
from reconciler.resources import RESOURCES
from reconciler.state import CurrentState


def check_against_org(desired: DesiredState, current: CurrentState) -> dict[str, list[InputError]]:
    """Every reference the org cannot satisfy, by location name (only locations with a problem)."""
    countries = {loc.name: loc.country for loc in current.all_locations or ()}
    calling_names = [loc.name for loc in current.calling_locations]
    problems: dict[str, list[InputError]] = {}
    for loc in desired.locations:
        if loc.name not in current.locations:
            message = unknown_location_message(loc.name, calling_names, countries)
            errors = [InputError(loc.position, message)]
        else:
            errors = [error for resource in RESOURCES for error in resource.org_problems(loc, current)]
        if errors:
            problems[loc.name] = errors
    return problems
