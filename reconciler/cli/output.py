"""Files the user names for output: `plan --out`, `apply --json-report`, `export --output`.

Each is checked while the command line is read, before any request, so a missing directory or a
read-only place is a usage error (exit 3) and not a traceback after the PUTs were sent. It is written
last, after the report was printed, so that a write failing anyway (a full disk, a directory removed
meanwhile) loses nothing: the command says so and exits 1, the report still on stdout.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from reconciler.cli.common import err


def cannot_write(path: Path) -> str | None:
    """Why `path` cannot be written, or None when it can; found without changing the file."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # a new file, or a directory on the way is a file
        return _cannot_create_in(path.parent)
    except OSError as exc:  # a directory on the way we may not enter...
        return _reason(exc)
    if stat.S_ISDIR(mode):
        return "it is a directory"
    if not stat.S_ISREG(mode):  # a device or a pipe: opening it could block, or consume a reader
        return None if os.access(path, os.W_OK) else "permission denied"
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND))  # neither truncates nor touches it
    except OSError as exc:
        return _reason(exc)
    return None


def _cannot_create_in(directory: Path) -> str | None:
    if not directory.exists():
        return f"the directory {directory} does not exist"
    if not directory.is_dir():
        return f"{directory} is not a directory"
    try:  # the only sure test on every file system: create a file there, and remove it
        handle, probe = tempfile.mkstemp(dir=directory, prefix=".wxc-reconcile-", suffix=".probe")
    except OSError as exc:
        return f"cannot create a file in {directory}: {_reason(exc)}"
    os.close(handle)
    os.unlink(probe)
    return None


def _reason(exc: OSError) -> str:
    """`Permission denied` as a message's second half: `permission denied`."""
    reason = str(exc.strerror or exc)
    return reason[:1].lower() + reason[1:]


def output_file(*names: str, help: str) -> Callable[[Any], Any]:
    """A `--name FILE` option the command writes at its end, refused at once when it cannot be written."""
    return click.option(
        *names,
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_check_writable,
        help=f"{help}; checked before any request.",
    )


def _check_writable(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    problem = None if value is None else cannot_write(value)
    if problem:
        raise click.BadParameter(f"cannot write {value}: {problem}", ctx, param)
    return value


def write(path: Path, text: str, what: str, where_instead: str) -> bool:
    """Write `text` to `path`; when that fails, say so on stderr (with where the content is instead)."""
    try:
        path.write_text(text, encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        reason = str(getattr(exc, "strerror", None) or exc)
        err.print(
            f"error: could not write {what} to {path}: {reason}; {where_instead}",
            markup=False,
            soft_wrap=True,
        )
        return False
    return True
