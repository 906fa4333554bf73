"""Soak `wxc-reconcile apply` under every fault at once, run after run, and check that each run converges.

    python bench/soak.py [--runs 20] [--locations 200] [--seed S] [--concurrency C]
                         [--fail-rate F] [--drop-rate D] [--latency-ms L] [--jitter-ms J]
                         [--rate-limit R] [--rate-window N/SECONDS] [--malformed-retry-after TEXT]
                         [--prefix-drift K] [--prefix-conflicts K] [--failing-jobs K] [--job-seconds S]
                         [--kill] [--timeout SECONDS] [--markdown]

Each run generates an org of N locations, every one of them drifted (bench/scenario.py), serves it over
HTTP on 127.0.0.1 (BenchServer) with the faults switched on, and runs the installed CLI as its own process:
`apply --force`, then, faults off, `plan --detailed-exitcode` (exit 0: converged). With `--kill`, a plan
first, then the apply is killed with SIGKILL when the server is about to answer its k-th PUT (k at random),
a plan shows what is still needed, the apply runs again, and its PUTs are checked against both plans.
Every subprocess has a timeout. Prints a table per run and a total, then the targets: 0 failed steps,
0 divergent final states (and, with --kill, 0 PUTs that were not needed). Exits 0 when all are met,
1 when one is missed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH.parent) not in sys.path:  # run as `python bench/soak.py`: make `bench` importable
    sys.path.insert(0, str(BENCH.parent))

from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from bench.plan_bench import (  # noqa: E402
    MET,
    MISSED,
    Table,
    load_average,
    machine_rows,
    positive_int,
    progress,
    rate_window,
    seconds,
    show,
    verdict,
)
from bench.scenario import (  # noqa: E402
    BenchServer,
    RequestCounts,
    Scenario,
    build_scenario,
    cli_env,
    cli_path,
    kind_of,
    location_of,
)
from reconciler.sandbox import RecordedRequest, SandboxOrg, SandboxSettings  # noqa: E402
from reconciler.sandbox.settings import RateWindow  # noqa: E402

MALFORMED_RETRY_AFTER = "rand(30),add(30)"  # as once sent by the live API
# Why a request was worth sending again, from its answer; the order of the tables' columns.
REASONS = ("429", "5xx", "dropped", "409 job")
DEFAULT_WINDOW = RateWindow(150, 1.0)
Endpoint = tuple[str, str]  # (location id, "details" | "pstn"), as Scenario.drifted_endpoints


@dataclass(frozen=True)
class SoakOptions:
    runs: int = 20
    locations: int = 200
    seed: int = 0
    concurrency: int = 10
    fail_rate: float = 0.03
    drop_rate: float = 0.01
    latency_ms: float = 20.0
    jitter_ms: float = 15.0
    rate_limit: float | None = None
    rate_window: RateWindow | None = DEFAULT_WINDOW
    malformed_retry_after: str = MALFORMED_RETRY_AFTER
    prefix_drift: int = 3
    prefix_conflicts: int = 2
    failing_jobs: int = 0
    job_seconds: float = 0.3
    kill: bool = False
    timeout: float = 300.0  # seconds, for each subprocess


# --- faults --------------------------------------------------------------------------------------------


def retry_after_of(options: SoakOptions, index: int) -> str | None:
    """Whole seconds (None) on the first run, the malformed text on the second, and so on in turn."""
    return options.malformed_retry_after if index % 2 else None


def faults_on(options: SoakOptions, index: int) -> dict[str, Any]:
    """The SandboxSettings fields of run `index`'s faults that the checking plans switch off."""
    return {
        "rate_limit_per_second": options.rate_limit,
        "rate_limit_window": options.rate_window,
        "retry_after": retry_after_of(options, index),
        "fail_rate": options.fail_rate,
        "drop_rate": options.drop_rate,
        "latency_ms": options.latency_ms,
        "latency_jitter_ms": options.jitter_ms,
    }


# The same fields at SandboxSettings' defaults: every fault off.
FAULTS_OFF = {name: getattr(SandboxSettings(), name) for name in faults_on(SoakOptions(), 0)}


def switch(settings: SandboxSettings, faults: dict[str, Any]) -> None:
    """Set the live server's faults (a running app reads its settings at every request)."""
    for name, value in faults.items():
        setattr(settings, name, value)


def run_settings(options: SoakOptions, index: int) -> SandboxSettings:
    return SandboxSettings(
        job_seconds=options.job_seconds,
        seed=options.seed + index,
        prefix_conflicts=options.prefix_conflicts,
        failing_jobs=options.failing_jobs,
        **faults_on(options, index),
    )


# --- what the server saw -------------------------------------------------------------------------------


def reason_of(request: RecordedRequest) -> str | None:
    """Why this request's answer calls for sending it again (one of REASONS), or None."""
    if request.status == 429:
        return "429"
    if 500 <= request.status <= 504:
        return "5xx"
    if request.status == 0:
        return "dropped"
    if request.status == 409:
        return "409 job"
    return None


def _key(request: RecordedRequest) -> tuple[str, str, str, str]:
    return request.method, request.path, json.dumps(request.query, sort_keys=True), json.dumps(request.body)


@dataclass
class Traffic:
    """One process's requests as the server saw them."""

    requests: int = 0
    throttled: int = 0  # answered 429
    retried: Counter[str] = field(default_factory=Counter)  # by reason: sent again afterwards
    not_retried: Counter[str] = field(default_factory=Counter)  # by reason: never sent again
    other_errors: int = 0  # answered another 4xx/5xx: never expected here
    puts: set[Endpoint] = field(default_factory=set)  # endpoints PUT, whatever the answer

    @classmethod
    def of(cls, requests: Sequence[RecordedRequest]) -> Traffic:
        """A failed answer counts as retried when the same request (method, path, query, body) follows."""
        counts = RequestCounts.of(requests)
        traffic = cls(requests=counts.total, throttled=sum(counts.throttled.values()))
        later: set[tuple[str, str, str, str]] = set()
        for request in reversed(requests):
            key = _key(request)
            reason = reason_of(request)
            if reason is not None:
                (traffic.retried if key in later else traffic.not_retried)[reason] += 1
            elif request.status >= 400:
                traffic.other_errors += 1
            later.add(key)
            endpoint = put_endpoint(request)
            if endpoint is not None:
                traffic.puts.add(endpoint)
        return traffic

    def __add__(self, other: Traffic) -> Traffic:
        return Traffic(
            self.requests + other.requests,
            self.throttled + other.throttled,
            self.retried + other.retried,
            self.not_retried + other.not_retried,
            self.other_errors + other.other_errors,
            self.puts | other.puts,
        )


def put_endpoint(request: RecordedRequest) -> Endpoint | None:
    kind = kind_of(request)
    location = location_of(request)
    if kind not in ("PUT details", "PUT PSTN") or location is None:
        return None
    return location, kind.removeprefix("PUT ").lower()


# --- the CLI, as its own process -------------------------------------------------------------------------


@dataclass(frozen=True)
class Finished:
    """A CLI process that ended: by itself (returncode), or killed (SIGKILL: -9) or timed out (None)."""

    returncode: int | None
    wall: float
    stdout: str
    stderr: str

    def last_words(self) -> str:
        """What it said last on stderr (its error message), or how it ended."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1].strip() if lines else f"exit {self.returncode}"


def run_cli(args: Sequence[str], env: dict[str, str], timeout: float) -> Finished:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [cli_path(), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:  # subprocess.run has killed it
        return Finished(None, time.perf_counter() - start, _text(exc.stdout), _text(exc.stderr))
    return Finished(done.returncode, time.perf_counter() - start, done.stdout, done.stderr)


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def json_object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def plan_steps(finished: Finished) -> set[Endpoint] | None:
    """The (location id, kind) of every step of a `plan --format json`; None: no plan came out."""
    plan = json_object(finished.stdout)
    if plan is None or not isinstance(plan.get("steps"), list):
        return None
    return {(str(step.get("locationId")), str(step.get("kind"))) for step in plan["steps"]}


@dataclass
class Apply:
    """One `apply --format json --force` and what it did."""

    finished: Finished
    traffic: Traffic
    reported: bool = False  # whether it printed its report (a killed or failed-early apply does not)
    summary: Counter[str] = field(default_factory=Counter)  # applied, failed, skipped: from its report
    failures: list[str] = field(default_factory=list)  # each failed step, or why there is no report

    @classmethod
    def of(cls, finished: Finished, traffic: Traffic, killed: bool = False) -> Apply:
        apply = cls(finished, traffic)
        if killed:
            return apply
        if finished.returncode is None:
            apply.failures.append(f"apply did not end within its timeout (killed): {finished.last_words()}")
            return apply
        report = json_object(finished.stdout)
        if finished.returncode not in (0, 1) or report is None:
            apply.failures.append(f"apply exited {finished.returncode}: {finished.last_words()}")
            return apply
        apply.reported = True
        for outcome in ("applied", "failed", "skipped"):
            apply.summary[outcome] = int(report.get("summary", {}).get(outcome, 0))
        for result in report.get("results", []):
            if result.get("outcome") == "failed":
                apply.failures.append(step_failure(result))
        if finished.returncode == 1 and not apply.failures:
            apply.failures.append(f"apply exited 1 with no failed step: {finished.last_words()}")
        return apply


def step_failure(result: dict[str, Any]) -> str:
    """A failed step of an apply report, in one line: what, the HTTP status and message, trackingId."""
    error = result.get("error") or {}
    words = f"{result.get('location')} {result.get('kind')}: "
    if error:
        words += f"HTTP {error.get('status')} {error.get('message')} (trackingId {error.get('trackingId')})"
    else:
        words += str(result.get("reason"))
    job_errors = (result.get("job") or {}).get("errors") or []
    return words + "".join(f"; {job_error}" for job_error in job_errors)


# --- killing an apply at a PUT ---------------------------------------------------------------------------


@dataclass
class KillPoint:
    """Which process to SIGKILL, and at which PUT; `fired` once done (then it is disarmed)."""

    pid: int | None = None
    at_put: int = 0
    puts_seen: int = 0
    fired: bool = False

    def arm(self, pid: int, at_put: int) -> None:
        self.pid, self.at_put, self.puts_seen, self.fired = pid, at_put, 0, False

    def put_answered(self) -> None:
        if self.pid is None:
            return
        self.puts_seen += 1
        if self.puts_seen >= self.at_put:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(self.pid, signal.SIGKILL)
            self.pid, self.fired = None, True


class KillSwitch:
    """ASGI middleware, outermost: kills the armed process just before its `at_put`-th PUT is answered.

    The sandbox has applied the PUT by then (it changes the org on arrival), so the client dies not
    knowing that its last change was made, as one killed while waiting for an answer does.
    """

    def __init__(self, app: ASGIApp, point: KillPoint) -> None:
        self.app = app
        self.point = point

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT":
            await self.app(scope, receive, send)
            return

        async def send_unless_killed(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.point.put_answered()
            await send(message)

        await self.app(scope, receive, send_unless_killed)


# --- one run -----------------------------------------------------------------------------------------------


@dataclass
class Kill:
    """The --kill mode's figures of one run."""

    at_put: int  # the apply was to be killed as its at_put-th PUT was answered
    killed: bool  # False: it ended before reaching that PUT
    first_plan: set[Endpoint]  # the steps planned before the killed apply
    still_needed: set[Endpoint]  # the steps planned right before the re-run
    rerun_puts: set[Endpoint]  # the endpoints the re-run PUT

    @property
    def unneeded(self) -> set[Endpoint]:
        """PUTs of the re-run that the plan right before it did not call for, or the first plan did not."""
        return self.rerun_puts - (self.still_needed & self.first_plan)


@dataclass
class RunResult:
    index: int
    retry_after: str | None  # the Retry-After text of this run's 429s; None: whole seconds
    steps: int  # endpoints the scenario drifted: the steps the first apply must make
    applies: list[Apply]  # one; with --kill the killed one, then the re-run
    remaining: int | None  # steps the plan afterwards still shows; None: that plan failed
    problems: list[str]  # every failure, divergence or unneeded PUT, one line each
    kill: Kill | None = None

    @property
    def final(self) -> Apply:
        return self.applies[-1]

    @property
    def converged(self) -> bool:
        return self.remaining == 0

    @property
    def failed_steps(self) -> int:
        return sum(apply.summary["failed"] for apply in self.applies)

    @property
    def traffic(self) -> Traffic:
        total = Traffic()
        for apply in self.applies:
            total += apply.traffic
        return total

    @property
    def wall(self) -> float:
        return sum(apply.finished.wall for apply in self.applies)


class Soak:
    """The runs of one soak, against a fresh org and server each; `run(index)` is one of them."""

    def __init__(self, options: SoakOptions) -> None:
        self.options = options

    def scenario(self, index: int) -> Scenario:
        o = self.options
        org = SandboxOrg.generate(o.locations)
        return build_scenario(org, drift=o.locations, seed=o.seed + index, prefix_drift=o.prefix_drift)

    def run(self, index: int) -> RunResult:
        scenario = self.scenario(index)
        settings = run_settings(self.options, index)
        point = KillPoint()
        server = BenchServer(scenario.org, settings)
        server.thread.app.add_middleware(KillSwitch, point=point)
        with tempfile.TemporaryDirectory(prefix="wxc-soak-") as tmp, server:
            desired = str(scenario.write(Path(tmp)))
            runner = _RunRunner(self.options, index, server, desired, point)
            return runner.kill_run(scenario) if self.options.kill else runner.plain_run(scenario)


class _RunRunner:
    """The CLI processes of one run against its server."""

    def __init__(
        self, options: SoakOptions, index: int, server: BenchServer, desired: str, point: KillPoint
    ) -> None:
        self.options = options
        self.index = index
        self.server = server
        self.desired = desired
        self.point = point
        self.env = cli_env(server.base_url)
        self.common = ["--format", "json", "--concurrency", str(options.concurrency)]

    def named(self, endpoints: Iterable[Endpoint], scenario: Scenario) -> str:
        names = {entry.location_id: entry.name for entry in scenario.entries}
        return ", ".join(f"{names.get(location, location)} {kind}" for location, kind in sorted(endpoints))

    def result(self, scenario: Scenario, applies: list[Apply], kill: Kill | None = None) -> RunResult:
        result = RunResult(
            index=self.index,
            retry_after=retry_after_of(self.options, self.index),
            steps=len(scenario.drifted_endpoints),
            applies=applies,
            remaining=None,
            problems=[failure for apply in applies for failure in apply.failures],
            kill=kill,
        )
        for apply in applies:
            if apply.traffic.other_errors:
                result.problems.append(f"{apply.traffic.other_errors} requests answered another 4xx/5xx")
        self.check_convergence(result, scenario)
        return result

    def check_convergence(self, result: RunResult, scenario: Scenario) -> None:
        """Faults off: does a plan afterwards show no change? Sets `remaining`, notes a divergence."""
        check = self.plan("--detailed-exitcode")
        steps = plan_steps(check)
        if check.returncode in (0, 2) and steps is not None:
            result.remaining = len(steps)
            if steps:
                where = self.named(steps, scenario)
                result.problems.append(
                    f"divergent: the plan afterwards still shows {len(steps)} steps: {where}"
                )
        else:
            result.problems.append(
                f"the plan afterwards failed (exit {check.returncode}): {check.last_words()}"
            )

    def plan(self, *extra: str) -> Finished:
        switch(self.server.settings, FAULTS_OFF)
        return run_cli(["plan", self.desired, *self.common, *extra], self.env, self.options.timeout)

    def apply(self) -> Apply:
        switch(self.server.settings, faults_on(self.options, self.index))
        mark = self.server.mark()
        finished = run_cli(["apply", self.desired, *self.common, "--force"], self.env, self.options.timeout)
        return Apply.of(finished, Traffic.of(self.server.requests_since(mark)))

    def plain_run(self, scenario: Scenario) -> RunResult:
        return self.result(scenario, [self.apply()])

    def kill_run(self, scenario: Scenario) -> RunResult:
        first = self.plan()
        first_plan = plan_steps(first) or set()
        problems = []
        if plan_steps(first) is None:
            problems.append(f"the first plan failed (exit {first.returncode}): {first.last_words()}")
        elif first_plan != scenario.drifted_endpoints:
            problems.append(
                f"the first plan has {len(first_plan)} steps for {len(scenario.drifted_endpoints)} "
                "drifted endpoints"
            )
        at_put = random.Random(self.options.seed + self.index).randint(1, max(1, len(first_plan)))
        killed, was_killed = self.killed_apply(at_put)
        before = self.plan()
        still_needed = plan_steps(before)
        if still_needed is None:
            problems.append(
                f"the plan before the re-run failed (exit {before.returncode}): {before.last_words()}"
            )
        rerun = self.apply()
        kill = Kill(at_put, was_killed, first_plan, still_needed or set(), rerun.traffic.puts)
        result = self.result(scenario, [killed, rerun], kill)
        if kill.unneeded:
            result.problems.append(
                f"the re-run PUT what a plan did not call for: {self.named(kill.unneeded, scenario)}"
            )
        result.problems[:0] = problems
        return result

    def killed_apply(self, at_put: int) -> tuple[Apply, bool]:
        """The apply, SIGKILLed by the server as it answers the `at_put`-th PUT (when it gets that far)."""
        switch(self.server.settings, faults_on(self.options, self.index))
        mark = self.server.mark()
        start = time.perf_counter()
        cmd = [cli_path(), "apply", self.desired, *self.common, "--force"]
        with subprocess.Popen(
            cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as process:
            self.point.arm(process.pid, at_put)
            try:
                stdout, stderr = process.communicate(timeout=self.options.timeout)
                returncode: int | None = process.returncode
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
                returncode = None
            finally:
                self.point.pid = None  # disarmed: nothing else is ever killed
        finished = Finished(returncode, time.perf_counter() - start, stdout, stderr)
        killed = returncode == -signal.SIGKILL and self.point.fired
        return Apply.of(finished, Traffic.of(self.server.requests_since(mark)), killed=killed), killed


# --- the tables ------------------------------------------------------------------------------------------


def retry_cells(traffic: Traffic) -> list[str]:
    return [str(traffic.retried[reason]) for reason in REASONS]


def summary_cells(results: Sequence[RunResult]) -> list[str]:
    """applied, failed, skipped: of the final apply of each run (a killed apply has no report)."""
    return [
        str(sum(r.final.summary[outcome] for r in results)) for outcome in ("applied", "failed", "skipped")
    ]


def converged_cell(results: Sequence[RunResult]) -> str:
    if len(results) == 1:
        (result,) = results
        return "yes" if result.converged else ("no" if result.remaining else "plan failed")
    return f"{sum(r.converged for r in results)}/{len(results)}"


def run_table(results: Sequence[RunResult], kill: bool) -> Table:
    header = ["run", "Retry-After", "steps"]
    if kill:
        header += ["kill at PUT", "killed", "still needed", "re-run PUTs", "unneeded"]
    header += ["applied", "failed", "skipped", "requests", "429s"]
    header += [f"retried {reason}" for reason in REASONS]
    header += ["apply wall", "converged"]
    table = Table(
        "Runs (a row per run, then the total; retried: answers of that kind after which the same request "
        "was sent again)",
        tuple(header),
    )

    def row(label: str, group: Sequence[RunResult]) -> tuple[str, ...]:
        traffic = Traffic()
        for result in group:
            traffic += result.traffic
        cells = [label, retry_after_label(group), str(sum(r.steps for r in group))]
        if kill:
            kills = [r.kill for r in group if r.kill is not None]
            one = kills[0] if len(group) == 1 else None
            cells += [
                str(one.at_put) if one else "-",
                ("yes" if one.killed else "no") if one else f"{sum(k.killed for k in kills)}/{len(kills)}",
                str(sum(len(k.still_needed) for k in kills)),
                str(sum(len(k.rerun_puts) for k in kills)),
                str(sum(len(k.unneeded) for k in kills)),
            ]
        cells += summary_cells(group)
        cells += [str(traffic.requests), str(traffic.throttled), *retry_cells(traffic)]
        cells += [seconds(sum(r.wall for r in group)), converged_cell(group)]
        return tuple(cells)

    for result in results:
        table.add(*row(str(result.index + 1), [result]))
    table.add(*row("total", results))
    return table


def retry_after_label(results: Sequence[RunResult]) -> str:
    kinds = {"whole s" if r.retry_after is None else "malformed" for r in results}
    return kinds.pop() if len(kinds) == 1 else "both"


def settings_table(options: SoakOptions, load: str) -> Table:
    o = options
    table = Table("Soak", ("setting", "value"))
    table.add(
        "mode", "kill the apply with SIGKILL at a random PUT, re-run it" if o.kill else "apply, then check"
    )
    table.add("runs", f"{o.runs}, seeds {o.seed} to {o.seed + o.runs - 1}")
    table.add("locations", f"{o.locations}, every one drifted; {o.prefix_drift} of them in routingPrefix too")
    table.add("concurrency (--concurrency)", str(o.concurrency))
    table.add("5xx", f"{o.fail_rate:.1%} of requests answer 500/502/503/504")
    table.add("dropped connections", f"{o.drop_rate:.1%} of requests")
    table.add("latency", f"{o.latency_ms:g} ms ± {o.jitter_ms:g} ms")
    limits = []
    if o.rate_limit:
        limits.append(f"{o.rate_limit:g}/s (token bucket)")
    if o.rate_window is not None:
        limits.append(
            f"{o.rate_window.requests} requests in any {o.rate_window.seconds:g} s (sliding window)"
        )
    table.add("rate limit", " and ".join(limits) or "none")
    table.add(
        "Retry-After of the 429s", f"whole seconds on odd runs, {o.malformed_retry_after!r} on even ones"
    )
    table.add("routing-prefix 409s", f"the first {o.prefix_conflicts} prefix changes of each run")
    if o.failing_jobs:
        table.add("failing routing-prefix jobs", f"the next {o.failing_jobs} jobs of each run")
    table.add("routing-prefix job length", f"{o.job_seconds:g} s")
    table.add("timeout of each CLI process", f"{o.timeout:g} s")
    machine_rows(table, load)
    return table


def problems_table(results: Sequence[RunResult], limit: int = 50) -> Table | None:
    rows = [(str(r.index + 1), problem) for r in results for problem in r.problems]
    if not rows:
        return None
    table = Table(
        f"Problems ({len(rows)}" + (f", the first {limit} shown)" if len(rows) > limit else ")"),
        ("run", "what"),
    )
    table.rows.extend(rows[:limit])
    return table


@dataclass(frozen=True)
class Verdicts:
    failed_steps: int
    divergent: int
    unneeded: int | None  # None: not a --kill soak

    @classmethod
    def of(cls, results: Sequence[RunResult]) -> Verdicts:
        kills = [r.kill for r in results if r.kill is not None]
        return cls(
            failed_steps=sum(r.failed_steps + (not r.final.reported) for r in results),
            divergent=sum(not r.converged for r in results),
            unneeded=sum(len(k.unneeded) for k in kills) if kills else None,
        )

    @property
    def met(self) -> bool:
        return self.failed_steps == 0 and self.divergent == 0 and not self.unneeded

    def table(self, runs: int) -> Table:
        table = Table("Targets", ("target", "measured", "verdict"))
        table.add(
            "0 failed steps (an apply with no report counts as one)",
            str(self.failed_steps),
            verdict(self.failed_steps == 0),
        )
        table.add(
            "0 divergent final states (a plan afterwards shows no change)",
            f"{self.divergent} of {runs} runs",
            verdict(self.divergent == 0),
        )
        if self.unneeded is not None:
            table.add(
                "0 PUTs of a re-run that were not needed", str(self.unneeded), verdict(self.unneeded == 0)
            )
        return table


def soak(options: SoakOptions, markdown: bool = False) -> tuple[list[RunResult], Verdicts]:
    load = load_average()
    runner = Soak(options)
    results = []
    started = time.perf_counter()
    for index in range(options.runs):
        progress(f"run {index + 1}/{options.runs}")
        result = runner.run(index)
        results.append(result)
        progress(
            f"run {index + 1}: {result.final.summary['applied']} applied, {result.failed_steps} failed, "
            f"{'converged' if result.converged else 'NOT converged'}, {seconds(result.wall)}"
        )
    verdicts = Verdicts.of(results)
    tables = [settings_table(options, load), run_table(results, options.kill)]
    problems = problems_table(results)
    if problems is not None:
        tables.append(problems)
    tables.append(verdicts.table(options.runs))
    show(tables, markdown)
    print(f"\nsoak wall time: {seconds(time.perf_counter() - started)}; {MET if verdicts.met else MISSED}")
    return results, verdicts


# --- command line --------------------------------------------------------------------------------------


def optional_rate_window(text: str) -> RateWindow | None:
    return None if text.strip().lower() == "none" else rate_window(text)


def share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def parser() -> argparse.ArgumentParser:
    d = SoakOptions()
    p = argparse.ArgumentParser(
        description="Soak wxc-reconcile apply under combined faults over HTTP (see bench/README.md)."
    )
    p.add_argument("--runs", type=positive_int, default=d.runs, help=f"applies in a row (default {d.runs})")
    p.add_argument(
        "--locations",
        type=positive_int,
        default=d.locations,
        help=f"drifted locations (default {d.locations})",
    )
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the first run; run i uses seed + i")
    p.add_argument("--concurrency", type=positive_int, default=d.concurrency, help="the CLI's --concurrency")
    p.add_argument(
        "--fail-rate", type=share, default=d.fail_rate, help=f"share of 5xx (default {d.fail_rate})"
    )
    p.add_argument(
        "--drop-rate",
        type=share,
        default=d.drop_rate,
        help=f"share of dropped requests (default {d.drop_rate})",
    )
    p.add_argument("--latency-ms", type=float, default=d.latency_ms, help="latency of every answer")
    p.add_argument("--jitter-ms", type=float, default=d.jitter_ms, help="latency varies by up to this much")
    p.add_argument("--rate-limit", type=float, default=d.rate_limit, help="token bucket: requests per second")
    p.add_argument(
        "--rate-window",
        type=optional_rate_window,
        default=d.rate_window,
        metavar="N/SECONDS",
        help=f"sliding window per org (default {d.rate_window}); 'none' for no window",
    )
    p.add_argument(
        "--malformed-retry-after",
        default=d.malformed_retry_after,
        metavar="TEXT",
        help=f"the Retry-After of every second run's 429s (default {d.malformed_retry_after!r})",
    )
    p.add_argument(
        "--prefix-drift", type=int, default=d.prefix_drift, help="locations whose routingPrefix drifts too"
    )
    p.add_argument(
        "--prefix-conflicts", type=int, default=d.prefix_conflicts, help="prefix changes answered 409 per run"
    )
    p.add_argument("--failing-jobs", type=int, default=d.failing_jobs, help="prefix jobs that fail, per run")
    p.add_argument("--job-seconds", type=float, default=d.job_seconds, help="length of a prefix job")
    p.add_argument("--kill", action="store_true", help="SIGKILL each apply at a random PUT, then re-run it")
    p.add_argument("--timeout", type=float, default=d.timeout, help="seconds each CLI process may take")
    p.add_argument("--markdown", action="store_true", help="print markdown tables")
    return p


def options_of(args: argparse.Namespace) -> SoakOptions:
    """The options' destinations are SoakOptions' field names."""
    return SoakOptions(**{f.name: getattr(args, f.name) for f in dataclasses.fields(SoakOptions)})


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not 0 <= args.prefix_drift <= args.locations:
        parser().error("--prefix-drift must be between 0 and --locations")
    _, verdicts = soak(options_of(args), args.markdown)
    return 0 if verdicts.met else 1


if __name__ == "__main__":
    sys.exit(main())
