"""GitHub Actions output: workflow-command annotations for input errors, the job summary file, and a
guard on everything else printed.

Annotations put each error on the offending line of the pull request's diff. Escaping follows GitHub's
workflow-command rules (the runner's own `escapeData` / `escapeProperty`), so a message with a newline
or a file name with a comma cannot end the command early or forge another one.

Every other line the tool prints can carry text from outside too (a file name, a location name from
the org, a value from a pull request), and the runner takes a line for a command when, leading
whitespace trimmed, it starts with `::`, or when it holds `##[` anywhere (the older syntax, still
read). `CommandGuard` stands in front of stdout and stderr under GitHub Actions so that no such line
gets through; the tool's own commands go past it (`print_commands`).
"""

# No `from __future__ import annotations` here: it would clash with the public `annotations` function.
import enum
import io
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from reconciler.desired.display import SURROGATE, escaped
from reconciler.desired.model import InputError

LEVELS = ("error", "warning", "notice")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(error: InputError, level: str = "error") -> str:
    """`::error file=F,line=L,col=C::message`; without properties when the position is no real file."""
    if level not in LEVELS:
        raise ValueError(f"annotation level must be one of {', '.join(LEVELS)}, not {level!r}")
    position = error.position
    if _is_real_file(position.file):
        properties = f" file={escape_property(position.file)},line={position.line},col={position.col}"
        message = error.message
    else:
        # GitHub would attach the annotation to a file that does not exist; keep the name in the text.
        properties = ""
        message = f"{escaped(position.file)}: {error.message}" if position.file else error.message
    return f"::{level}{properties}::{escape_data(message)}"


def annotations(errors: Sequence[InputError]) -> str:
    """One annotation per line, in the order given."""
    return "\n".join(annotation(error) for error in errors)


def _is_real_file(name: str) -> bool:
    # `<command line>` and the like name no file; `''` is how the loader shows an empty path; a name
    # with an undecodable byte (a surrogate) is no path of the repository, and cannot be printed as is.
    if not name or name == "''" or (name.startswith("<") and name.endswith(">")):
        return False
    return SURROGATE.search(name) is None


def append_step_summary(markdown: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Append `markdown` to the job summary when GITHUB_STEP_SUMMARY names a file; True if written.

    A summary is a nicety: an unwritable path returns False (the caller may warn) instead of failing
    a run whose real work succeeded.
    """
    path = environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    try:
        with open(path, "a", encoding="utf-8") as summary:
            # A blank line after it, so the next appended text cannot continue this one's last
            # table or paragraph (a line right after a table would become one of its rows).
            summary.write(markdown.rstrip("\n") + "\n\n")
    except OSError:
        return False
    return True


# --- everything else printed ---------------------------------------------------------------------------

# Where a line ends for the runner (\n, \r, \r\n) and for Python's str.splitlines, which ends lines at
# more characters: a line cut too often is checked more often, never less.
_LINE_END = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_V1_PREFIX = "##["
_V1_ESCAPED = "##%5B"
_COLON_ESCAPED = "%3A"  # GitHub's own escape of `:`, in command properties


class _Head(enum.Enum):
    """How the current line starts, as far as the runner's `::` test goes."""

    BLANK = "only whitespace so far"
    COLON = "whitespace, then a single ':' so far"
    DECIDED = "past the test"


class CommandGuard(io.TextIOBase):
    """A text stream in front of another that passes everything on, except that no line can become a
    workflow command: the second `:` of a line's leading `::` is written `%3A`, the `[` of `##[` is
    written `%5B`. Text is written on at once, never held back, so the order of output is kept; a line
    written in pieces is checked as the one line the runner will read.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._head = _Head.BLANK
        self._tail = ""  # the last two characters written on the current line
        self._line_open = False  # something was written on the current line

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._stream.errors

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def flush(self) -> None:
        self._stream.flush()

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # as a text stream does (click tells text from binary by this)
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._stream.write(self._neutralised(text))
        return len(text)

    def commands(self, text: str) -> None:
        """Write the tool's own workflow commands as they are, each on a line of its own."""
        if self._line_open:
            self._stream.write("\n")
        self._stream.write(text if text.endswith("\n") else text + "\n")
        self._new_line()

    def _neutralised(self, text: str) -> str:
        pieces = []
        start = 0
        for end in _LINE_END.finditer(text):
            pieces += [self._on_line(text[start : end.start()]), end.group()]
            self._new_line()
            start = end.end()
        pieces.append(self._on_line(text[start:]))
        return "".join(pieces)

    def _new_line(self) -> None:
        self._head, self._tail, self._line_open = _Head.BLANK, "", False

    def _on_line(self, piece: str) -> str:
        """`piece` (no line end in it), continuing the current line, made safe."""
        if not piece:
            return piece
        self._line_open = True
        if self._head is _Head.BLANK:
            rest = piece.lstrip()  # Python's whitespace includes all the runner trims
            if rest:
                at = len(piece) - len(rest)
                if rest.startswith("::"):
                    piece = piece[: at + 1] + _COLON_ESCAPED + piece[at + 2 :]
                self._head = _Head.COLON if rest == ":" else _Head.DECIDED
        elif self._head is _Head.COLON:
            if piece.startswith(":"):
                piece = _COLON_ESCAPED + piece[1:]
            self._head = _Head.DECIDED
        joined = self._tail + piece
        if _V1_PREFIX in joined:  # the `[` is always in `piece`: the tail is two characters
            piece = joined.replace(_V1_PREFIX, _V1_ESCAPED)[len(self._tail) :]
        self._tail = (self._tail + piece)[-2:]
        return piece


def guard_output(environ: Mapping[str, str] = os.environ) -> None:
    """Under GitHub Actions, put a CommandGuard in front of stdout and stderr, for the whole process.

    Wherever they go: a file the tool writes through stdout (`> plan.md`) may be printed to the log
    later (`cat plan.md`), so it is guarded too.
    """
    if environ.get("GITHUB_ACTIONS") != "true":
        return
    sys.stdout = _guarded(sys.stdout)
    sys.stderr = _guarded(sys.stderr)


def _guarded(stream: TextIO) -> TextIO:
    if stream is None or isinstance(stream, CommandGuard):  # no console (pythonw), or guarded already
        return stream
    return CommandGuard(stream)  # type: ignore[return-value]


def print_commands(text: str) -> None:
    """Print the tool's own workflow commands (annotations) on stdout, past the guard if there is one."""
    if isinstance(sys.stdout, CommandGuard):
        sys.stdout.commands(text)
    else:
        print(text)
