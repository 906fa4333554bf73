"""The desired-state JSON Schema, generated from the resources' field tables.

`schemas/locations.schema.json` is what editors read (and what `validate` checks against); it is written
by this module, never by hand, so the one field table stays the only one:

    python -m reconciler.schema --write     # regenerate the checked-in file
    python -m reconciler.schema --check     # exit 1 when the checked-in file differs

Only the file's envelope (version, defaults, the location's name) is written here; every managed field
comes from its resource's `fields`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reconciler.desired.fields import NAME_MAX_LENGTH
from reconciler.resources import all_fields

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "locations.schema.json"

_NAME = {
    "description": (
        "Name of an existing Webex Calling location, matched exactly. 1 to 80 characters (Webex limits "
        "names of calling-enabled locations to 80). Unique across all files. Cannot be set in `defaults`."
    ),
    "type": "string",
    "minLength": 1,
    "maxLength": NAME_MAX_LENGTH,
}


def generate() -> dict[str, Any]:
    """The whole schema, as a JSON-ready dict."""
    fields = all_fields()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:wxc-reconcile:schemas:locations:1",
        "title": "wxc-reconcile desired state: Webex Calling locations",
        "description": (
            "The Webex Calling settings of locations, as wxc-reconcile should make them. Field names are "
            "the Webex API's own. A field that is absent is not managed (never read into a diff, never "
            "written); a field set to null is managed and cleared where the API allows it."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["version", "locations"],
        "properties": {
            "version": {"description": "Format version of this file. Must be 1.", "const": 1},
            "defaults": {
                "$ref": "#/$defs/locationFields",
                "description": (
                    "Settings merged into every location of this file (not of other files). The merge is "
                    "shallow, per top-level field: a location's own value wins, even when it is null; "
                    "objects such as `pstn` and `callingLineId` are taken whole from one place. Any "
                    "location field except `name`."
                ),
            },
            "locations": {
                "description": (
                    "The Webex Calling locations to manage, each an existing location named exactly as in "
                    "Webex. May be empty. A name may appear only once across all files given."
                ),
                "type": "array",
                "items": {"$ref": "#/$defs/location"},
            },
        },
        "$defs": {
            "location": {
                "description": (
                    "One Webex Calling location: its name plus the settings to manage. Fields left out are "
                    "not managed."
                ),
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": _NAME,
                    **{
                        spec.name: {"$ref": f"#/$defs/locationFields/properties/{spec.name}"}
                        for spec in fields
                    },
                },
            },
            "locationFields": {
                "description": (
                    "The settings of a location that wxc-reconcile can manage (every location field except "
                    "`name`)."
                ),
                "type": "object",
                "additionalProperties": False,
                "properties": {spec.name: spec.schema() for spec in fields},
            },
        },
    }


def text() -> str:
    """The schema as the checked-in file holds it."""
    return json.dumps(generate(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.schema", description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write {SCHEMA_PATH.name} in schemas/")
    action.add_argument("--check", action="store_true", help="exit 1 when the checked-in file differs")
    args = parser.parse_args(argv)
    if args.write:
        SCHEMA_PATH.write_text(text(), encoding="utf-8")
        return 0
    if args.check:
        same = SCHEMA_PATH.is_file() and SCHEMA_PATH.read_text(encoding="utf-8") == text()
        if not same:
            print(f"{SCHEMA_PATH} is not what `python -m reconciler.schema --write` makes", file=sys.stderr)
        return 0 if same else 1
    sys.stdout.write(text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
