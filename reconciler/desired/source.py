"""A desired-state file's bytes to text: refused when too large (before reading it) or not UTF-8 text.

YAML files may be UTF-16 or UTF-32 by the YAML spec, but editors, diffs, code review and GitHub's
annotations all work on UTF-8, so a desired-state file must be UTF-8 (a UTF-8 byte order mark is
accepted). Each refusal says what the file seems to be instead and how to fix it.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import BinaryIO

from reconciler.desired.model import InputError, Position

# Far above any real desired state (an org's every location is a few hundred kilobytes), far below what
# makes the pure-Python YAML parser take minutes or the process gigabytes.
MAX_FILE_BYTES = 16 * 1024 * 1024

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "UTF-32 (big-endian)"),
    (codecs.BOM_UTF16_LE, "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "UTF-16 (big-endian)"),
)
SAVE_AS_UTF8 = "save it as UTF-8"
_CHUNK = 1024 * 1024


def read_text(path: str) -> str | InputError:
    """The file's text, or why it cannot be had; the size is checked before anything is read."""
    whole_file = Position(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            return InputError(whole_file, too_large(size))
        with Path(path).open("rb") as stream:
            raw = _read_at_most(stream, MAX_FILE_BYTES + 1)
    except OSError as error:
        return InputError(whole_file, f"cannot read file: {error.strerror or error}")
    if len(raw) > MAX_FILE_BYTES:
        return InputError(whole_file, too_large(None))
    return decode(path, raw)


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to `limit` bytes, in chunks: bounded even for a pipe or a device (which report no size) and a
    file that grows after stat, without reserving `limit` bytes up front as `read(limit)` does."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = stream.read(min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def too_large(size: int | None) -> str:
    limit = f"the limit for a desired-state file is {MAX_FILE_BYTES // (1024 * 1024)} MiB"
    if size is None:
        return f"the file is larger than {MAX_FILE_BYTES:,} bytes; {limit}"
    return f"the file is {size / (1024 * 1024):.1f} MiB ({size:,} bytes); {limit}"


def decode(path: str, raw: bytes) -> str | InputError:
    """UTF-8 text (a UTF-8 byte order mark dropped), or an error saying what the bytes are."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            return InputError(Position(path), f"the file is {encoding} text; {SAVE_AS_UTF8}")
    wide = _wide_encoding(raw)
    if wide is not None:
        message = f"the file looks like {wide} text without a byte order mark; {SAVE_AS_UTF8}"
        return InputError(Position(path), message)
    nul = raw.find(b"\x00")
    if nul >= 0:
        message = "the file contains a NUL byte (0x00): a desired-state file is text"
        return InputError(_position_of_byte(path, raw, nul), message)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        guess = "; Latin-1 or Windows-1252?" if byte >= 0x80 else ""
        message = f"the file is not valid UTF-8 (byte 0x{byte:02x}{guess}); {SAVE_AS_UTF8}"
        return InputError(_position_of_byte(path, raw, error.start), message)


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte order mark, told by where the NULs fall (YAML spec 5.2)."""
    head = raw[:4]
    if len(head) == 4 and head[:3] == b"\x00\x00\x00" and head[3]:
        return "UTF-32 (big-endian)"
    if len(head) == 4 and head[0] and head[1:] == b"\x00\x00\x00":
        return "UTF-32 (little-endian)"
    if len(head) >= 2 and head[0] == 0 and head[1]:
        return "UTF-16 (big-endian)"
    if len(head) >= 2 and head[0] and head[1] == 0:
        return "UTF-16 (little-endian)"
    return None


def _position_of_byte(path: str, raw: bytes, offset: int) -> Position:
    """Line and column (in characters, as an editor counts them) of the byte at `offset`."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Position(path, line, column)


def position_of_char(path: str, text: str, index: int) -> Position:
    """Line and column of the character at `index` of `text`."""
    line_start = text.rfind("\n", 0, index) + 1
    return Position(path, text.count("\n", 0, index) + 1, index - line_start + 1)
