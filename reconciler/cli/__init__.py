"""The command line: argument handling and exit codes only; the work is in `reconciler.manager`.

One module per command, like octoDNS's cmds/; `main` maps every outcome to DESIGN.md's exit codes.
"""

from __future__ import annotations

import gc
import io
import sys

import click

from reconciler import __version__
from reconciler.cli import apply, comment, export, matrix, plan, sandbox, validate
from reconciler.cli.common import EXIT_ERROR, EXIT_INVALID, EXIT_OK, err
from reconciler.render import github


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wxc-reconcile")
def cli() -> None:
    """Declarative GitOps reconciler for Webex Calling locations."""


for command in (
    validate.validate,
    plan.plan,
    apply.apply,
    export.export,
    sandbox.sandbox,
    matrix.matrix,
    comment.comment,
):
    cli.add_command(command)


def _printing_cannot_fail() -> None:
    """Print what UTF-8 cannot carry (a surrogate from an undecodable file name, or from a JSON escape
    in an answer) as its escape, `\\udcff`, instead of ending the run with a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main() -> None:
    """Console-script entry point."""
    # What the imports made lives as long as the process: moved out of the cyclic collector's sight, it
    # is not scanned again at every full collection of a large plan (a fifth of its CPU at 5,000
    # locations). Here, not in the library: freezing is a decision for a whole process.
    gc.freeze()
    _printing_cannot_fail()
    github.guard_output()
    try:
        code = cli.main(prog_name="wxc-reconcile", standalone_mode=False)
    except click.UsageError as exc:  # click would exit 2, which here means "changes present"
        exc.show()
        code = EXIT_INVALID
    except click.ClickException as exc:
        exc.show()
        code = EXIT_INVALID
    except click.Abort:
        err.print("Aborted.")
        code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else EXIT_OK)
