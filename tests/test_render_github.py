import io
import json
import re
from pathlib import Path

import pytest
from clirun import loc_id, wxc
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired.model import InputError, Position
from reconciler.render.github import (
    CommandGuard,
    annotation,
    annotations,
    append_step_summary,
    print_commands,
)
from reconciler.sandbox import SandboxOrg, ServerThread


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


def test_a_file_name_that_cannot_be_printed_is_no_file_property() -> None:
    # An undecodable byte of a name given on the command line arrives as a surrogate.
    error = InputError(Position("\udcffsite.yaml", 2, 1), "no such file or directory")
    assert annotation(error) == "::error::\\udcffsite.yaml: no such file or directory"


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


# --- no other line can be a workflow command ---------------------------------------------------------

# Where the runner ends a line (.NET's ReadLine).
RUNNER_LINE_END = re.compile(r"\r\n|\r|\n")


def commands_read(output: str) -> list[str]:
    """The lines the runner would take for a workflow command (any command name: stricter than it)."""
    found = []
    for line in RUNNER_LINE_END.split(output):
        trimmed = line.lstrip()
        v2 = trimmed.startswith("::") and "::" in trimmed[2:]
        v1 = "##[" in line and "]" in line[line.index("##[") :]
        if v2 or v1:
            found.append(line)
    return found


def guarded(*pieces: str) -> str:
    sink = io.StringIO()
    guard = CommandGuard(sink)
    for piece in pieces:
        guard.write(piece)
    return sink.getvalue()


@pytest.mark.parametrize(
    ("pieces", "written"),
    [
        (["::error::forged\n"], ":%3Aerror::forged\n"),
        (["  \t::warning file=a::x"], "  \t:%3Awarning file=a::x"),
        (["first\n::add-mask::secret\n"], "first\n:%3Aadd-mask::secret\n"),
        (["cr\r::set-output name=a::b"], "cr\r:%3Aset-output name=a::b"),
        (["\x0c::error::after a form feed"], "\x0c:%3Aerror::after a form feed"),
        (["Denver ##[set-output name=a]b"], "Denver ##%5Bset-output name=a]b"),
        # a line written in pieces is the one line the runner reads
        (["  :", ":error::x\n"], "  :%3Aerror::x\n"),
        (["  ", "", "::error::x"], "  :%3Aerror::x"),
        (["#", "#", "[add-mask]x"], "##%5Badd-mask]x"),
        (["a ##", "[add-mask]x"], "a ##%5Badd-mask]x"),
    ],
)
def test_the_guard_breaks_every_workflow_command(pieces: list[str], written: str) -> None:
    assert commands_read("".join(pieces)) != []

    output = guarded(*pieces)

    assert output == written
    assert commands_read(output) == []


@pytest.mark.parametrize(
    "text",
    [
        "Denver: 1 field → 2\n",
        "http://[::1]:8080/v1 a::b\n",
        '    callingLineId.name  "a" → "b"\n',
        "## heading [link](x)\n# [x]\n",
        ": single colon\n",
    ],
)
def test_the_guard_leaves_other_text_alone(text: str) -> None:
    assert guarded(text) == text


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.lists(st.text(alphabet=":#[] \t\n\r\x0bab", max_size=12), max_size=8))
def test_no_text_written_in_any_pieces_gets_through_as_a_command(pieces: list[str]) -> None:
    output = guarded(*pieces)

    assert commands_read(output) == []
    text = "".join(pieces)
    innocent = "##[" not in text and not any(line.lstrip().startswith("::") for line in text.splitlines())
    if innocent:
        assert output == text


def test_the_tools_own_commands_go_past_the_guard_on_a_line_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = io.StringIO()
    guard = CommandGuard(sink)
    monkeypatch.setattr("sys.stdout", guard)

    guard.write("half a line")
    print_commands("::error file=a.yaml,line=1,col=1::m")
    print("::error::forged")

    assert sink.getvalue() == "half a line\n::error file=a.yaml,line=1,col=1::m\n:%3Aerror::forged\n"
    assert guard.encoding == sink.encoding and not guard.isatty()
    with pytest.raises(TypeError):
        guard.write(b"bytes")  # type: ignore[arg-type]


# --- through the installed CLI, under GitHub Actions -------------------------------------------------

GITHUB = {"GITHUB_ACTIONS": "true"}


def test_file_names_cannot_forge_commands_and_the_annotations_still_come_through(tmp_path: Path) -> None:
    # The last one is how Python hands on a name that is not UTF-8 (the byte 0xff).
    names = ["x\n::error::forged.yaml", "::warning::w.yaml", "  ##[add-mask]Denver.yaml", "\udcff.yaml"]

    result = wxc("validate", *names, cwd=tmp_path, env=GITHUB)

    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert commands_read(result.stderr) == []
    assert commands_read(result.stdout) == result.stdout.splitlines()  # only the annotations
    assert len(result.stdout.splitlines()) == 4
    assert r"x\n::error::forged.yaml:1:1: no such file or directory" in result.stderr
    assert r"\udcff.yaml:1:1: no such file or directory" in result.stderr


def test_text_from_the_org_cannot_forge_commands_in_any_output_format(tmp_path: Path) -> None:
    org = SandboxOrg.seed()
    denver = org.locations[loc_id("Denver")].details
    assert denver is not None
    denver["externalCallerIdName"] = "##[set-output name=pwned]yes"
    denver["pAccessNetworkInfo"] = "x\n::error::forged"
    desired = tmp_path / "d.yaml"
    desired.write_text(
        "version: 1\nlocations:\n  - name: Denver\n    externalCallerIdName: Big Corp\n"
        "    pAccessNetworkInfo: null\n"
    )
    with ServerThread(org) as server:
        results = [
            wxc("plan", str(desired), "--format", fmt, base_url=server.base_url, env=GITHUB)
            for fmt in ("text", "markdown", "json")
        ]

    for result in results:
        assert result.returncode == 0, result.stderr
        assert commands_read(result.stdout + "\n" + result.stderr) == []
    text, markdown, plan = (result.stdout for result in results)
    assert "##%5Bset-output" in text and "##%5Bset-output" in markdown
    # JSON says the same in its own escape: the data is unchanged
    [step] = json.loads(plan)["steps"]
    before = {change["field"]: change["before"] for change in step["changes"]}
    assert before["externalCallerIdName"] == "##[set-output name=pwned]yes"


def test_outside_github_actions_nothing_is_changed(tmp_path: Path) -> None:
    result = wxc("validate", "::warning::w.yaml", cwd=tmp_path)

    assert result.stderr.startswith("::warning::w.yaml:1:1: no such file or directory")
