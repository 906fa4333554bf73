"""YAML as untrusted input: tags, aliases, nesting, sizes, encodings and text that reaches a terminal.

The hostile corpus (test_hostile_corpus.py) shows each refusal through the CLI; these tests pin the
limits themselves and show that ordinary YAML (anchors, merge keys, core tags) still works.
"""

from __future__ import annotations

import codecs
import time
import warnings
from pathlib import Path

import pytest

from reconciler.desired import InvalidInput, load_desired
from reconciler.desired.display import printable, quoted
from reconciler.desired.fields import describe
from reconciler.desired.guard import MAX_ALIAS_EXPANSION, MAX_DEPTH
from reconciler.desired.source import MAX_FILE_BYTES, decode


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def errors_of(text: str | bytes, name: str = "f.yaml") -> list[str]:
    write(text, name)
    with pytest.raises(InvalidInput) as caught:
        load_desired([name])
    return [str(error) for error in caught.value.errors]


def write(text: str | bytes, name: str = "f.yaml") -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    Path(name).write_bytes(data)
    return name


# --- tags ---------------------------------------------------------------------------------------------


def test_a_python_tag_is_refused_and_nothing_is_constructed_let_alone_run() -> None:
    text = (
        "version: 1\nlocations:\n"
        "  - name: !!python/object/apply:builtins.exec [\"open('pwned', 'w').close()\"]\n"
        "  - name: !!python/object/new:builtins.open ['pwned2', 'w']\n"
    )

    assert errors_of(text) == [
        "f.yaml:3:11: the tag !!python/object/apply:builtins.exec is not allowed: it asks for a Python "
        "object, and a desired-state file holds only text, numbers, true/false, null, lists and mappings",
        "f.yaml:4:11: the tag !!python/object/new:builtins.open is not allowed: it asks for a Python "
        "object, and a desired-state file holds only text, numbers, true/false, null, lists and mappings",
    ]
    assert not Path("pwned").exists() and not Path("pwned2").exists()


def test_every_refused_tag_is_reported_at_its_own_place() -> None:
    text = (
        "version: 1\nlocations:\n  - name: !a x\n    externalCallerIdName: !!binary eA==\n  - !b {name: y}\n"
    )

    assert [error.split(": ", 1)[0] for error in errors_of(text)] == [
        "f.yaml:3:11",
        "f.yaml:4:27",
        "f.yaml:5:5",
    ]


def test_a_tag_with_escapes_is_shown_without_control_characters() -> None:
    [error] = errors_of("version: 1\nlocations: !x%1B[31m []\n")

    assert "\x1b" not in error
    assert error == (
        "f.yaml:2:12: unknown tag !x\\x1b[31m: a desired-state file holds only text, numbers, "
        "true/false, null, lists and mappings"
    )


def test_core_tags_that_fit_their_values_are_fine() -> None:
    text = (
        "version: !!int 1\n"
        "locations: !!seq\n"
        "  - !!map\n"
        "    name: !!str 1234\n"
        "    routingPrefix: !!str 0212\n"
        "    enforceOutsideDialDigit: !!bool true\n"
        "    chargeNumber: !!null ~\n"
        '    externalCallerIdName: ! "Big Corp"\n'
    )

    [location] = load_desired([write(text)]).locations

    assert location.name == "1234"
    assert location.details == {
        "routingPrefix": "0212",
        "enforceOutsideDialDigit": True,
        "chargeNumber": None,
        "externalCallerIdName": "Big Corp",
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!int 1.5", '!!int needs an integer, and "1.5" is not'),
        ("!!float abc", '!!float needs a number, and "abc" is not'),
        ("!!bool yes", '!!bool needs true or false, and "yes" is not'),
        ("!!null x", '!!null needs null, and "x" is not'),
        ("!!timestamp x", '!!timestamp needs a date or time, and "x" is not'),
        ("!!map x", "!!map does not fit this value"),
        ("!!str [a]", "!!str can only tag a single value, not a list or a mapping"),
        ("!!merge x", '`<<` is YAML\'s merge key and works only as a key; to mean the text, write "<<"'),
        ("<<", '`<<` is YAML\'s merge key and works only as a key; to mean the text, write "<<"'),
    ],
)
def test_a_core_tag_that_does_not_fit_its_value_is_refused_where_it_is(value: str, message: str) -> None:
    assert errors_of(f"version: 1\nlocations: []\ndefaults:\n  externalCallerIdName: {value}\n") == [
        f"f.yaml:4:25: {message}"
    ]


def test_a_float_tag_takes_an_integer() -> None:
    assert load_desired([write("version: !!float 1\nlocations: []\n")]).locations == ()


# --- anchors, aliases, merge keys ---------------------------------------------------------------------


def test_anchors_aliases_and_merge_keys_still_work() -> None:
    text = """\
version: 1
locations:
  - &denver
    name: Denver
    callingLineId: &clid {name: Corp, phoneNumber: "+12145555698"}
    announcementLanguage: en_us
  - <<: *denver
    name: Dallas
    announcementLanguage: fr_fr
  - name: Austin
    callingLineId: *clid
    <<: [{outsideDialDigit: "9"}, {outsideDialDigit: "8", routingPrefix: "77"}]
"""

    denver, dallas, austin = load_desired([write(text)]).locations

    assert dallas.name == "Dallas"
    assert dallas.details == {
        "announcementLanguage": "fr_fr",  # the mapping's own key wins over the merged one
        "callingLineId": {"name": "Corp", "phoneNumber": "+12145555698"},
    }
    assert austin.details["callingLineId"] == denver.details["callingLineId"]
    assert (austin.details["outsideDialDigit"], austin.details["routingPrefix"]) == ("9", "77")


def test_an_anchor_name_used_twice_is_allowed_and_warns_nobody(capsys: pytest.CaptureFixture[str]) -> None:
    text = "version: 1\nlocations:\n  - {name: &n A}\n  - {name: &n B, externalCallerIdName: *n}\n"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state = load_desired([write(text)])

    assert state.locations[1].details == {"externalCallerIdName": "B"}
    assert capsys.readouterr().err == ""


def test_merging_one_block_into_thousands_of_locations_is_quick() -> None:
    # ruamel compares whole mappings for each merge it records: this took over 20 s before.
    lines = ["version: 1", "locations:", "  - &base {name: L0, announcementLanguage: en_us}"]
    lines += [f"  - {{<<: *base, name: L{i}}}" for i in range(1, 3000)]

    started = time.perf_counter()
    state = load_desired([write("\n".join(lines) + "\n")])

    assert time.perf_counter() - started < 10
    assert len(state.locations) == 3000
    assert state.locations[-1].details == {"announcementLanguage": "en_us"}


def expansion_file(aliases: int, anchored_items: int) -> str:
    """A file whose aliases add exactly aliases x (anchored_items + 1) values when expanded."""
    items = ", ".join(["x"] * anchored_items)
    return f"version: 1\ndefaults: &d\n  externalCallerIdName: [{items}]\n" + "".join(
        f"k{i}: *d\n" for i in range(aliases)
    )


def test_aliases_may_expand_the_file_up_to_the_limit() -> None:
    # Each alias of the 4-node `defaults` mapping (mapping, key, list, item... 1 + 1 + 1 + n) adds
    # 3 + n values; the file is refused for its unknown keys and wrong types, not for its aliases.
    per_alias = 3 + 997
    errors = errors_of(expansion_file(MAX_ALIAS_EXPANSION // per_alias, 997))

    assert not any("aliases expand" in error for error in errors)


def test_one_value_past_the_alias_limit_is_refused_at_the_alias_that_passes_it() -> None:
    per_alias = 3 + 997
    aliases = MAX_ALIAS_EXPANSION // per_alias + 1

    assert errors_of(expansion_file(aliases, 997)) == [
        f"f.yaml:{3 + aliases}:{len(f'k{aliases - 1}: ') + 1}: aliases expand this file by more than "
        f"{MAX_ALIAS_EXPANSION:,} values (the limit), passed at *d; write the data out, or use fewer aliases"
    ]


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    assert errors_of("version: 1\nlocations:\n  - &x {name: a, callingLineId: {name: *x}}\n") == [
        "f.yaml:3:40: the alias *x is inside the node it refers to; the data would be endless"
    ]


# --- nesting ------------------------------------------------------------------------------------------


def nested(depth: int) -> str:
    """A file whose deepest node is `depth` levels down (the root mapping is level 1)."""
    return "version: 1\nlocations: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def test_nesting_up_to_the_limit_is_read() -> None:
    errors = errors_of(nested(MAX_DEPTH))

    assert not any("nested" in error for error in errors)


def test_nesting_past_the_limit_is_refused_where_it_passes() -> None:
    assert errors_of(nested(MAX_DEPTH + 1)) == [
        f"f.yaml:2:{len('locations: ') + MAX_DEPTH}: nested more than {MAX_DEPTH} levels deep; "
        "a desired-state file needs 5"
    ]


def test_nesting_thousands_deep_costs_no_recursion() -> None:
    [error] = errors_of(nested(100_000))

    assert "nested more than" in error


# --- size and encodings -------------------------------------------------------------------------------


def test_a_file_one_byte_over_the_limit_is_refused_with_its_size() -> None:
    with Path("big.yaml").open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)

    with pytest.raises(InvalidInput) as caught:
        load_desired(["big.yaml"])
    assert [str(e) for e in caught.value.errors] == [
        "big.yaml:1:1: the file is 16.0 MiB (16,777,217 bytes); the limit for a desired-state file is 16 MiB"
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (codecs.BOM_UTF16_LE + "a: 1".encode("utf-16-le"), "the file is UTF-16 (little-endian) text"),
        (codecs.BOM_UTF16_BE + "a: 1".encode("utf-16-be"), "the file is UTF-16 (big-endian) text"),
        (codecs.BOM_UTF32_LE + "a: 1".encode("utf-32-le"), "the file is UTF-32 (little-endian) text"),
        (codecs.BOM_UTF32_BE + "a: 1".encode("utf-32-be"), "the file is UTF-32 (big-endian) text"),
        (
            "a: 1".encode("utf-16-le"),
            "the file looks like UTF-16 (little-endian) text without a byte order mark",
        ),
        (
            "a: 1".encode("utf-16-be"),
            "the file looks like UTF-16 (big-endian) text without a byte order mark",
        ),
        (
            "a: 1".encode("utf-32-le"),
            "the file looks like UTF-32 (little-endian) text without a byte order mark",
        ),
        (
            "a: 1".encode("utf-32-be"),
            "the file looks like UTF-32 (big-endian) text without a byte order mark",
        ),
    ],
)
def test_utf16_and_utf32_are_named_and_refused(raw: bytes, message: str) -> None:
    error = decode("f.yaml", raw)

    assert not isinstance(error, str)
    assert str(error) == f"f.yaml:1:1: {message}; save it as UTF-8"


def test_a_nul_byte_is_refused_where_it_is() -> None:
    assert errors_of(b"version: 1\nlocations: [\x00]\n") == [
        "f.yaml:2:13: the file contains a NUL byte (0x00): a desired-state file is text"
    ]


def test_a_raw_control_character_is_refused_where_it_is() -> None:
    assert errors_of("version: 1\nlocations:\n  - name: A\x1bB\n") == [
        "f.yaml:3:12: the file contains the control character U+001B, which YAML does not allow; "
        'to mean it, write "\\u001b" inside double quotes'
    ]


# --- text that reaches a terminal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "what", "code", "at"),
    [
        ('"\\e]8;;https://evil\\a"', "a control character", "001B", 1),
        ('"Den\\x9bver"', "a control character", "009B", 4),
        ('"Den\\u2028ver"', "a line break", "2028", 4),
        ('"abc\\u202Efed"', "a bidirectional-text control", "202E", 4),
        ('"tab\\there"', "a control character", "0009", 4),
    ],
)
def test_free_text_must_be_one_line_of_printable_text(value: str, what: str, code: str, at: int) -> None:
    text = f"version: 1\nlocations:\n  - name: Denver\n    callingLineId:\n      name: {value}\n"

    assert errors_of(text) == [
        f"f.yaml:5:13: callingLineId.name contains {what} (U+{code}) at character {at}; "
        "it must be a single line of printable text"
    ]


def test_a_control_character_in_defaults_is_reported_once_at_the_defaults_entry() -> None:
    text = 'version: 1\ndefaults:\n  externalCallerIdName: "a\\rb"\nlocations:\n  - name: A\n  - name: B\n'

    assert errors_of(text) == [
        "f.yaml:3:25: externalCallerIdName contains a line break (U+000D) at character 2; "
        "it must be a single line of printable text"
    ]


def test_messages_escape_and_cut_what_they_quote() -> None:
    assert quoted("a\x1b[2Jb\x9b\u202e") == '"a\\u001b[2Jb\\u009b\\u202e"'
    assert quoted("x" * 100) == '"' + "x" * 60 + '"… (100 characters)'
    assert printable("a\x1bb") == "a\\x1bb"
    assert printable("y" * 61) == "y" * 60 + "… (61 characters)"
    assert describe(10**5000) == "a number of about 5001 digits"
    assert describe("z" * 1000).endswith("… (1,000 characters)")


def test_duplicate_keys_show_the_key_escaped_and_cut() -> None:
    key = "k\\e" + "x" * 100
    errors = errors_of(f'version: 1\nlocations: []\n"{key}": 1\n"{key}": 2\n')
    [error] = [error for error in errors if "duplicate key" in error]

    assert error.startswith("f.yaml:4:1: duplicate key 'k\\x1b" + "x" * 58 + "… (102 characters)'")


def test_a_long_unknown_key_is_cut_in_the_message() -> None:
    # (an explicit key: YAML limits implicit ones to 1,024 characters)
    [error] = errors_of("version: 1\nlocations: []\n? " + "q" * 5000 + "\n: 1\n")

    assert error.startswith("f.yaml:3:3: unknown field '" + "q" * 60 + "… (5,000 characters)'")
    assert len(error) < 300
