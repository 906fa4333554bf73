from __future__ import annotations

from pathlib import Path

import click

from reconciler import manager
from reconciler.cli.common import EXIT_INVALID, EXIT_OK, explain, format_option, handles_user_errors, out
from reconciler.cli.orgs import OrgChoice, choose, heading, load_all, most_severe, org_options
from reconciler.desired.model import InvalidInput
from reconciler.render import github


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option("text", "github")
@org_options
@handles_user_errors
def validate(paths: tuple[Path, ...], fmt: str, orgs: OrgChoice) -> int:
    """Check desired-state files offline; report every error as file:line:col.

    PATHS are one org's files; without them, every org of the project file (or those --org names).
    --format github prints the errors as GitHub workflow annotations, so they show on the PR's lines.
    """
    try:
        runs = choose(paths, orgs)
        if not runs.many:
            desired = manager.validate(paths)
            out.print(
                f"Valid: {len(desired.locations)} locations in {len(desired.files)} file(s).", markup=False
            )
            return EXIT_OK
    except InvalidInput as exc:
        if fmt != "github":
            raise
        github.print_commands(github.annotations(exc.errors))
        return EXIT_INVALID
    codes = []
    for outcome in load_all(runs):
        out.print(heading(outcome.item), soft_wrap=True)
        if outcome.error is None and outcome.value is not None:
            desired = outcome.value.desired
            out.print(
                f"Valid: {len(desired.locations)} locations in {len(desired.files)} file(s).", markup=False
            )
            codes.append(EXIT_OK)
        elif isinstance(outcome.error, InvalidInput) and fmt == "github":
            github.print_commands(github.annotations(outcome.error.errors))
            codes.append(EXIT_INVALID)
        elif outcome.error is not None:
            codes.append(explain(outcome.error, prefix=f"{outcome.item.key}: "))
    return most_severe(codes)
