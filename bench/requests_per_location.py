"""Requests per managed location of a no-drift plan of local-gateway sites: what bounds a plan under a
real org's rate limit (admins report 100 to 300 requests a minute), where concurrency does not help.

    python bench/requests_per_location.py [--locations 200] [--before PATH] [--cli PATH] [--markdown]

Generates an org whose every site is a local gateway (`SandboxOrg.generate`, the cloud-provider sites
moved onto their neighbour's trunk), starts the sandbox on 127.0.0.1 and plans it as it is, with three
desired states, each against both shapes of the PSTN answer (with `routeType`/`routeId`, as since 2025,
and without, as before):
- details and PSTN: the PSTN connection and the details the other benchmarks manage (plan_bench.py);
- listed fields and PSTN: the PSTN connection and only the detail fields the calling-locations list
  carries (`routingPrefix`, `outsideDialDigit`, `enforceOutsideDialDigit`, `callingLineId`);
- listed fields: those detail fields alone.
It counts the requests the server saw (lists included) and prints them per managed location. `--before`
plans with another installed `wxc-reconcile` too (an earlier version, for its figures before) against the
same simulator, `--cli` with another one instead of the one next to this Python. Every plan must exit 0
with no step, else the benchmark fails (exit 1): it counts the requests of a no-drift plan only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH.parent) not in sys.path:  # run as `python bench/requests_per_location.py`
    sys.path.insert(0, str(BENCH.parent))

from bench.plan_bench import Table, positive_int, show  # noqa: E402
from bench.scenario import (  # noqa: E402
    LIST_PATHS,
    BenchServer,
    RequestCounts,
    Scenario,
    build_scenario,
    cli_env,
    cli_path,
)
from reconciler.sandbox import SandboxOrg, SandboxSettings  # noqa: E402

# The detail fields each item of GET /telephony/config/locations carries (the contract's list answer).
LISTED_FIELDS = ("routingPrefix", "outsideDialDigit", "enforceOutsideDialDigit", "callingLineId")
PROFILES = ("details and PSTN", "listed fields and PSTN", "listed fields")
SHAPES = {"since 2025 (with the route)": True, "before 2025 (without)": False}


class BenchError(Exception):
    """A plan that failed or did not plan to nothing: its request count is not the one measured here."""


def local_gateway_org(n: int) -> SandboxOrg:
    """The generated org with every site on a local gateway: each cloud-provider site on the route of the
    local-gateway site before it (the generated org alternates them, starting with a local gateway)."""
    org = SandboxOrg.generate(n)
    route = None
    for location in org.locations.values():
        if location.pstn is not None and location.pstn.route_type is not None:
            route = location.pstn
        elif route is not None:
            location.pstn = dataclasses.replace(route)
    return org


def profile(scenario: Scenario, name: str) -> Scenario:
    """The no-drift desired state of `scenario` cut down to what the profile `name` manages."""
    entries = []
    for entry in scenario.entries:
        details = entry.details
        if name != "details and PSTN":
            details = {key: value for key, value in details.items() if key in LISTED_FIELDS}
        pstn = None if name == "listed fields" else entry.pstn
        entries.append(dataclasses.replace(entry, details=details, pstn=pstn))
    return dataclasses.replace(scenario, entries=tuple(entries))


def plan_counts(server: BenchServer, cli: str, desired: Path) -> RequestCounts:
    """Plan `desired` with `cli`; the requests the server saw, by kind."""
    mark = server.mark()
    result = subprocess.run(
        [cli, "plan", str(desired), "--format", "json"],
        env=cli_env(server.base_url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"plan of {desired.name} exited {result.returncode}: {result.stderr.strip()}")
    steps = json.loads(result.stdout).get("steps")
    if steps != []:
        raise BenchError(f"plan of {desired.name} has steps, the org drifted: {result.stdout[:500]}")
    return RequestCounts.of(server.requests_since(mark))


def bench(args: argparse.Namespace, workdir: Path) -> int:
    n = args.locations
    org = local_gateway_org(n)
    scenario = build_scenario(org)
    clis = {**({"before": args.before} if args.before else {}), "this version": args.cli or cli_path()}
    table = Table(
        f"Requests of a no-drift plan of {n} local-gateway sites: all (list pages), per location",
        ("desired state", "PSTN answer", *clis),
    )
    with BenchServer(org, SandboxSettings()) as server:
        for name in PROFILES:
            desired = profile(scenario, name).write(workdir, f"{name.replace(' ', '-')}.yaml")
            for shape, with_route in SHAPES.items():
                server.settings.pstn_connection_route = with_route
                cells = []
                for cli in clis.values():
                    try:
                        counts = plan_counts(server, cli, desired)
                    except BenchError as exc:
                        print(f"error: {exc}", file=sys.stderr)
                        return 1
                    lists = sum(counts.sent[kind] for kind in LIST_PATHS.values())
                    cells.append(f"{counts.total} ({lists}), {counts.total / n:.2f}")
                table.add(name, shape, *cells)
    show([table], args.markdown)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--locations", type=positive_int, default=200, help="sites in the org (default 200)")
    p.add_argument("--cli", help="the wxc-reconcile to plan with (default: the one next to this Python)")
    p.add_argument(
        "--before", help="another wxc-reconcile (an earlier version) to plan with first, for comparison"
    )
    p.add_argument("--markdown", action="store_true", help="print the table as markdown")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wxc-requests-") as workdir:
        return bench(args, Path(workdir))


if __name__ == "__main__":
    raise SystemExit(main())
