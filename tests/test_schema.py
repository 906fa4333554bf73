"""reconciler/schema.py: the checked-in schema is exactly what the resources' field tables generate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler import schema
from reconciler.resources import all_fields
from reconciler.resources.fields import walk


def test_the_checked_in_schemas_are_the_generated_ones() -> None:
    for path, wanted in schema.files().items():
        checked_in = path.read_text(encoding="utf-8")
        assert checked_in == wanted, f"run `python -m reconciler.schema --write` and commit {path.name}"


def test_the_project_schema_takes_the_location_fields_of_the_desired_state_schema() -> None:
    project = schema.generate_project()
    assert project["$defs"]["locationFields"] == schema.generate()["$defs"]["locationFields"]


def test_every_field_of_every_resource_is_in_the_schema_with_a_description() -> None:
    properties = schema.generate()["$defs"]["locationFields"]["properties"]
    for spec in walk(all_fields()):
        top, *subs = spec.path.split(".")
        node = properties[top]
        for sub in subs:
            node = node["properties"][sub]
        assert node["description"].strip(), spec.path


def test_check_exits_1_when_the_file_differs_and_write_mends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "locations.schema.json"
    stale.write_text(json.dumps({"stale": True}), encoding="utf-8")
    monkeypatch.setattr(schema, "SCHEMA_PATH", stale)
    monkeypatch.setattr(schema, "PROJECT_SCHEMA_PATH", tmp_path / "project.schema.json")  # missing
    assert schema.main(["--check"]) == 1
    assert schema.main(["--write"]) == 0
    assert schema.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == schema.text()
    assert (tmp_path / "project.schema.json").read_text(encoding="utf-8") == schema.files()[
        tmp_path / "project.schema.json"
    ]


def test_the_command_runs_as_documented() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reconciler.schema", "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
