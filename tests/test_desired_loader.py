"""Loading desired-state files: paths, parsing, positions, and every way a file can be unusable."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from reconciler.desired import InvalidInput, Position, load_desired
from reconciler.desired.loader import (
    expand_paths,
    load_documents,
    load_file,
    position_at,
    source_text,
)

MINIMAL = "version: 1\nlocations: []\n"


def write(name: str, text: str) -> str:
    """Write `text` (dedented) to `name` under the current directory; return the name as given."""
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return name


def errors_of(*paths: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_desired(list(paths))
    return [str(error) for error in caught.value.errors]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# --- paths --------------------------------------------------------------------------------------------


def test_directory_means_every_yaml_file_below_it_sorted_and_spelled_as_given() -> None:
    write("conf/b.yaml", MINIMAL)
    write("conf/a.yml", MINIMAL)
    write("conf/sub/c.yaml", MINIMAL)
    write("conf/sub/deeper/a.yaml", MINIMAL)
    write("conf/notes.txt", "not yaml")
    write("conf/.hidden.yaml", "broken: [")
    write("conf/.git/x.yaml", "broken: [")

    files, errors = expand_paths(["./conf/"])

    assert errors == []
    assert files == [
        os.path.join("./conf/", "a.yml"),
        os.path.join("./conf/", "b.yaml"),
        os.path.join("./conf/", "sub", "c.yaml"),
        os.path.join("./conf/", "sub", "deeper", "a.yaml"),
    ]


def test_files_keep_the_spelling_given_and_are_never_made_absolute() -> None:
    write("x/site.yaml", "version: 1\nlocations: [1]\n")

    assert errors_of("x/../x/site.yaml") == [
        "x/../x/site.yaml:2:13: a location must be a mapping with at least 'name', not the number 1"
    ]


def test_a_file_named_twice_is_read_once_under_its_first_spelling() -> None:
    write("conf/a.yaml", "version: 1\nlocations:\n  - name: A\n")

    state = load_desired(["conf/a.yaml", "conf"])

    assert state.files == ("conf/a.yaml",)
    assert [location.name for location in state.locations] == ["A"]


def test_a_symlinked_directory_is_followed_and_a_file_reached_twice_is_read_once() -> None:
    write("shared/common.yaml", "version: 1\nlocations:\n  - name: Shared\n")
    write("conf/own.yaml", "version: 1\nlocations:\n  - name: Own\n")
    os.symlink(os.path.join("..", "shared"), "conf/linked")
    os.symlink(os.path.join("..", "shared"), "conf/again")  # the same directory by a second link
    os.symlink("shared", "conf-too")

    files, errors = expand_paths(["conf", "shared", "conf-too"])
    state = load_desired(["conf"])

    assert errors == []
    assert files == [os.path.join("conf", "again", "common.yaml"), os.path.join("conf", "own.yaml")]
    assert [location.name for location in state.locations] == ["Shared", "Own"]


@pytest.mark.parametrize("target", [".", ".."])
def test_a_symlink_back_to_a_directory_it_is_in_is_an_error_not_an_endless_walk(target: str) -> None:
    write("conf/sub/site.yaml", "version: 1\nlocations:\n  - name: Site\n")
    os.symlink(target, "conf/sub/loop")
    real = os.path.realpath(os.path.join("conf", "sub", target))

    files, errors = expand_paths(["conf"])

    assert files == [os.path.join("conf", "sub", "site.yaml")]
    assert [str(error) for error in errors] == [
        f"{os.path.join('conf', 'sub', 'loop')}:1:1: a symbolic link to {real}, a directory it is in: "
        "an endless loop"
    ]


def test_a_link_out_of_the_directory_that_leads_back_into_it_is_a_loop_where_it_closes() -> None:
    write("conf/sub/site.yaml", MINIMAL)
    write("elsewhere.yaml", MINIMAL)
    os.symlink(os.path.join("..", ".."), "conf/sub/up")  # the directory holding conf

    files, errors = expand_paths(["conf"])

    assert files == [
        os.path.join("conf", "sub", "site.yaml"),
        os.path.join("conf", "sub", "up", "elsewhere.yaml"),
    ]
    assert [error.position.file for error in errors] == [os.path.join("conf", "sub", "up", "conf")]


def test_links_between_sibling_directories_walk_each_once_under_its_own_name() -> None:
    write("conf/a/x.yaml", MINIMAL)
    write("conf/b/y.yaml", MINIMAL)
    os.symlink(os.path.join("..", "b"), "conf/a/to-b")
    os.symlink(os.path.join("..", "a"), "conf/b/to-a")

    files, errors = expand_paths(["conf"])

    assert errors == []  # no directory is inside itself: each is walked once, and that is the end
    assert files == [os.path.join("conf", "a", "x.yaml"), os.path.join("conf", "b", "y.yaml")]


def test_path_that_does_not_exist() -> None:
    write("real.yaml", MINIMAL)

    assert errors_of("real.yaml", "missing.yaml", "nodir/") == [
        "missing.yaml:1:1: no such file or directory",
        "nodir/:1:1: no such file or directory",
    ]


def test_directory_without_yaml_files() -> None:
    write("empty/readme.txt", "nothing here")

    assert errors_of("empty") == ["empty:1:1: no YAML files (*.yaml, *.yml) in this directory"]


def test_unreadable_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write("locked.yaml", MINIMAL)

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)

    assert errors_of("locked.yaml") == ["locked.yaml:1:1: cannot read file: Permission denied"]


def test_a_single_string_path_is_one_path() -> None:
    write("one.yaml", "version: 1\nlocations:\n  - name: Solo\n")

    assert [location.name for location in load_desired("one.yaml").locations] == ["Solo"]


def test_no_paths_at_all() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_desired([])
    assert [e.message for e in caught.value.errors] == ["no desired-state files given"]


# --- files that are not usable ------------------------------------------------------------------------


def test_not_utf8_points_at_the_bad_byte() -> None:
    Path("latin1.yaml").write_bytes(b"version: 1\nlocations:\n  - name: Caf\xe9\n")

    assert errors_of("latin1.yaml") == [
        "latin1.yaml:3:14: the file is not valid UTF-8 (byte 0xe9; Latin-1 or Windows-1252?); "
        "save it as UTF-8"
    ]


def test_utf8_byte_order_mark_is_accepted() -> None:
    Path("bom.yaml").write_bytes(b"\xef\xbb\xbfversion: 1\nlocations:\n  - name: Z\xc3\xbcrich\n")

    assert [location.name for location in load_desired(["bom.yaml"]).locations] == ["Zürich"]


def test_yaml_syntax_error_uses_the_mark_ruamel_gives() -> None:
    write(
        "broken.yaml",
        """
        version: 1
        locations:
          - name: Denver
            routingPrefix: [212
        """,
    )

    [error] = errors_of("broken.yaml")

    assert error.startswith("broken.yaml:5:1: invalid YAML: expected ',' or ']'")
    assert "while parsing a flow sequence at 4:20" in error


def test_tab_indentation_is_a_syntax_error_with_a_position() -> None:
    write("tabs.yaml", "version: 1\nlocations:\n\t- name: A\n")

    [error] = errors_of("tabs.yaml")

    assert error.startswith("tabs.yaml:3:1: invalid YAML: ")


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing but a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    Path("empty.yaml").write_text(text, encoding="utf-8")

    assert errors_of("empty.yaml") == [
        "empty.yaml:1:1: the file is empty; expected a mapping with 'version' and 'locations'"
    ]


def test_document_that_is_a_list() -> None:
    write("list.yaml", "# sites\n- name: Denver\n- name: Paris\n")

    assert errors_of("list.yaml") == [
        "list.yaml:2:1: the file must hold a mapping with 'version' and 'locations', not a list"
    ]


def test_document_that_is_a_single_value() -> None:
    write("scalar.yaml", "# what\n  hello\n")

    assert errors_of("scalar.yaml") == [
        "scalar.yaml:2:3: the file must hold a mapping with 'version' and 'locations', not a string"
    ]


def test_multiple_documents() -> None:
    write("two.yaml", "version: 1\nlocations: []\n---\nversion: 1\nlocations: []\n")

    assert errors_of("two.yaml") == [
        "two.yaml:3:1: only one YAML document per file is supported; a second one starts here"
    ]


def test_every_duplicate_key_is_reported_at_its_position_and_the_rest_is_still_checked() -> None:
    write(
        "dup.yaml",
        """
        version: 1
        locations:
          - name: Denver
            routingPrefix: "212"
            name: Dallas
            pstn:
              type: LOCAL_GATEWAY
              trunk: A
              trunk: B
            outsideDialDigit: "12"
        """,
    )

    assert errors_of("dup.yaml") == [
        "dup.yaml:5:5: duplicate key 'name' (first written at line 3, column 5)",
        "dup.yaml:9:7: duplicate key 'trunk' (first written at line 8, column 7)",
        'dup.yaml:10:23: outsideDialDigit must be a single digit, e.g. "9", not "12"',
    ]


def test_errors_of_several_unusable_files_are_all_reported_sorted() -> None:
    write("b.yaml", "- 1\n")
    write("a.yaml", "a: [\n")
    write("c.yaml", "version: 1\nversion: 1\nlocations: []\n")

    errors = errors_of("c.yaml", "b.yaml", "a.yaml", "d.yaml")

    assert [error.split(": ")[0] for error in errors] == [
        "a.yaml:2:1",
        "b.yaml:1:1",
        "c.yaml:2:1",
        "d.yaml:1:1",
    ]


# --- documents and positions --------------------------------------------------------------------------

POSITIONS = """
version: 1
locations:
  - name: Denver
    routingPrefix:
    chargeNumber: ~
    callingLineId: {name: Denver Incoming, phoneNumber: "+12145555698"}
    pstn:
      type: LOCAL_GATEWAY
"""


def test_position_at_gives_the_value_the_key_or_the_closest_parent() -> None:
    write("p.yaml", POSITIONS)
    document, errors = load_file("p.yaml")
    assert document is not None and errors == []

    def at(*path: str | int, key: bool = False) -> tuple[int, int]:
        position = position_at(document, path, key=key)
        assert position.file == "p.yaml"
        return position.line, position.col

    assert at() == (1, 1)
    assert at("locations") == (3, 3)
    assert at("locations", key=True) == (2, 1)
    assert at("locations", 0) == (3, 5)
    assert at("locations", 0, "name") == (3, 11)
    assert at("locations", 0, "name", key=True) == (3, 5)
    assert at("locations", 0, "callingLineId", "phoneNumber") == (6, 57)
    assert at("locations", 0, "callingLineId", "phoneNumber", key=True) == (6, 44)
    assert at("locations", 0, "pstn", "type") == (8, 13)
    # an empty value is placed at its key, not at the next line's token; `~` is where it is written
    assert at("locations", 0, "routingPrefix") == (4, 5)
    assert at("locations", 0, "chargeNumber") == (5, 19)
    # paths that lead nowhere stop at the closest parent
    assert at("locations", 0, "pstn", "trunk") == (8, 7)
    assert at("locations", 7, "name") == (3, 3)
    assert at("locations", 0, "name", "deeper") == (3, 11)
    assert at("nothing") == (1, 1)


def test_source_text_is_the_scalar_exactly_as_written() -> None:
    write("s.yaml", "version: 1\nx: 0212  # comment\ny: {a: +12145555698, b: 9}\n")
    document, _ = load_file("s.yaml")
    assert document is not None

    assert source_text(document, position_at(document, ["x"])) == "0212"
    assert source_text(document, position_at(document, ["y", "a"])) == "+12145555698"
    assert source_text(document, position_at(document, ["y", "b"])) == "9"
    assert source_text(document, Position("other.yaml", 2, 4)) is None


def test_document_keeps_path_lines_and_plain_data() -> None:
    write("d.yaml", "version: 1\nlocations:\n  - name: A\n    enforceOutsideDialDigit: &on true\n")
    [document], errors = load_documents(["d.yaml"])

    assert errors == []
    assert document.path == "d.yaml"
    assert document.lines[2] == "  - name: A"
    assert document.plain == {"version": 1, "locations": [{"name": "A", "enforceOutsideDialDigit": True}]}


def test_round_trip_types_become_plain_python() -> None:
    write(
        "t.yaml",
        """
        a: 0o17
        b: 1_000
        c: 1.50
        d: &x true
        e: !!str 12
        f: |
          text
        g: [1, {h: null}]
        """,
    )
    document, _ = load_file("t.yaml")
    assert document is not None

    plain = document.plain

    assert plain == {"a": 15, "b": 1000, "c": 1.5, "d": True, "e": "12", "f": "text\n", "g": [1, {"h": None}]}
    assert [type(plain[k]) for k in "abcdef"] == [int, int, float, bool, str, str]
    assert type(plain) is dict and type(plain["g"]) is list and type(plain["g"][1]) is dict


def test_a_value_a_tag_cannot_make_is_an_error_at_its_place_not_a_traceback() -> None:
    write("tag.yaml", "version: !!int abc\nlocations: []\n")

    assert errors_of("tag.yaml") == ['tag.yaml:1:10: !!int needs an integer, and "abc" is not']


def test_keys_of_different_types_are_not_duplicates() -> None:
    write("keys.yaml", 'version: 1\nlocations: []\n1: a\n"1": b\n1: c\n')

    assert errors_of("keys.yaml") == [
        "keys.yaml:3:1: unknown field '1' (allowed: version, defaults, locations)",
        "keys.yaml:4:1: unknown field '1' (allowed: version, defaults, locations)",
        "keys.yaml:5:1: duplicate key '1' (first written at line 3, column 1)",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "version: !!float x\n",
        "version: !!binary 'zz!'\n",
        "version: !!timestamp x\n",
        "version: *nowhere\n",
        "? [a, b]\n: 1\n",
        "version: 1\nlocations:\n  - name: 2001-12-14\n    routingPrefix: 2001-12-14\n",
        "version: 1\nlocations: " + "[" * 200 + "]" * 200 + "\n",
        "version: 1\nlocations:\n  - name: !custom x\n  - !!map {name: y}\n"
        "  - {name: &n z, externalCallerIdName: *n}\n",
        "version: 1\nlocations:\n  - &a {name: a}\n  - *a\n",
        "version: 1\nlocations:\n  - name: x\n    callingLineId: {? [a]: 1}\n",
        "\t\n",
        "version: 1\nlocations: []\n...\n",
        "%YAML 1.1\n---\nversion: 1\nlocations: [{name: x, enforceOutsideDialDigit: yes}]\n",
    ],
)
def test_odd_input_never_raises_anything_but_invalid_input(text: str) -> None:
    Path("odd.yaml").write_text(text, encoding="utf-8")

    try:
        load_desired(["odd.yaml"])
    except InvalidInput as error:
        assert all(e.position.file == "odd.yaml" and e.position.line >= 1 for e in error.errors)
