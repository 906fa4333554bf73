from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler import manager
from reconciler.cli.common import EXIT_ERROR, EXIT_OK, connection_options, err, handles_user_errors, run
from reconciler.cli.output import output_file, write
from reconciler.connection import Connection


@click.command()
@handles_user_errors
@connection_options
@click.option("--location", "names", multiple=True, metavar="NAME", help="Only this location (repeatable).")
@output_file("--output", help="Write here instead of stdout")
def export(connection: Connection, concurrency: int, names: tuple[str, ...], output: Path | None) -> int:
    """Write the org's current state as a desired-state file (names, not IDs)."""
    text = run(manager.export(connection, concurrency, names))
    if output is None:
        sys.stdout.write(text)
    elif write(output, text, "the export", "it is on stdout instead"):
        err.print(f"Wrote {output}.", markup=False, soft_wrap=True)
    else:
        sys.stdout.write(text)
        return EXIT_ERROR
    return EXIT_OK
