from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler import manager
from reconciler.cli.common import EXIT_OK, connection_options, err, handles_user_errors, run
from reconciler.connection import Connection


@click.command()
@handles_user_errors
@connection_options
@click.option("--location", "names", multiple=True, metavar="NAME", help="Only this location (repeatable).")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout."
)
def export(connection: Connection, concurrency: int, names: tuple[str, ...], output: Path | None) -> int:
    """Write the org's current state as a desired-state file (names, not IDs)."""
    text = run(manager.export(connection, concurrency, names))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {output}.", markup=False, soft_wrap=True)
    return EXIT_OK
