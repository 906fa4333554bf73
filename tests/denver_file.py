"""A desired-state file of one location, Denver, with a block of its fields: for the resources' tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired import InvalidInput, load_desired


def write(tmp_path: Path, body: str, name: str = "d.yaml") -> Path:
    """`body` (indented as a location's fields) under Denver, in `tmp_path / name`."""
    path = tmp_path / name
    path.write_text("version: 1\nlocations:\n  - name: Denver\n" + body, encoding="utf-8")
    return path


def errors(tmp_path: Path, body: str, name: str = "d.yaml") -> list[str]:
    """Every input error of that file, as `file:line:col: message` with the file named by `name`."""
    with pytest.raises(InvalidInput) as exc:
        load_desired(write(tmp_path, body, name))
    return [str(error).replace(str(tmp_path) + "/", "") for error in exc.value.errors]
