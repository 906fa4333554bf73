from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler import fleet, manager
from reconciler.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    Connector,
    connection_options,
    err,
    explain,
    handles_user_errors,
    run,
)
from reconciler.cli.orgs import OrgChoice, most_severe, org_options
from reconciler.cli.output import output_file, write
from reconciler.project import OrgEntry, find_project, load_project


@click.command()
@handles_user_errors
@connection_options
@org_options
@click.option("--location", "names", multiple=True, metavar="NAME", help="Only this location (repeatable).")
@output_file("--output", help="Write here instead of stdout")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With a project: write each org's state to DIR/KEY.yaml (needed for several orgs).",
)
def export(
    connector: Connector,
    concurrency: int,
    orgs: OrgChoice,
    names: tuple[str, ...],
    output: Path | None,
    output_dir: Path | None,
) -> int:
    """Write the org's current state as a desired-state file (names, not IDs).

    In a project (./wxc-reconcile.yaml or --project): the orgs --org names, each to --output-dir DIR.
    """
    if orgs.project is None and not orgs.patterns and find_project() is None:
        return _write(run(manager.export(connector.single(), concurrency, names)), output)
    project = load_project(str(orgs.project) if orgs.project else find_project() or "")
    entries = project.select(orgs.patterns)
    if len(entries) > 1 and output_dir is None:
        raise click.UsageError(
            "exporting several orgs needs --output-dir DIR: each is written to DIR/KEY.yaml"
        )
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)

    async def work(entry: OrgEntry) -> str:
        connection = connector.for_org(entry.key, entry.org_id, entry.credentials)
        return await manager.export(connection, concurrency, names)

    codes = []
    for outcome in run(fleet.run_each(entries, work, orgs.in_flight)):
        key = outcome.item.key
        if outcome.value is None:
            assert outcome.error is not None
            codes.append(explain(outcome.error, prefix=f"{key}: "))
        elif output_dir is None:
            codes.append(_write(outcome.value, output))
        elif write(output_dir / f"{key}.yaml", outcome.value, f"{key}'s export", "it is not written"):
            err.print(f"Wrote {output_dir / f'{key}.yaml'}.", markup=False, soft_wrap=True)
            codes.append(EXIT_OK)
        else:
            codes.append(EXIT_ERROR)
    return most_severe(codes)


def _write(text: str, output: Path | None) -> int:
    if output is None:
        sys.stdout.write(text)
    elif write(output, text, "the export", "it is on stdout instead"):
        err.print(f"Wrote {output}.", markup=False, soft_wrap=True)
    else:
        sys.stdout.write(text)
        return EXIT_ERROR
    return EXIT_OK
