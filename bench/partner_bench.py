"""Benchmark a partner's estate: many orgs planned side by side in one process, each under its own rate limit.

    python bench/partner_bench.py --orgs 50 --locations 200 --latency-ms 50 --rate-limit 5
                                  [--rate-window N/S] [--concurrency 10] [--orgs-in-flight 50]
                                  [--seed S] [--markdown]

Starts the sandbox (ServerThread, 127.0.0.1) over a generated estate of N orgs of M locations each (one
sandbox state, data scoped by orgId, rate limits per org), writes the config repo (a project file naming
every org, and each org's desired state), then runs the installed CLI as its own process, measured alone
(bench/measure.py):
1. `plan --org <the first org>`: one org alone, for its wall time and CPU per location;
2. `plan` of every org of the project at once.
For each org it counts the requests the server saw for it (by orgId) and computes that org's bound: the
longer of its latency bound (its longest chain of list pages plus its GETs over the concurrency, at the
latency) and its rate bound (its requests over the rate limit). The targets: all orgs in at most 1.25x the
slowest org's bound, no org failed, CPU per location no worse than one org alone, peak memory under
500 MB. Every figure printed is measured in that run; a missed target is printed, never a failure exit.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH.parent) not in sys.path:  # run as `python bench/partner_bench.py`: make `bench` importable
    sys.path.insert(0, str(BENCH.parent))

from bench.plan_bench import (  # noqa: E402
    NOT_JUDGED,
    BenchError,
    Table,
    checked,
    json_of,
    load_average,
    machine_rows,
    positive_int,
    progress,
    rate_limits_bound,
    rate_window,
    run_measured,
    seconds,
    show,
    verdict,
)
from bench.scenario import BenchServer, Scenario, build_estate, cli_env, cli_path, org_of  # noqa: E402
from reconciler.sandbox import RecordedRequest, SandboxSettings  # noqa: E402

SLACK = 1.25  # all orgs within this many times the slowest org's own bound
PEAK_MB = 500.0


def org_bound(scenario: Scenario, requests: int, args: argparse.Namespace, page_size: int) -> float:
    """The least time one org's plan can take: its latency bound or its rate bound, the longer."""
    latency = args.latency_ms / 1000
    chain = max(scenario.needed_pages(page_size).values())
    latency_bound = chain * latency + scenario.managed_gets() * latency / args.concurrency
    rate_bound = rate_limits_bound(requests, args.rate_limit, args.rate_window) or 0.0
    return max(latency_bound, rate_bound)


def per_org(requests: Sequence[RecordedRequest]) -> tuple[Counter[str | None], Counter[str | None]]:
    """Requests and 429s the server saw for each orgId."""
    sent: Counter[str | None] = Counter()
    throttled: Counter[str | None] = Counter()
    for request in requests:
        sent[org_of(request)] += 1
        if request.status == 429:
            throttled[org_of(request)] += 1
    return sent, throttled


def ratio(value: float, bound: float) -> float | None:
    return value / bound if bound > 0 else None


def times(value: float | None) -> str:
    return "n/a (no bound)" if value is None else f"{value:.2f}x"


def failed_orgs(report: dict[str, Any]) -> list[str]:
    return [str(entry.get("org")) for entry in report.get("orgs", []) if entry.get("error") is not None]


def partner_bench(args: argparse.Namespace) -> int:
    load = load_average()
    progress(f"generating {args.orgs} orgs of {args.locations} locations")
    estate = build_estate(args.orgs, args.locations, seed=args.seed)
    settings = SandboxSettings(
        latency_ms=args.latency_ms,
        rate_limit_per_second=args.rate_limit,
        rate_limit_window=args.rate_window,
        seed=args.seed,
    )
    cli = cli_path()
    keys = list(estate.scenarios)
    with (
        tempfile.TemporaryDirectory(prefix="wxc-partner-") as tmp,
        BenchServer(estate.orgs, settings) as server,
    ):
        root = Path(tmp)
        env = cli_env(server.base_url)
        project = str(estate.write(root))
        common = ["--project", project, "--format", "json", "--concurrency", str(args.concurrency)]
        try:
            progress(f"plan of one org ({keys[0]})")
            one, one_requests = run_measured(server, [cli, "plan", "--org", keys[0], *common], env)
            one_report = json_of(checked(one.figures, "plan of one org"), "plan of one org")
            progress(f"plan of all {len(keys)} orgs, {args.orgs_in_flight} in flight")
            every = [cli, "plan", *common, "--orgs-in-flight", str(args.orgs_in_flight)]
            all_run, all_requests = run_measured(server, every, env)
            all_report = json_of(checked(all_run.figures, "plan of every org"), "plan of every org")
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    page_size = settings.max_page_size
    sent, throttled = per_org(all_requests)
    by_id = {scenario.org.id: key for key, scenario in estate.scenarios.items()}
    bounds = {
        by_id[org_id]: org_bound(estate.scenarios[by_id[org_id]], n, args, page_size)
        for org_id, n in sent.items()
        if org_id in by_id
    }
    slowest_key = max(bounds, key=bounds.__getitem__)
    slowest = bounds[slowest_key]
    one_sent, _ = per_org(one_requests)
    one_bound = org_bound(estate.scenarios[keys[0]], sum(one_sent.values()), args, page_size)
    locations = args.orgs * args.locations
    cpu_all = all_run.figures.cpu * 1000 / locations
    cpu_one = one.figures.cpu * 1000 / args.locations
    peak_mb = all_run.figures.maxrss_kib / 1024
    failures = failed_orgs(all_report) + failed_orgs(one_report)

    run = Table("Run", ("setting", "value"))
    run.add("estate", f"{args.orgs} orgs x {args.locations} locations (details and PSTN managed, no drift)")
    run.add("simulated latency", f"{args.latency_ms:g} ms")
    run.add("rate limit, per org", f"{args.rate_limit:g} requests/s" if args.rate_limit else "none")
    if args.rate_window is not None:
        run.add("rate window, per org", f"{args.rate_window.requests} in any {args.rate_window.seconds:g} s")
    run.add("--concurrency (per org) / --orgs-in-flight", f"{args.concurrency} / {args.orgs_in_flight}")
    machine_rows(run, load)

    fig = Table(
        "Figures (`wxc-reconcile plan`, its own process)", ("figure", "one org", f"all {args.orgs} orgs")
    )
    fig.add("wall time", seconds(one.figures.wall), seconds(all_run.figures.wall))
    fig.add("its bound (slowest org's, for all)", seconds(one_bound), f"{seconds(slowest)} ({slowest_key})")
    fig.add(
        "ratio to the bound",
        times(ratio(one.figures.wall, one_bound)),
        times(ratio(all_run.figures.wall, slowest)),
    )
    fig.add(
        "requests (per org: min / max)",
        str(sum(one_sent.values())),
        f"{all_run.counts.total} ({min(sent.values())} / {max(sent.values())})",
    )
    fig.add(
        "requests per managed location",
        f"{sum(one_sent.values()) / args.locations:.2f}",
        f"{all_run.counts.total / locations:.2f}",
    )
    fig.add("429s", str(one.counts.throttled.total()), str(sum(throttled.values())))
    fig.add("orgs failed", str(len(failed_orgs(one_report))), str(len(failed_orgs(all_report))))
    fig.add("CPU per location", f"{cpu_one:.2f} ms", f"{cpu_all:.2f} ms")
    fig.add("peak memory (RSS)", f"{one.figures.maxrss_kib / 1024:.0f} MB", f"{peak_mb:.0f} MB")

    targets = Table("Targets", ("target", "measured", "verdict"))
    side_by_side = ratio(all_run.figures.wall, slowest)
    judged = NOT_JUDGED if side_by_side is None else verdict(side_by_side <= SLACK)
    targets.add(f"all orgs within {SLACK}x the slowest org's bound", times(side_by_side), judged)
    targets.add("0 failures", str(len(failures)), verdict(not failures))
    targets.add(
        "CPU per location no worse than one org alone",
        f"{cpu_all:.2f} vs {cpu_one:.2f} ms",
        verdict(cpu_all <= cpu_one),
    )
    targets.add(f"peak memory under {PEAK_MB:g} MB", f"{peak_mb:.0f} MB", verdict(peak_mb < PEAK_MB))
    show([run, fig, targets], args.markdown)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python bench/partner_bench.py", description=__doc__.split("\n")[0])
    p.add_argument("--orgs", type=positive_int, default=50)
    p.add_argument("--locations", type=positive_int, default=200, help="per org")
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--rate-limit", type=float, default=5.0, help="requests per second per org (0: none)")
    p.add_argument("--rate-window", type=rate_window, help="N/SECONDS per org, e.g. 300/60")
    p.add_argument("--concurrency", type=positive_int, default=10)
    p.add_argument("--orgs-in-flight", type=positive_int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.rate_limit = args.rate_limit or None
    return partner_bench(args)


if __name__ == "__main__":
    raise SystemExit(main())
