"""Benchmark `wxc-reconcile plan` (and `apply`) against the sandbox over real HTTP, and a baseline.

    python bench/plan_bench.py --locations 1000 --latency-ms 50 [--jitter-ms J] [--concurrency 10]
                               [--rate-limit R] [--rate-window N/S] [--drift-pct P] [--apply]
                               [--seed S] [--markdown]
                               [--no-baseline] [--profile FILE] [--py-spy FILE]
    python bench/plan_bench.py --validate-locations 10000 [--markdown]

Starts the sandbox (ServerThread, 127.0.0.1) over a generated org of N locations, writes a desired state
for all of them, runs the installed CLI as its own process under a fresh measuring helper (bench/measure.py)
and prints: wall time, the bound the issue sets and the ratio to it, the requests the server saw by kind,
429s, CPU time and peak memory of the reconciler process, the same for the sequential baseline
(bench/baseline.py) and the speed-up over it, then one line per target: "target met" or "target missed".
Every figure printed is measured in that run. Exits non-zero only on errors (a process that failed, an
answer it could not read), never on a missed target. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH.parent) not in sys.path:  # run as `python bench/plan_bench.py`: make `bench` importable
    sys.path.insert(0, str(BENCH.parent))

from bench.measure import Measured, measured  # noqa: E402
from bench.profiles import cprofile_top, py_spy_available, py_spy_top  # noqa: E402
from bench.scenario import (  # noqa: E402
    BenchServer,
    RequestCounts,
    Scenario,
    build_scenario,
    cli_env,
    cli_path,
    put_problems,
)
from reconciler.sandbox import RecordedRequest, SandboxOrg, SandboxSettings  # noqa: E402
from reconciler.sandbox.settings import RateWindow  # noqa: E402

LATENCY_SLACK = 1.25  # the targets: within 1.25x the bound
# Under a rate limit the request count is the bound: the pace must come close to it, throttled rarely.
RATE_SLACK = 1.10
MAX_429_SHARE = 0.1
CPU_MS_PER_LOCATION = 2.0
SCALE_LOCATIONS = 5000  # the CPU and memory targets are set at this size, with no latency or rate limit
PEAK_MB = 300.0
VALIDATE_SECONDS = 2.0
MET, MISSED = "target met", "target missed"
NOT_JUDGED = "not judged at this setting"


# --- output --------------------------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        self.rows.append(cells)

    def text(self) -> str:
        widths = [max(len(row[i]) for row in (self.header, *self.rows)) for i in range(len(self.header))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

        rule = "  ".join("-" * width for width in widths)
        return "\n".join([self.title, line(self.header), rule, *(line(row) for row in self.rows)])

    def markdown(self) -> str:
        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

        rule = "|" + "|".join("---" for _ in self.header) + "|"
        return "\n".join(
            [f"**{self.title}**", "", line(self.header), rule, *(line(row) for row in self.rows)]
        )


def show(tables: Sequence[Table], markdown: bool) -> None:
    print("\n\n".join(table.markdown() if markdown else table.text() for table in tables))


def verdict(ok: bool) -> str:
    return MET if ok else MISSED


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_rows(table: Table, load: str) -> None:
    table.add("machine", f"{os.cpu_count()} CPUs, {cpu_model()}")
    table.add("python", f"{platform.python_implementation()} {platform.python_version()}")
    table.add("load average (1, 5, 15 min) at start", load)


def load_average() -> str:
    """Other work on the machine slows wall times (not CPU times): shown with every run."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


# --- the runs ------------------------------------------------------------------------------------------


class BenchError(Exception):
    """The benchmark could not measure what it says (a process failed, or printed what it cannot read)."""


def checked(run: Measured, what: str, ok_codes: Sequence[int] = (0,)) -> Measured:
    if run.returncode not in ok_codes:
        raise BenchError(f"{what} exited {run.returncode}:\n{run.stderr[-3000:]}")
    return run


def json_of(run: Measured, what: str) -> dict[str, Any]:
    try:
        data = json.loads(run.stdout)
    except ValueError:
        raise BenchError(f"{what} printed no JSON: {run.stdout[:500]!r}") from None
    if not isinstance(data, dict):
        raise BenchError(f"{what} printed JSON that is not an object")
    return data


@dataclass
class Run:
    """One measured process and what the server saw of it."""

    figures: Measured
    counts: RequestCounts
    span: float | None  # server side: first request in to last answer out


def run_measured(
    server: BenchServer, cmd: Sequence[str], env: dict[str, str]
) -> tuple[Run, list[RecordedRequest]]:
    mark = server.mark()
    figures = measured(cmd, env)
    requests = server.requests_since(mark)
    return Run(figures, RequestCounts.of(requests), server.span_since(mark)), requests


def profile_tables(args: argparse.Namespace, cli_args: Sequence[str], env: dict[str, str]) -> list[Table]:
    """With --profile / --py-spy: the plan once more under each profiler (separate runs, not measured)."""
    tables = []
    try:
        if args.profile:
            progress(f"plan again under cProfile -> {args.profile}")
            wall, rows = cprofile_top(cli_args, env, Path(args.profile))
            table = Table(
                f"Top {len(rows)} functions by cumulative time (cProfile; a separate run, "
                f"{seconds(wall)} wall under the profiler; asyncio's loop frames left out; "
                f"saved to {args.profile})",
                ("cumulative s", "own s", "calls", "function"),
            )
            table.rows.extend(rows)
            tables.append(table)
        if args.py_spy:
            if not py_spy_available():
                raise BenchError("--py-spy: py-spy is not installed (python -m pip install py-spy)")
            progress(f"plan again under py-spy -> {args.py_spy}")
            wall, samples, rows = py_spy_top(cli_args, env, Path(args.py_spy))
            table = Table(
                f"Top {len(rows) - 3} functions by share of CPU samples (py-spy, 100 Hz; a separate run, "
                f"{seconds(wall)} wall, {samples} samples; saved to {args.py_spy})",
                ("on stack", "on top", "function"),
            )
            table.rows.extend(rows)
            tables.append(table)
    except RuntimeError as exc:
        raise BenchError(str(exc)) from None
    return tables


def count_cell(counts: RequestCounts, kind: str) -> str:
    sent, throttled = counts.sent[kind], counts.throttled[kind]
    return f"{sent} ({throttled}x429)" if throttled else str(sent)


# --- plan --------------------------------------------------------------------------------------------------


def plan_bench(args: argparse.Namespace) -> int:
    n, concurrency = args.locations, args.concurrency
    args.load = load_average()
    progress(f"generating an org of {n} locations")
    org = SandboxOrg.generate(n)
    scenario = build_scenario(org, drift=round(n * args.drift_pct / 100), seed=args.seed)
    settings = SandboxSettings(
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.jitter_ms,
        rate_limit_per_second=args.rate_limit,
        rate_limit_window=args.rate_window,
        seed=args.seed,
    )
    cli = cli_path()
    tables: list[Table] = []
    with tempfile.TemporaryDirectory(prefix="wxc-bench-") as tmp, BenchServer(org, settings) as server:
        desired = scenario.write(Path(tmp))
        env = cli_env(server.base_url)
        common = [str(desired), "--format", "json", "--concurrency", str(concurrency)]
        try:
            progress(f"plan ({n} locations, {args.latency_ms:g} ms latency, concurrency {concurrency})")
            plan, _ = run_measured(server, [cli, "plan", *common], env)
            plan_json = json_of(checked(plan.figures, "wxc-reconcile plan"), "wxc-reconcile plan")
            profiles = profile_tables(args, ["plan", *common], env)
            apply: Run | None = None
            apply_report: dict[str, Any] = {}
            apply_problems: list[str] = []
            if args.apply:
                progress("apply --force")
                apply, apply_requests = run_measured(server, [cli, "apply", *common, "--force"], env)
                apply_report = json_of(checked(apply.figures, "wxc-reconcile apply"), "wxc-reconcile apply")
                apply_problems = put_problems(apply_requests, scenario)
            baseline: Run | None = None
            if not args.no_baseline:
                progress("baseline: sequential httpx.Client, one location after another")
                baseline, _ = run_measured(
                    server, [sys.executable, str(BENCH / "baseline.py"), server.base_url], env
                )
                json_of(checked(baseline.figures, "the baseline"), "the baseline")
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        tables = plan_tables(
            args, scenario, settings, plan, plan_json, apply, apply_report, apply_problems,
            baseline,
        )  # fmt: skip
        tables += profiles
    show(tables, args.markdown)
    return 0


def window_bound(requests: int, window: RateWindow) -> float:
    """A window lets N requests through in any S seconds: the last of `requests` leaves at the earliest
    floor((requests - 1) / N) x S after the first."""
    return (requests - 1) // window.requests * window.seconds


def rate_limits_bound(requests: int, rate: float | None, window: RateWindow | None) -> float | None:
    """The least time `requests` take under the rate limits (the longest each allows); None: no limit."""
    bounds = [requests / rate] if rate else []
    if window is not None:
        bounds.append(window_bound(requests, window))
    return max(bounds) if bounds else None


def plan_tables(
    args: argparse.Namespace,
    scenario: Scenario,
    settings: SandboxSettings,
    plan: Run,
    plan_json: dict[str, Any],
    apply: Run | None,
    apply_report: dict[str, Any],
    apply_problems: list[str],
    baseline: Run | None,
) -> list[Table]:
    n, concurrency, rate, window = args.locations, args.concurrency, args.rate_limit, args.rate_window
    latency = args.latency_ms / 1000
    pages = scenario.needed_pages(settings.max_page_size)
    chain = max(pages.values())
    gets = scenario.managed_gets()
    latency_bound = chain * latency + gets * latency / concurrency
    needed = sum(pages.values()) + gets
    rate_bound = rate_limits_bound(needed, rate, window)
    wall = plan.figures.wall

    run = Table("Run", ("setting", "value"))
    run.add("locations", f"{n} (desired state manages details and PSTN of each)")
    run.add(
        "simulated latency",
        f"{args.latency_ms:g} ms" + (f" ± {args.jitter_ms:g} ms" if args.jitter_ms else ""),
    )
    run.add("concurrency (--concurrency)", str(concurrency))
    run.add("rate limit", f"{rate:g} requests/s (429 + Retry-After)" if rate else "none")
    if window is not None:
        run.add("rate window", f"{window.requests} requests in any {window.seconds:g} s (429 + Retry-After)")
    run.add(
        "drift",
        f"{args.drift_pct:g}% = {scenario.drifted_locations} locations, "
        f"{len(scenario.drifted_endpoints)} endpoints (seed {args.seed})",
    )
    machine_rows(run, args.load)

    def ratio(value: float | None, bound: float | None) -> str:
        return f"{value / bound:.2f}x" if value is not None and bound else "n/a"

    fig = Table("Figures (reconciler = `wxc-reconcile plan`, its own process)", ("figure", "value"))
    fig.add("plan wall time (process, start to exit)", seconds(wall))
    span = plan.span
    fig.add("API span at the server (within the wall time)", "-" if span is None else seconds(span))
    page_words = ", ".join(f"{kind} {count}" for kind, count in pages.items())
    fig.add(f"list pages needed (at max={settings.max_page_size})", page_words)
    fig.add("longest chain of pages (the lists are independent)", str(chain))
    fig.add("GETs needed (one per managed endpoint per location)", str(gets))
    fig.add(
        "latency bound = pages x L + GETs x L / C",
        f"{seconds(latency_bound)} = {chain} x {latency * 1000:g} ms + {gets} x {latency * 1000:g} ms"
        f" / {concurrency}",
    )
    fig.add(
        "ratio to latency bound (wall; API span)",
        f"{ratio(wall, latency_bound)}; {ratio(span, latency_bound)}",
    )
    if rate_bound is not None:
        if rate:
            fig.add(
                "rate bound = (pages + GETs) / R",
                f"{seconds(needed / rate)} = ({sum(pages.values())} + {gets}) / {rate:g}",
            )
        if window is not None:
            fig.add(
                "window bound = floor((pages + GETs - 1) / N) x S",
                f"{seconds(window_bound(needed, window))} = floor(({needed} - 1) / {window.requests})"
                f" x {window.seconds:g} s",
            )
        fig.add(
            "ratio to rate bound (wall; API span)", f"{ratio(wall, rate_bound)}; {ratio(span, rate_bound)}"
        )
    counts = plan.counts
    throttled = sum(counts.throttled.values())
    failed = sum(counts.failed.values())
    fig.add("requests sent", str(counts.total))
    fig.add("429s seen", str(throttled))
    fig.add("failed requests (other 4xx/5xx, dropped)", str(failed))
    cpu = plan.figures.cpu
    fig.add(
        "CPU time of the plan process",
        f"{seconds(cpu)} (user {plan.figures.user:.2f} + sys {plan.figures.system:.2f}) = "
        f"{cpu / n * 1000:.2f} ms/location",
    )
    fig.add("peak memory of the plan process (max RSS)", f"{plan.figures.peak_mb:.1f} MB")
    steps = plan_json.get("summary", {}).get("steps")
    fig.add("plan steps (JSON summary)", str(steps))
    if apply is not None:
        fig.add("apply --force wall time", seconds(apply.figures.wall))
        fig.add(
            "apply CPU time; peak memory",
            f"{seconds(apply.figures.cpu)}; {apply.figures.peak_mb:.1f} MB",
        )
        fig.add("apply report summary", json.dumps(apply_report.get("summary")))
    if baseline is not None:
        fig.add("baseline wall time (sequential httpx.Client)", seconds(baseline.figures.wall))
        fig.add(
            "baseline CPU time; peak memory",
            f"{seconds(baseline.figures.cpu)}; {baseline.figures.peak_mb:.1f} MB",
        )
        fig.add("speed-up of the reconciler over the baseline", f"{baseline.figures.wall / wall:.1f}x")

    columns = [("plan", counts)] + [
        (name, run.counts) for name, run in (("apply", apply), ("baseline", baseline)) if run
    ]
    req = Table(
        'Requests the server saw, by kind ("N (Mx429)": M of the N were answered 429)',
        ("kind", *(name for name, _ in columns)),
    )
    kinds = list(dict.fromkeys(kind for _, c in columns for kind in c.kinds()))
    for kind in kinds:
        cells = [count_cell(c, kind) for _, c in columns]
        if any(cell != "0" for cell in cells):
            req.add(kind, *cells)
    req.add("total", *(str(c.total) for _, c in columns))
    req.add("`max` of list requests", *(",".join(sorted(c.list_max)) or "-" for _, c in columns))

    targets = Table("Targets", ("target", "measured", "verdict"))
    if latency > 0 and not rate_bound:
        limit = LATENCY_SLACK * latency_bound
        targets.add(
            f"plan within {LATENCY_SLACK}x the latency bound (<= {seconds(limit)})",
            f"{seconds(wall)} = {ratio(wall, latency_bound)}",
            verdict(wall <= limit),
        )
    if rate_bound is not None:
        limit = RATE_SLACK * rate_bound
        failures = failed + (plan.figures.returncode != 0)
        per_request = throttled / max(1, counts.total)
        targets.add(
            f"plan within {RATE_SLACK}x the rate bound (<= {seconds(limit)}), zero failures, "
            f"at most one 429 per {round(1 / MAX_429_SHARE)} requests",
            f"{seconds(wall)} = {ratio(wall, rate_bound)}, {failures} failures, "
            f"{throttled} 429s in {counts.total} requests ({per_request:.3f} per request)",
            verdict(wall <= limit and failures == 0 and per_request <= MAX_429_SHARE),
        )
    plan_puts = counts.sent["PUT details"] + counts.sent["PUT PSTN"]
    targets.add(
        "no-drift plan sends zero PUTs" if not scenario.drifted_endpoints else "plan sends zero PUTs",
        f"{plan_puts} PUTs",
        verdict(plan_puts == 0),
    )
    expected = len(scenario.drifted_endpoints)
    targets.add(
        "plan shows one step per endpoint with drift",
        f"{steps} steps, {expected} endpoints with drift",
        verdict(steps == expected),
    )
    if apply is not None:
        accepted = sum(apply.counts.answered(k) for k in ("PUT details", "PUT PSTN"))
        failed_steps = apply_report.get("summary", {}).get("failed")
        words = f"{accepted} PUTs for {expected} endpoints with drift, {failed_steps} failed steps"
        if apply_problems:
            words += "; " + "; ".join(apply_problems[:5]) + (" ..." if len(apply_problems) > 5 else "")
        targets.add(
            "apply sends exactly one PUT per endpoint with drift",
            words,
            verdict(not apply_problems and failed_steps == 0),
        )
    per_location = cpu / n * 1000
    # Set for a large org with no latency: a smaller or slower run spreads start-up over fewer locations
    # and spends CPU idling in the event loop, so its figure is shown but not judged.
    at_setting = n >= SCALE_LOCATIONS and latency == 0 and rate_bound is None
    targets.add(
        f"plan CPU <= {CPU_MS_PER_LOCATION:g} ms per location, whole process (set at 5,000 locations, 0 ms)",
        f"{per_location:.2f} ms",
        verdict(per_location <= CPU_MS_PER_LOCATION) if at_setting else NOT_JUDGED,
    )
    targets.add(
        f"plan peak memory < {PEAK_MB:g} MB (set at 5,000 locations, 0 ms)",
        f"{plan.figures.peak_mb:.1f} MB",
        verdict(plan.figures.peak_mb < PEAK_MB) if at_setting else NOT_JUDGED,
    )
    return [run, fig, req, targets]


# --- validate ------------------------------------------------------------------------------------------


def validate_bench(args: argparse.Namespace) -> int:
    n = args.validate_locations
    load = load_average()
    progress(f"writing a desired state of {n} locations")
    scenario = build_scenario(SandboxOrg.generate(n))
    with tempfile.TemporaryDirectory(prefix="wxc-bench-") as tmp:
        path = scenario.write(Path(tmp))
        size = path.stat().st_size
        env = cli_env("http://127.0.0.1:9/v1")  # validate sends nothing; no server runs
        progress("wxc-reconcile validate")
        try:
            run = checked(measured([cli_path(), "validate", str(path)], env), "wxc-reconcile validate")
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    info = Table("Run", ("setting", "value"))
    info.add("locations", str(n))
    info.add("file", f"{size / 1e6:.2f} MB of YAML")
    machine_rows(info, load)
    fig = Table("Figures (`wxc-reconcile validate`, its own process)", ("figure", "value"))
    fig.add("wall time (process, start to exit)", seconds(run.wall))
    fig.add("CPU time", f"{seconds(run.cpu)} (user {run.user:.2f} + sys {run.system:.2f})")
    fig.add("peak memory (max RSS)", f"{run.peak_mb:.1f} MB")
    fig.add("output", run.stdout.strip())
    targets = Table("Targets", ("target", "measured", "verdict"))
    targets.add(
        f"validate in under {VALIDATE_SECONDS:g} s (set at 10,000 locations)",
        seconds(run.wall),
        verdict(run.wall < VALIDATE_SECONDS),
    )
    show([info, fig, targets], args.markdown)
    return 0


# --- command line --------------------------------------------------------------------------------------


def rate_window(text: str) -> RateWindow:
    """An option's `N/SECONDS`, e.g. 300/60."""
    try:
        return RateWindow.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Benchmark wxc-reconcile against the sandbox over HTTP (see bench/README.md)."
    )
    p.add_argument("--locations", type=positive_int, default=1000, help="locations in the org (default 1000)")
    p.add_argument("--latency-ms", type=float, default=50.0, help="simulated latency per answer (default 50)")
    p.add_argument(
        "--jitter-ms", type=float, default=0.0, help="latency varies by up to this much (default 0)"
    )
    p.add_argument(
        "--concurrency", type=positive_int, default=10, help="the CLI's --concurrency (default 10)"
    )
    p.add_argument(
        "--rate-limit", type=float, default=None, help="requests per second before 429 (default none)"
    )
    p.add_argument(
        "--rate-window",
        type=rate_window,
        metavar="N/SECONDS",
        help="at most N requests in any SECONDS before 429, e.g. 300/60 (default none)",
    )
    p.add_argument("--drift-pct", type=float, default=0.0, help="share of locations that differ (default 0)")
    p.add_argument("--apply", action="store_true", help="also run `apply --force` and check its PUTs")
    p.add_argument(
        "--seed", type=int, default=0, help="picks the drifted locations and the jitter (default 0)"
    )
    p.add_argument("--markdown", action="store_true", help="print markdown tables")
    p.add_argument("--no-baseline", action="store_true", help="skip the sequential baseline")
    p.add_argument(
        "--profile", metavar="FILE", help="also plan once under cProfile, save it to FILE, show top 15"
    )
    p.add_argument(
        "--py-spy",
        metavar="FILE",
        help="also plan once under py-spy, save its raw stacks to FILE, show top 15",
    )
    p.add_argument(
        "--validate-locations", type=positive_int, metavar="N", help="time `validate` of N locations instead"
    )
    p.add_argument(
        "--every-endpoint",
        action="store_true",
        help="plan the org's own export, which manages every endpoint (bench/every_endpoint.py)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not 0 <= args.drift_pct <= 100:
        parser().error("--drift-pct must be between 0 and 100")
    if args.rate_limit is not None and args.rate_limit <= 0:
        parser().error("--rate-limit must be positive")
    bench: Callable[[argparse.Namespace], int] = validate_bench if args.validate_locations else plan_bench
    if args.every_endpoint:
        from bench.every_endpoint import every_endpoint_bench  # it builds on this module

        bench = every_endpoint_bench
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
