from __future__ import annotations

from pathlib import Path

import click

from reconciler import manager
from reconciler.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    format_option,
    handles_user_errors,
    out,
    paths_argument,
)
from reconciler.desired.model import InvalidInput
from reconciler.render import github


@click.command()
@paths_argument
@format_option("text", "github")
@handles_user_errors
def validate(paths: tuple[Path, ...], fmt: str) -> int:
    """Check desired-state files offline; report every error as file:line:col.

    --format github prints the errors as GitHub workflow annotations, so they show on the PR's lines.
    """
    try:
        desired = manager.validate(paths)
    except InvalidInput as exc:
        if fmt != "github":
            raise
        github.print_commands(github.annotations(exc.errors))
        return EXIT_INVALID
    out.print(f"Valid: {len(desired.locations)} locations in {len(desired.files)} file(s).", markup=False)
    return EXIT_OK
