"""Every file in tests/hostile/ is refused with exit 3 at a real place, without a traceback or a request.

Each file breaks one thing and says on its first line what it expects:
`# expect: line N: fragment of the message` (or `line 1 (whole file)` for problems of the whole file).
Files whose format leaves no room for a readable comment (no bytes at all, UTF-16, UTF-32) are listed
in WHOLE_FILE below. The big hostile files (50 MB, a 10 MB scalar, a billion laughs, thousands of
locations of one name) are made at test time in tmp_path, so the repository stays small.

`validate` runs in-process (click's CliRunner) for speed; `plan` runs through the installed console
script against the sandbox server, which must receive no request at all: bad input costs nothing.
"""

from __future__ import annotations

import os
import re
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from clirun import TOKEN, wxc

from reconciler.cli import cli
from reconciler.desired import InputError, InvalidInput, load_desired
from reconciler.desired.guard import MAX_ALIAS_EXPANSION
from reconciler.desired.source import MAX_FILE_BYTES, read_text
from reconciler.sandbox import ServerThread

HOSTILE = Path(__file__).resolve().parent / "hostile"
EXPECT = re.compile(r"# expect: line (?P<line>\d+)(?P<whole> \(whole file\))?: (?P<fragment>.+)")
EXIT_INVALID = 3


@dataclass(frozen=True)
class Expected:
    line: int
    fragment: str
    # True for problems of the whole file (encoding, size, emptiness), reported at 1:1; every other
    # problem has a place, and is reported there.
    whole_file: bool = False


# Whole-file problems in files that cannot carry a readable first-line comment.
WHOLE_FILE = {
    "empty.yaml": "the file is empty",
    "encoding-utf16-le-bom.yaml": "the file is UTF-16 (little-endian) text; save it as UTF-8",
    "encoding-utf16-be-bom.yaml": "the file is UTF-16 (big-endian) text; save it as UTF-8",
    "encoding-utf16-le-no-bom.yaml": "looks like UTF-16 (little-endian) text without a byte order mark",
    "encoding-utf16-be-no-bom.yaml": "looks like UTF-16 (big-endian) text without a byte order mark",
    "encoding-utf32-le-bom.yaml": "the file is UTF-32 (little-endian) text; save it as UTF-8",
    "encoding-utf32-be-no-bom.yaml": "looks like UTF-32 (big-endian) text without a byte order mark",
}


def expectation(path: Path) -> Expected:
    if path.name in WHOLE_FILE:
        return Expected(1, WHOLE_FILE[path.name], whole_file=True)
    first_line = path.read_bytes().split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    match = EXPECT.fullmatch(first_line.strip())
    assert match, f"{path.name}: the first line must say `# expect: line N: ...`"
    return Expected(int(match["line"]), match["fragment"], whole_file=bool(match["whole"]))


CORPUS = sorted(HOSTILE.glob("*.yaml"))


def check_refusal(path: Path, code: int, stderr: str, expected: Expected) -> list[str]:
    """What is wrong with how `path` was refused (nothing, when it was refused as it should be)."""
    problems = []
    if code != EXIT_INVALID:
        problems.append(f"exit {code}, not {EXIT_INVALID}")
    if "Traceback" in stderr:
        problems.append("a traceback")
    where = f"{path}:{expected.line}:"
    lines = [line for line in stderr.splitlines() if line.startswith(where)]
    if not any(expected.fragment in line for line in lines):
        problems.append(f"no line starting {where} with {expected.fragment!r}")
    if not expected.whole_file and f"{path}:1:1:" in stderr:
        problems.append("1:1 for a problem that has a place")
    return [f"{path.name}: {p}\n{stderr[:2000]}" for p in problems]


def validate_in_process(path: Path) -> tuple[int, str]:
    """`wxc-reconcile validate PATH` through click's runner: the exit code and stderr."""
    result = CliRunner().invoke(cli, ["validate", str(path)], standalone_mode=False)
    assert result.exception is None, f"{path.name}: {result.exception!r}"
    return int(result.return_value), result.stderr


# --- the corpus ---------------------------------------------------------------------------------------


def test_the_corpus_is_large_small_and_says_what_each_file_expects() -> None:
    assert len(CORPUS) >= 40
    assert sum(path.stat().st_size for path in CORPUS) < 256 * 1024
    assert set(WHOLE_FILE) <= {path.name for path in CORPUS}
    whole = sorted(path.name for path in CORPUS if expectation(path).whole_file)
    # 1:1 only where the problem is the whole file: no bytes, comments only, or another encoding
    assert all(name.startswith(("empty", "encoding-utf16", "encoding-utf32")) for name in whole), whole


@pytest.mark.parametrize("path", CORPUS, ids=[path.name for path in CORPUS])
def test_validate_refuses_each_file_at_its_place(path: Path) -> None:
    code, stderr = validate_in_process(path)

    assert check_refusal(path, code, stderr, expectation(path)) == []


def plan_in_process(path: Path, server: ServerThread) -> tuple[int, str]:
    """`wxc-reconcile plan PATH` against the sandbox server, through click's runner."""
    env = {"WEBEX_ACCESS_TOKEN": TOKEN, "WEBEX_BASE_URL": server.base_url, "GITHUB_ACTIONS": None}
    result = CliRunner().invoke(cli, ["plan", str(path)], env=env, standalone_mode=False)
    assert result.exception is None, f"{path.name}: {result.exception!r}"
    return int(result.return_value), result.stderr


def test_plan_refuses_every_file_and_sends_nothing(server: ServerThread) -> None:
    failures = []
    for path in CORPUS:
        code, stderr = plan_in_process(path, server)
        failures += check_refusal(path, code, stderr, expectation(path))

    assert failures == []
    assert server.requests == []


# One file of each kind of breakage, through the installed console script as a user runs it. All of
# the corpus that way took 55 s on an idle two-core machine (the CLI needs half a second to start,
# most of it imports), and 74-88 s on a busy one: over the minute this module may take.
THROUGH_THE_INSTALLED_CLI = [
    "syntax-unclosed-flow-sequence.yaml",
    "syntax-raw-escape-sequence.yaml",
    "encoding-utf16-le-no-bom.yaml",
    "encoding-nul-byte.yaml",
    "empty.yaml",
    "tag-python-object-apply.yaml",
    "alias-recursive.yaml",
    "deep-nesting-flow.yaml",
    "key-list.yaml",
    "name-escape-sequence.yaml",
    "surrogate-escape-lone.yaml",
    "digits-leading-zero.yaml",
    "all-at-once.yaml",
]


def test_plan_with_the_installed_cli_refuses_each_kind_and_sends_nothing(server: ServerThread) -> None:
    def plan(path: Path) -> list[str]:
        result = wxc("plan", str(path), base_url=server.base_url)
        return check_refusal(path, result.returncode, result.stderr, expectation(path))

    with ThreadPoolExecutor(max_workers=2) as pool:  # CI has two cores
        found = pool.map(plan, [HOSTILE / name for name in THROUGH_THE_INSTALLED_CLI])
        failures = [failure for failures in found for failure in failures]

    assert failures == []
    assert server.requests == []


def test_apply_refuses_a_surrogate_escape_before_the_first_request(
    server: ServerThread, tmp_path: Path
) -> None:
    # It used to pass validation, and apply crashed on the second location, after the first one's PUT.
    path = tmp_path / "sites.yaml"
    path.write_text(
        "version: 1\nlocations:\n  - name: Denver\n    externalCallerIdName: Changed\n"
        '  - name: Paris\n    externalCallerIdName: "Paris \\ud800"\n',
        encoding="utf-8",
    )
    expected = Expected(6, 'externalCallerIdName holds "\\ud800", a UTF-16 surrogate without its pair')

    result = wxc("apply", str(path), base_url=server.base_url)

    assert check_refusal(path, result.returncode, result.stderr, expected) == []
    assert server.requests == []


# --- hostile files too big to commit, made at test time -----------------------------------------------


def too_large(directory: Path) -> tuple[Path, Expected]:
    path = directory / "too-large-50mb.yaml"
    with path.open("wb") as file:  # sparse: no 50 MB written to disk; all NUL bytes, were it read
        file.truncate(50 * 1000 * 1000)
    return path, Expected(1, "the file is 47.7 MiB (50,000,000 bytes); the limit", whole_file=True)


def huge_scalar(directory: Path) -> tuple[Path, Expected]:
    path = directory / "scalar-10mb.yaml"
    path.write_text('version: 1\nlocations:\n  - name: "' + "D" * 10_000_000 + '"\n', encoding="utf-8")
    return path, Expected(3, "location name must be at most 80 characters; this one has 10000000")


def billion_laughs(directory: Path) -> tuple[Path, Expected]:
    lines = ["version: 1", 'lol0: &lol0 ["lol"]']
    for level in range(1, 10):
        lines.append(f"lol{level}: &lol{level} [{', '.join([f'*lol{level - 1}'] * 10)}]")
    lines.append("locations: *lol9")
    path = directory / "billion-laughs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Lines 3 to 7 expand by 20 + 210 + 2,110 + 21,110 + 211,110 = 234,560 values; line 8's first
    # alias adds 211,111 more, past the limit, long before anything is constructed.
    assert 234_560 < MAX_ALIAS_EXPANSION < 234_560 + 211_111
    return path, Expected(8, f"aliases expand this file by more than {MAX_ALIAS_EXPANSION:,} values")


def one_name_many_times(directory: Path) -> tuple[Path, Expected]:
    path = directory / "same-name-5000-times.yaml"
    path.write_text("version: 1\nlocations:\n" + "  - name: Denver\n" * 5000, encoding="utf-8")
    return path, Expected(5000 + 2, "location 'Denver' is defined twice; first defined at")


GENERATED: list[Callable[[Path], tuple[Path, Expected]]] = [
    too_large,
    huge_scalar,
    billion_laughs,
    one_name_many_times,
]


@pytest.mark.parametrize("make", GENERATED, ids=[make.__name__ for make in GENERATED])
def test_big_hostile_files_are_refused_by_validate_and_plan(
    make: Callable[[Path], tuple[Path, Expected]], tmp_path: Path, server: ServerThread
) -> None:
    path, expected = make(tmp_path)

    code, stderr = validate_in_process(path)
    assert check_refusal(path, code, stderr, expected) == []
    assert "D" * 100 not in stderr  # the 10 MB value is never echoed, nor any long one

    result = wxc("plan", str(path), base_url=server.base_url)
    assert check_refusal(path, result.returncode, result.stderr, expected) == []
    assert server.requests == []


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = too_large(tmp_path)
    opened: list[Path] = []
    real_open = Path.open

    def spy(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy)

    with pytest.raises(InvalidInput) as caught:
        load_desired([path])

    assert [str(e) for e in caught.value.errors] == [
        f"{path}:1:1: the file is 47.7 MiB (50,000,000 bytes); "
        f"the limit for a desired-state file is {MAX_FILE_BYTES // 2**20} MiB"
    ]
    assert path not in opened


def test_a_file_just_at_the_limit_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    # read_text only: parsing 16 MiB of YAML takes the pure-Python parser several seconds.
    path = tmp_path / "at-limit.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES - 1) + b"\n")

    text = read_text(str(path))
    assert isinstance(text, str) and len(text) == MAX_FILE_BYTES

    with path.open("ab") as file:
        file.write(b"\n")
    refused = read_text(str(path))
    assert isinstance(refused, InputError)
    assert refused.message.startswith("the file is 16.0 MiB (16,777,217 bytes); the limit")


def test_a_billion_laughs_is_refused_in_little_memory(tmp_path: Path) -> None:
    path, expected = billion_laughs(tmp_path)
    warm = tmp_path / "warm.yaml"
    warm.write_text("version: 1\nlocations: []\n", encoding="utf-8")
    load_desired([warm])  # schema compiled and modules loaded before measuring

    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as caught:
            load_desired([path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    [error] = caught.value.errors
    assert (error.position.line, expected.fragment in error.message) == (expected.line, True)
    # Refused before expanding: the memory the refusal took, not its time (a timed assertion flakes on a
    # busy machine; the benchmark script holds the speed figures).
    assert peak < 5 * 2**20


def test_a_pipe_is_read_with_the_same_limit(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as writer:
            writer.write(b"version: 1\nlocations: []\n")

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(feed)
        state = load_desired([fifo])

    assert state.locations == ()
