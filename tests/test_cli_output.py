import os
from pathlib import Path

import pytest

from reconciler.cli.output import cannot_write, write

as_root = os.geteuid() == 0  # root may write where the permissions say no: those cases are not testable


def test_a_new_file_in_an_existing_directory_can_be_written_and_nothing_is_left_behind(
    tmp_path: Path,
) -> None:
    assert cannot_write(tmp_path / "plan.json") is None
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_checked_without_changing_it(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("before")
    os.utime(path, (1_000_000, 1_000_000))
    assert cannot_write(path) is None
    assert path.read_text() == "before" and path.stat().st_mtime == 1_000_000


def test_a_missing_directory_a_file_on_the_way_or_a_directory_are_named(tmp_path: Path) -> None:
    assert (
        cannot_write(tmp_path / "missing" / "plan.json")
        == f"the directory {tmp_path / 'missing'} does not exist"
    )
    (tmp_path / "file").write_text("")
    assert cannot_write(tmp_path / "file" / "plan.json") == f"{tmp_path / 'file'} is not a directory"
    assert cannot_write(tmp_path) == "it is a directory"


@pytest.mark.skipif(as_root, reason="root writes through permissions")
def test_permissions_are_named(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "old.json").write_text("")
    (locked / "old.json").chmod(0o444)
    locked.chmod(0o555)
    try:
        assert cannot_write(locked / "new.json") == f"cannot create a file in {locked}: permission denied"
        assert cannot_write(locked / "old.json") == "permission denied"
    finally:
        locked.chmod(0o755)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_place_where_no_file_can_be_created_is_named() -> None:
    assert (
        cannot_write(Path("/proc/wxc-plan.json"))
        == "cannot create a file in /proc: no such file or directory"
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_write_that_fails_anyway_is_said_and_returns_false(capsys: pytest.CaptureFixture[str]) -> None:
    assert cannot_write(Path("/dev/full")) is None  # a device that can be opened, and never written
    assert write(Path("/dev/full"), "{}", "the JSON report", "the report is on stdout") is False
    said = capsys.readouterr().err
    assert (
        "error: could not write the JSON report to /dev/full: No space left on device; the report is on"
        in said
    )
