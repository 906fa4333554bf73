"""Files the package ships: the schemas, the sandbox org's seed, and the partner example (with its seed)."""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

# In a wheel these files are copied into reconciler/_data (see pyproject's force-include); in a source
# checkout or an editable install they are read where people edit them.
_REPO_PLACES = {
    "locations.schema.json": Path("schemas") / "locations.schema.json",
    "project.schema.json": Path("schemas") / "project.schema.json",
    "sandbox-org.json": Path("examples") / "sandbox-org.json",
    "partner": Path("examples") / "partner",  # a directory
}


def data_file(name: str) -> Path:
    """The path of a shipped data file (or directory), one of `_REPO_PLACES`; it may not exist."""
    packaged = Path(str(files("reconciler") / "_data" / name))
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parent.parent / _REPO_PLACES[name]


@functools.cache
def json_schema(name: str) -> dict[str, Any]:
    """A shipped JSON Schema (`locations.schema.json`, `project.schema.json`), read once per process."""
    schema: dict[str, Any] = json.loads(data_file(name).read_text(encoding="utf-8"))
    return schema
