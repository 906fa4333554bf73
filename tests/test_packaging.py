"""A non-editable install (the wheel) carries the schema and the sandbox seed, and runs the main job."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("wxc_reconcile-*.whl")
    return built


def test_wheel_ships_schema_seed_and_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    assert "reconciler/_data/locations.schema.json" in names
    assert "reconciler/_data/sandbox-org.json" in names
    for name in ("wxc-reconcile.yaml", "orgs/acme/locations.yaml", "orgs/globex/locations.yaml"):
        assert f"reconciler/_data/partner/{name}" in names
    assert "reconciler/_data/partner/sandbox-partner.json" in names
    assert "wxc-reconcile = reconciler.cli:main" in scripts
    with zipfile.ZipFile(wheel) as archive:
        assert (
            archive.read("reconciler/_data/locations.schema.json")
            == (REPO / "schemas/locations.schema.json").read_bytes()
        )


def installed(wheel: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a Python that imports the package from the wheel, unpacked under tmp_path."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_installed_package_plans_the_example_against_the_sandbox(wheel: Path, tmp_path: Path) -> None:
    env = installed(wheel, tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(REPO / "examples" / "locations.yaml", work / "locations.yaml")
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import reconciler.shipped as r; print(r.data_file('locations.schema.json'))",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "site")
    result = cli(env, work, "plan", "locations.yaml", "--sandbox", "--detailed-exitcode")
    assert result.returncode == 2, result.stderr
    assert "Plan: 4 of 5 locations to change" in result.stdout


def test_installed_package_seeds_the_partner_example_and_plans_one_org(wheel: Path, tmp_path: Path) -> None:
    env = installed(wheel, tmp_path)

    seeded = cli(env, tmp_path, "sandbox", "partner", "repo")
    result = cli(env, tmp_path / "repo", "plan", "orgs/acme", "--sandbox", "--detailed-exitcode")

    assert seeded.returncode == 0, seeded.stderr
    assert result.returncode == 2, result.stderr
    assert "Plan: 2 of 3 locations to change" in result.stdout
