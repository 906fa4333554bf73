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
from reconciler.project import ENV_NAME_PATTERN, KEY_PATTERN, PROJECT_FILE
from reconciler.resources import all_fields

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_PATH = SCHEMAS / "locations.schema.json"
PROJECT_SCHEMA_PATH = SCHEMAS / "project.schema.json"

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


_DEFAULTS_LAYERS = (
    "The merge is shallow, per top-level field, as for a file's own `defaults`: the project's, then the "
    "org's, then the file's, then the location's own value, the later winning. Any location field "
    "except `name`."
)
_CREDENTIALS = {
    "description": (
        "Names of the environment variables the credentials are read from, never the values. A complete "
        "clientId, clientSecret and refreshToken set is used before an accessToken."
    ),
    "type": "object",
    "additionalProperties": False,
    "properties": {
        key: {
            "description": (
                f"The name of the environment variable holding the {what} (default {default}): "
                "letters, digits and '_', not starting with a digit."
            ),
            "type": "string",
            "pattern": ENV_NAME_PATTERN,
        }
        for key, default, what in (
            ("accessToken", "WEBEX_ACCESS_TOKEN", "access token"),
            ("clientId", "WEBEX_CLIENT_ID", "OAuth client id of the integration or service app"),
            ("clientSecret", "WEBEX_CLIENT_SECRET", "OAuth client secret"),
            ("refreshToken", "WEBEX_REFRESH_TOKEN", "OAuth refresh token"),
        )
    },
}


def generate_project() -> dict[str, Any]:
    """The project file's schema; its `defaults` take the location fields of the desired-state schema."""
    location_fields = generate()["$defs"]["locationFields"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:wxc-reconcile:schemas:project:1",
        "title": "wxc-reconcile project: the orgs one config repo manages",
        "description": (
            f"{PROJECT_FILE} at the config repo's root: each org a run may act in, its desired-state "
            "files, its defaults and where its credentials come from."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["version", "orgs"],
        "properties": {
            "version": {"description": "Format version of this file. Must be 1.", "const": 1},
            "defaults": {
                "$ref": "#/$defs/locationFields",
                "description": f"Settings merged into every location of every org. {_DEFAULTS_LAYERS}",
            },
            "credentials": {"$ref": "#/$defs/credentials"},
            "orgs": {
                "description": "The orgs, by key (used in --org, artifact names and reports).",
                "type": "object",
                "minProperties": 1,
                "propertyNames": {
                    "description": "a key of 1 to 40 lowercase letters, digits, '-' or '_'",
                    "pattern": KEY_PATTERN,
                },
                "additionalProperties": {"$ref": "#/$defs/org"},
            },
        },
        "$defs": {
            "org": {
                "type": "object",
                "additionalProperties": False,
                "required": ["paths"],
                "properties": {
                    "orgId": {
                        "description": "The org to act in (a partner's customer org); absent: the token's.",
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 1000,
                    },
                    "paths": {
                        "description": "Desired-state files or directories, relative to this file.",
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "minLength": 1},
                    },
                    "defaults": {
                        "$ref": "#/$defs/locationFields",
                        "description": f"Settings merged into every location of this org. {_DEFAULTS_LAYERS}",
                    },
                    "credentials": {"$ref": "#/$defs/credentials"},
                },
            },
            "credentials": _CREDENTIALS,
            "locationFields": location_fields,
        },
    }


def _dumped(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def text() -> str:
    """The schema as the checked-in file holds it."""
    return _dumped(generate())


def files() -> dict[Path, str]:
    """Every generated schema file and what it must hold."""
    return {SCHEMA_PATH: text(), PROJECT_SCHEMA_PATH: _dumped(generate_project())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.schema", description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="write the schema files in schemas/")
    action.add_argument("--check", action="store_true", help="exit 1 when the checked-in file differs")
    args = parser.parse_args(argv)
    if args.write:
        for path, wanted in files().items():
            path.write_text(wanted, encoding="utf-8")
        return 0
    if args.check:
        stale = [p for p, want in files().items() if not p.is_file() or p.read_text(encoding="utf-8") != want]
        for path in stale:
            print(f"{path} is not what `python -m reconciler.schema --write` makes", file=sys.stderr)
        return 1 if stale else 0
    sys.stdout.write(text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
