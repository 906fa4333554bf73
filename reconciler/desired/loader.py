"""Reading desired-state files: paths as the user gave them to parsed YAML documents with positions.

ruamel.yaml's round-trip loader keeps the line and column of every key and item (`.lc`), which is what
lets every later error point at the place the user wrote. Every problem reading a file (missing,
unreadable, too large, not UTF-8, not YAML, empty, not a mapping, several documents, duplicate keys)
becomes an `InputError`; nothing here raises for bad input.

A file is untrusted input: its size and encoding are checked before it is parsed (source.py), and the
parser builds nothing from tags, alias bombs or endless nesting (guard.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import ComposerError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from reconciler.desired import display, fastload
from reconciler.desired.display import printable
from reconciler.desired.guard import GuardedComposer, GuardedConstructor, Refused
from reconciler.desired.model import InputError, Position
from reconciler.desired.places import Places, from_round_trip
from reconciler.desired.source import position_of_char, read_text

YAML_SUFFIXES = (".yaml", ".yml")

# A key or an index on the way from a document's root to one of its nodes.
PathStep = str | int
JsonPath = tuple[PathStep, ...]


@dataclass(frozen=True)
class Document:
    """One parsed desired-state file.

    `plain` is the data as plain Python (dict, list, str, int, float, bool, None), always a mapping here,
    used for validation and the model; `places` says where each of its parts was written; `lines` is
    the raw text, used for hints that quote what the user wrote.
    """

    path: str
    plain: dict[Any, Any]
    places: Places
    lines: tuple[str, ...]


def load_documents(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Document], list[InputError]]:
    """Parse every file the paths name (directories expanded); return the documents and every error."""
    files, errors = expand_paths(paths)
    documents: list[Document] = []
    for file in files:
        document, file_errors = load_file(file)
        errors.extend(file_errors)
        if document is not None:
            documents.append(document)
    return documents, errors


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[InputError]]:
    """The files to read, as the user spelled them; a directory means every YAML file below it.

    Files below a directory are sorted; hidden files and directories (`.git`, `.github`) are skipped.
    A file named twice (directly, or through a directory) is read once, under its first spelling.
    """
    files: list[str] = []
    errors: list[InputError] = []
    seen: set[str] = set()
    for given in paths:
        text = os.fspath(given)
        if text == "":
            errors.append(InputError(Position("''"), "empty path"))
            continue
        if os.path.isdir(text):
            found, walk_errors = _yaml_files_below(text)
            errors.extend(walk_errors)
            if not found and not walk_errors:
                errors.append(InputError(Position(text), "no YAML files (*.yaml, *.yml) in this directory"))
        elif os.path.exists(text):
            found = [text]
        else:
            errors.append(InputError(Position(text), "no such file or directory"))
            continue
        for file in found:
            identity = os.path.realpath(file)
            if identity not in seen:
                seen.add(identity)
                files.append(file)
    return files, errors


def _yaml_files_below(top: str) -> tuple[list[str], list[InputError]]:
    """Every YAML file below `top`, through symbolic links to directories too.

    A link back to a directory it is inside of would be endless: it is an error naming both. A
    directory reached a second time (two links to it) is not walked again.
    """
    errors: list[InputError] = []

    def on_error(error: OSError) -> None:
        errors.append(InputError(Position(error.filename or top), f"cannot read directory: {error.strerror}"))

    found: list[tuple[tuple[str, ...], str]] = []
    # The real directories from `top` down to each directory walked, for the loop check.
    ancestors: dict[str, tuple[str, ...]] = {top: (os.path.realpath(top),)}
    walked = set(ancestors[top])
    for directory, subdirectories, names in os.walk(top, onerror=on_error, followlinks=True):
        kept = []
        for name in sorted(d for d in subdirectories if not d.startswith(".")):
            path = os.path.join(directory, name)
            real = os.path.realpath(path)
            if real in ancestors[directory]:
                message = f"a symbolic link to {printable(real, 200)}, a directory it is in: an endless loop"
                errors.append(InputError(Position(path), message))
            elif real not in walked:
                walked.add(real)
                ancestors[path] = (*ancestors[directory], real)
                kept.append(name)
        subdirectories[:] = kept
        relative = Path(os.path.relpath(directory, top)).parts
        relative = () if relative == (".",) else relative
        for name in names:
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                parts = (*relative, name)
                found.append((parts, os.path.join(top, *parts)))
    return [path for _, path in sorted(found)], errors


def load_file(path: str) -> tuple[Document | None, list[InputError]]:
    """Read and parse one file; the document is None when the file can't be used at all."""
    text = read_text(path)
    if isinstance(text, InputError):
        return None, [text]
    data, places, errors = _parse(path, text)
    if data is None:
        if errors:  # not YAML, or refused: nothing was constructed
            return None, errors
        message = "the file is empty; expected a mapping with 'version' and 'locations'"
        return None, [InputError(_first_content(path, text), message)]
    if not isinstance(data, dict):
        message = f"the file must hold a mapping with 'version' and 'locations', not {_kind(data)}"
        return None, [*errors, InputError(_root_position(path, data, places, text), message)]
    return Document(path=path, plain=data, places=places, lines=tuple(text.splitlines())), errors


def _new_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Composer = GuardedComposer
    yaml.Constructor = GuardedConstructor
    # Every duplicate key is reported from the composed nodes; construction keeps the first value of
    # each, so that the rest of the file is still checked.
    yaml.allow_duplicate_keys = True
    return yaml


def _parse(path: str, text: str) -> tuple[Any, Places, list[InputError]]:
    """The document as plain data (None when empty), its places and the errors; nothing is built from
    refused input."""
    try:
        plain, places = fastload.parse(text)
        return plain, places, []
    except fastload.Fallback:
        pass  # the guarded round-trip loader reads it, and says what is wrong
    places = Places()
    data, errors = _parse_round_trip(path, text)
    return from_round_trip(data, places), places, errors


def _parse_round_trip(path: str, text: str) -> tuple[Any, list[InputError]]:
    yaml = _new_yaml()
    try:
        data = yaml.load(text)
    except Refused as error:
        return None, [InputError(Position(path, p.line + 1, p.column + 1), p.message) for p in error.problems]
    except ReaderError as error:
        return None, [_unreadable_character(path, text, error)]
    except MarkedYAMLError as error:
        return None, [_syntax_error(path, error)]
    except YAMLError as error:
        return None, [InputError(Position(path), f"invalid YAML: {printable(str(error), 300)}")]
    except RecursionError:  # the composer's depth limit comes first; this is the last line of defence
        return None, [InputError(Position(path), "invalid YAML: nested too deeply")]
    except (ValueError, TypeError, ArithmeticError, LookupError) as error:
        # ruamel raises these without a position for values it can't make; the composer refuses the
        # known ones (such as `!!int abc`) at their place first
        return None, [InputError(Position(path), f"invalid YAML: {printable(str(error), 200)}")]
    return data, _duplicate_keys(path, yaml.composer.root)


def _unreadable_character(path: str, text: str, error: ReaderError) -> InputError:
    """A character YAML does not allow anywhere in a file (a control character, most often)."""
    position = position_of_char(path, text, int(error.position))
    character = error.character
    if not isinstance(character, int):
        return InputError(position, f"the file contains a character YAML does not allow: {error.reason}")
    message = (
        f"the file contains the control character U+{character:04X}, which YAML does not allow; "
        f'to mean it, write "\\u{character:04x}" inside double quotes'
    )
    return InputError(position, message)


def _syntax_error(path: str, error: MarkedYAMLError) -> InputError:
    mark = error.problem_mark or error.context_mark
    position = Position(path, mark.line + 1, mark.column + 1) if mark is not None else Position(path)
    # ruamel quotes the input in its messages (an alias name, a tag): escaped and cut like any text
    problem = printable((error.problem or str(error)).strip(), 300)
    if isinstance(error, ComposerError) and "another document" in problem:
        return InputError(position, "only one YAML document per file is supported; a second one starts here")
    message = f"invalid YAML: {problem}"
    context_mark = error.context_mark
    if error.context and context_mark is not None:
        where = f"{context_mark.line + 1}:{context_mark.column + 1}"
        message += f" ({printable(error.context.strip(), 100)} at {where})"
    return InputError(position, message)


def _duplicate_keys(path: str, root: Node | None) -> list[InputError]:
    errors: list[InputError] = []
    stack: list[Node] = [root] if root is not None else []
    visited: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[tuple[str, str], Node] = {}  # (tag, text): `1` and `"1"` are different keys
            for key, value in node.value:
                stack.append(value)
                if not isinstance(key, ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                identity = (str(key.tag), key.value)
                if identity in first:
                    original = first[identity].start_mark
                    mark = key.start_mark
                    message = (
                        f"duplicate key '{printable(str(key.value))}' "
                        f"(first written at line {original.line + 1}, column {original.column + 1})"
                    )
                    errors.append(InputError(Position(path, mark.line + 1, mark.column + 1), message))
                else:
                    first[identity] = key
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return errors


def _first_content(path: str, text: str) -> Position:
    """The first line that is not blank, a comment or a directive (1:1 when there is none)."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if stripped and not stripped.startswith(("#", "%", "---")):
            return Position(path, number, len(line) - len(stripped) + 1)
    return Position(path)


def _root_position(path: str, data: Any, places: Places, text: str) -> Position:
    start = places.start(data)
    if start is not None:
        return Position(path, start[0] + 1, start[1] + 1)
    return _first_content(path, text)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a single value"


def position_at(document: Document, path: Sequence[PathStep], *, key: bool = False) -> Position:
    """Where the node at `path` (keys and list indexes from the root) was written.

    The value's position, or with `key=True` the position of the last key itself. When the path leads
    nowhere (a missing key, a wrong type on the way), the closest parent that exists.
    """
    return position_in(document, document.plain, path, key=key)


def position_in(document: Document, node: Any, path: Sequence[PathStep], *, key: bool = False) -> Position:
    """As `position_at`, with `path` taken from `node`, a mapping or list inside `document.plain`."""
    places = document.places
    line = col = -1  # 0-based, as the parsers count
    last = len(path) - 1
    start = node
    for depth, step in enumerate(path):
        if isinstance(node, dict):
            place = places.key(node, step)
            if place is None:
                break
            child = node[step]
            if (depth == last and key) or (child is None and place[2] != place[0]):
                # The key itself; also for an empty value (`field:` and nothing after it), which
                # ruamel places on the next token, possibly lines away.
                line, col = place[0], place[1]
            else:
                line, col = place[2], place[3]
        elif isinstance(node, list) and type(step) is int:
            item = places.item(node, step)
            if item is None:
                break
            line, col = item
            child = node[step]
        else:
            break
        node = child
    if line < 0:
        line, col = places.start(start) or (0, 0)
    return Position(document.path, line + 1, col + 1)


_PLAIN_TOKEN = re.compile(r"[^\s,\[\]{}]+")


def source_text(document: Document, position: Position) -> str | None:
    """The scalar written at `position`, exactly as in the file (for hints such as `write it quoted`)."""
    if position.file != document.path or not 0 < position.line <= len(document.lines):
        return None
    match = _PLAIN_TOKEN.match(document.lines[position.line - 1], position.col - 1)
    return match.group(0) if match else None


def quoted(text: str) -> str:
    """`text` as a double-quoted YAML scalar, safe to print and cut short when long."""
    return display.quoted(text)
