"""`plan_bench.py --every-endpoint`: a plan that manages every endpoint the registry has, measured.

The desired state is the org's own export (every field every resource reports, so the plan has no change
to make), written unmeasured at no latency; then `plan` runs as its own process at the chosen latency. The
server's log says what the plan read: it must be exactly one GET per managed endpoint per location, plus
each org-wide list once; and the wall time is judged against the bound that counts those GETs.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.plan_bench import (
    LATENCY_SLACK,
    BenchError,
    Table,
    checked,
    json_of,
    load_average,
    machine_rows,
    progress,
    run_measured,
    seconds,
    show,
    verdict,
)
from bench.scenario import BenchServer, cli_env, cli_path
from reconciler.sandbox import RecordedRequest, SandboxOrg, SandboxSettings

PSTN_CONNECTION = "pstn /connection"
# A location's endpoint: /telephony/config/locations/{id}[/...] or /telephony/pstn/locations/{id}/connection
_LOCATION_PATH = re.compile(r"/v1/telephony/(config|pstn)/locations/([^/]+)(/[^?]*)?")


def endpoint_of(request: RecordedRequest) -> tuple[str, str | None]:
    """(what it read, the location ID or None): `details`, `pstn /connection`, `config /voicemail`, or
    the path of an org-wide list."""
    match = _LOCATION_PATH.fullmatch(request.path)
    if match is None:
        return request.path, None
    service, location, rest = match.groups()
    if service == "config" and not rest:
        return "details", location
    return f"{service} {rest}", location


def every_endpoint_bench(args: argparse.Namespace) -> int:
    n, concurrency = args.locations, args.concurrency
    load = load_average()
    progress(f"generating an org of {n} locations")
    org = SandboxOrg.generate(n)
    settings = SandboxSettings(seed=args.seed)
    cli = cli_path()
    with tempfile.TemporaryDirectory(prefix="wxc-bench-") as tmp, BenchServer(org, settings) as server:
        env = cli_env(server.base_url)
        desired = Path(tmp) / "every.yaml"
        try:
            progress("export (not measured, no latency): the desired state of every endpoint")
            export, _ = run_measured(server, [cli, "export", "--output", str(desired)], env)
            checked(export.figures, "wxc-reconcile export")
            server.settings.latency_ms = args.latency_ms
            progress(
                f"plan ({n} locations, every endpoint, {args.latency_ms:g} ms, concurrency {concurrency})"
            )
            cmd = [cli, "plan", str(desired), "--format", "json", "--concurrency", str(concurrency)]
            plan, requests = run_measured(server, cmd, env)
            plan_json = json_of(checked(plan.figures, "wxc-reconcile plan"), "wxc-reconcile plan")
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    local_gateways = sum(
        loc.pstn is not None and loc.pstn.route_type is not None for loc in org.locations.values()
    )
    tables = _tables(args, load, plan.figures.wall, plan.figures.cpu, requests, plan_json, local_gateways)
    show(tables, args.markdown)
    return 0


def _tables(
    args: argparse.Namespace,
    load: str,
    wall: float,
    cpu: float,
    requests: list[RecordedRequest],
    plan_json: dict[str, object],
    local_gateways: int,
) -> list[Table]:
    n, concurrency, latency = args.locations, args.concurrency, args.latency_ms / 1000
    reads = Counter(endpoint_of(r) for r in requests if r.method == "GET")
    per_location = Counter(what for (what, location) in reads if location is not None)
    lists = {what: count for (what, location), count in reads.items() if location is None}
    twice = sorted(f"{what} of {loc}" for (what, loc), count in reads.items() if loc and count > 1)
    gets = sum(per_location.values())
    # Each list is one page here (the generated org fits the API's largest page).
    bound = latency + gets * latency / concurrency
    steps = plan_json.get("steps")
    run = Table("Run", ("setting", "value"))
    machine_rows(run, load)
    run.add("locations", str(n))
    run.add("latency", f"{args.latency_ms:g} ms")
    run.add("concurrency", str(concurrency))
    fig = Table("GETs of the plan, by endpoint (one per location each, lists once)", ("endpoint", "GETs"))
    for what, count in sorted(per_location.items()):
        fig.add(what, str(count))
    for what, count in sorted(lists.items()):
        fig.add(f"list {what}", str(count))
    fig.add("total", str(sum(reads.values())))
    targets = Table("Targets", ("target", "measured", "verdict"))
    # The details name a local gateway's route: its PSTN connection, as desired, needs no GET of its own.
    expected = {what: n - local_gateways if what == PSTN_CONNECTION else n for what in per_location}
    targets.add(
        "one GET per managed endpoint per location (none for a local gateway's PSTN), each list once",
        f"{len(per_location)} endpoints x {n} locations - {local_gateways} local gateways = {gets} GETs; "
        f"each list read {', '.join(map(str, sorted(set(lists.values()))))} time(s)",
        verdict(per_location == expected and not twice and set(lists.values()) <= {1}),
    )
    targets.add(
        "no change to plan (the desired state is the org's export)",
        f"{len(steps) if isinstance(steps, list) else '?'} steps",
        verdict(steps == []),
    )
    targets.add(
        f"plan within {LATENCY_SLACK}x the bound (1 list page + GETs x latency / concurrency)",
        f"{seconds(wall)} / {seconds(bound)} = {wall / bound:.2f}x" if bound else f"{seconds(wall)}",
        verdict(wall <= LATENCY_SLACK * bound) if bound else "not judged without latency",
    )
    targets.add("CPU of the plan process", f"{cpu:.2f} s = {cpu / n * 1000:.2f} ms per location", "")
    return [run, fig, targets]
