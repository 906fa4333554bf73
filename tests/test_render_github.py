from pathlib import Path

import pytest

from reconciler.desired.model import InputError, Position
from reconciler.render.github import annotation, annotations, append_step_summary


def test_an_error_on_a_line_becomes_an_annotation_on_that_line() -> None:
    error = InputError(Position("config/locations.yaml", 12, 5), "unknown field 'foo'")
    assert annotation(error) == "::error file=config/locations.yaml,line=12,col=5::unknown field 'foo'"


def test_other_levels() -> None:
    error = InputError(Position("a.yaml", 1, 2), "m")
    assert annotation(error, "warning") == "::warning file=a.yaml,line=1,col=2::m"
    assert annotation(error, "notice") == "::notice file=a.yaml,line=1,col=2::m"
    with pytest.raises(ValueError):
        annotation(error, "debug")


@pytest.mark.parametrize(
    ("message", "escaped"),
    [
        ("100% sure", "100%25 sure"),
        ("one\ntwo", "one%0Atwo"),
        ("one\r\ntwo", "one%0D%0Atwo"),
        ("%0A stays text", "%250A stays text"),  # `%` first, or this would turn into a newline
        ("a: b, c", "a: b, c"),  # `:` and `,` only matter in properties
        ("::error::forged", "::error::forged"),  # harmless: the command's message ends at the line end
    ],
)
def test_message_escaping(message: str, escaped: str) -> None:
    assert (
        annotation(InputError(Position("f.yaml", 3, 4), message))
        == f"::error file=f.yaml,line=3,col=4::{escaped}"
    )


@pytest.mark.parametrize(
    ("file", "escaped"),
    [
        ("a,b.yaml", "a%2Cb.yaml"),
        ("c:/x.yaml", "c%3A/x.yaml"),
        ("50%.yaml", "50%25.yaml"),
        ("new\nline.yaml", "new%0Aline.yaml"),
        ("cr\r.yaml", "cr%0D.yaml"),
    ],
)
def test_property_escaping(file: str, escaped: str) -> None:
    assert annotation(InputError(Position(file, 7, 1), "m")) == f"::error file={escaped},line=7,col=1::m"


def test_a_position_with_no_real_file_gives_no_properties() -> None:
    error = InputError(Position("<command line>"), "no desired-state files given")
    assert annotation(error) == "::error::<command line>: no desired-state files given"
    assert annotation(InputError(Position("''"), "empty path")) == "::error::'': empty path"


def test_annotations_one_per_line_in_order() -> None:
    errors = [
        InputError(Position("a.yaml", 1, 1), "first\nsecond line"),
        InputError(Position("<command line>"), "x"),
        InputError(Position("b.yaml", 9, 3), "third"),
    ]
    assert annotations(errors).splitlines() == [
        "::error file=a.yaml,line=1,col=1::first%0Asecond line",
        "::error::<command line>: x",
        "::error file=b.yaml,line=9,col=3::third",
    ]
    assert annotations([]) == ""


def test_step_summary_is_appended_in_order(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert append_step_summary("| a |\n|---|\n| plan ⚠️ |", env) is True
    assert append_step_summary("## report", env) is True
    text = summary.read_text(encoding="utf-8")
    assert text == "earlier step\n| a |\n|---|\n| plan ⚠️ |\n\n## report\n\n"


def test_step_summary_creates_the_file(tmp_path: Path) -> None:
    summary = tmp_path / "new.md"
    assert append_step_summary("hello", {"GITHUB_STEP_SUMMARY": str(summary)}) is True
    assert summary.read_text(encoding="utf-8").startswith("hello\n")


def test_no_step_summary_without_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert append_step_summary("hello", {}) is False
    assert append_step_summary("hello", {"GITHUB_STEP_SUMMARY": ""}) is False
    assert list(tmp_path.iterdir()) == []


def test_default_environment_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "env.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert append_step_summary("from os.environ") is True
    assert "from os.environ" in summary.read_text(encoding="utf-8")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    assert append_step_summary("x") is False


def test_an_unwritable_step_summary_is_false_not_a_crash(tmp_path: Path) -> None:
    assert append_step_summary("x", {"GITHUB_STEP_SUMMARY": str(tmp_path)}) is False  # a directory
    missing_dir = tmp_path / "no" / "such" / "dir" / "summary.md"
    assert append_step_summary("x", {"GITHUB_STEP_SUMMARY": str(missing_dir)}) is False
