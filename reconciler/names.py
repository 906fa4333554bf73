"""Names the org must know: messages that say a name is not there, with the names that are."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from reconciler.desired.model import DesiredLocation, InputError

_SHOWN_NAMES = 15


def unknown(loc: DesiredLocation, path: str, what: str, name: str, existing: list[str]) -> InputError:
    """`name`, written at `path` of `loc`, is no `what` of the org."""
    return InputError(
        loc.position_of(path), f"{what} '{name}' not found in the org; {listing(what + 's', name, existing)}"
    )


def unknown_location_message(name: str, calling: list[str], countries: Mapping[str, str | None]) -> str:
    """Why `name` is no calling location: not enabled for calling, or not there (with close names)."""
    if name in countries:
        return (
            f"location '{name}' exists but is not enabled for Webex Calling; enable it in Control Hub first"
        )
    return f"location '{name}' not found in the org; {listing('calling-enabled locations', name, calling)}"


def listing(what: str, wanted: str, names: list[str]) -> str:
    """`did you mean` plus the names that exist, cut short for large orgs."""
    if not names:
        return f"the org has no {what}"
    close = difflib.get_close_matches(wanted, names, n=3)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    shown = sorted(names)[:_SHOWN_NAMES]
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    return f"{hint}{what}: {', '.join(shown)}{more}"
