"""Text from the file as messages show it: one line, control characters escaped, long text cut short.

Messages go to a terminal and into GitHub annotations: a value from an untrusted file must not be able
to move the cursor, recolour the screen, start a new annotation line, or print ten megabytes.
"""

from __future__ import annotations

import json
import re

# Longest text shown whole in a message; longer text is cut and its length said.
SHOWN_LENGTH = 60
# UTF-16 surrogates: a YAML or JSON "\ud800" escape makes one, but it is no character, and no UTF-8
# text (an HTTP body, a terminal, a log) can carry it.
SURROGATES = "\ud800-\udfff"
SURROGATE = re.compile(f"[{SURROGATES}]")
# Characters that must not reach a terminal as they are: the C0 controls, DEL and the C1 controls
# (Unicode's category Cc; 0x9b starts a terminal escape sequence as 0x1b does), the line and paragraph
# separators, the bidirectional marks and overrides that make text display in another order, and
# surrogates, which cannot be printed at all.
UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069{SURROGATES}]")


def is_unsafe(char: str) -> bool:
    """A character that must not reach a terminal as it is."""
    return UNSAFE.match(char) is not None


def quoted(text: str, limit: int = SHOWN_LENGTH) -> str:
    """`text` as a double-quoted YAML scalar (also valid JSON), cut after `limit` characters."""
    cut = len(text) > limit
    result = json.dumps(text[:limit] if cut else text, ensure_ascii=False)
    result = "".join(f"\\u{ord(c):04x}" if is_unsafe(c) else c for c in result)
    return f"{result}… ({len(text):,} characters)" if cut else result


def printable(text: str, limit: int = SHOWN_LENGTH) -> str:
    """`text` for a message without quotes: unsafe characters escaped, cut after `limit` characters."""
    cut = len(text) > limit
    result = escaped(text[:limit] if cut else text)
    return f"{result}… ({len(text):,} characters)" if cut else result


def escaped(text: str) -> str:
    """`text` whole, its unsafe characters written as Python escapes (`\\n`, `\\x1b`, `\\udcff`)."""
    if UNSAFE.search(text) is None:
        return text
    return "".join(c.encode("unicode_escape").decode("ascii") if is_unsafe(c) else c for c in text)
