"""GitHub Actions output: workflow-command annotations for input errors, and the job summary file.

Annotations put each error on the offending line of the pull request's diff. Escaping follows GitHub's
workflow-command rules (the runner's own `escapeData` / `escapeProperty`), so a message with a newline
or a file name with a comma cannot end the command early or forge another one.
"""

# No `from __future__ import annotations` here: it would clash with the public `annotations` function.
import os
from collections.abc import Mapping, Sequence

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
        message = f"{position.file}: {error.message}" if position.file else error.message
    return f"::{level}{properties}::{escape_data(message)}"


def annotations(errors: Sequence[InputError]) -> str:
    """One annotation per line, in the order given."""
    return "\n".join(annotation(error) for error in errors)


def _is_real_file(name: str) -> bool:
    # `<command line>` and the like name no file; `''` is how the loader shows an empty path.
    return bool(name) and name != "''" and not (name.startswith("<") and name.endswith(">"))


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
