"""The desired state: YAML files loaded with positions, validated (schema + rules), as plain data.

`load_desired(paths)` is the whole stage: it returns a `DesiredState`, or raises `InvalidInput` carrying
every error found in every file, each printed as `file:line:col: message`.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator, Sequence

from reconciler.desired import rules, schema
from reconciler.desired.build import build_state
from reconciler.desired.loader import load_documents
from reconciler.desired.merge import FieldSet, defaults_of, merged_locations
from reconciler.desired.model import (
    DesiredLocation,
    DesiredPstn,
    DesiredState,
    InputError,
    InvalidInput,
    Position,
)

__all__ = [
    "DesiredLocation",
    "DesiredPstn",
    "DesiredState",
    "InputError",
    "InvalidInput",
    "Position",
    "load_desired",
]


def load_desired(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], layers: Sequence[FieldSet] = ()
) -> DesiredState:
    """Load, validate and merge the desired-state files at `paths` (files or directories), over the
    defaults `layers` from outside them (a project's, then its org's), lowest first.

    Raises `InvalidInput` with every error found across all files, sorted by position.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    if not paths:
        raise InvalidInput([InputError(Position("<command line>"), "no desired-state files given")])
    with _collector_paused():
        documents, errors = load_documents(paths)
        for document in documents:
            errors.extend(schema.validate(document))
        locations = merged_locations(documents, layers)
        blocks = [*layers, *(defaults_of(document) for document in documents)]
        errors.extend(rules.check(locations, blocks))
        if errors:
            raise InvalidInput(list(dict.fromkeys(errors)))
        return build_state(locations, [document.path for document in documents])


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading builds hundreds of thousands of small objects that all stay alive, and makes no cycles:
    the cyclic garbage collector, triggered every 700 allocations, would only scan them again and again
    (a quarter of the time of loading 10,000 locations)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
