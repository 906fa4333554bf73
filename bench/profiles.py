"""Where the reconciler's time goes: the CLI profiled in a separate run (never one of the measured runs).

Two views, each a Table of the top functions:

- cProfile (`python -m cProfile -o FILE -m reconciler ...`): deterministic, cumulative time per function.
  Its overhead is large (pure-Python code such as the YAML scanner runs several times slower under it),
  and for coroutines it counts each resumption as a call and only the time between resumptions, so async
  functions look cheaper than they are. asyncio's own loop frames (`_run`, `Context.run`, `_run_once`)
  contain every callback, counted again at each resumption; they are left out of the table.
- py-spy (`py-spy record --format raw`), when installed: sampling at 100 Hz, little overhead; the share of
  samples in which a function is on the stack (inclusive) and on top of it (own). Idle samples (waiting for
  the network) are not taken, so the shares are of the time the process was on a CPU. Frames on nearly
  every stack (module level, runpy, click, the thin `reconciler/cli` layer, asyncio's loop and runner) are
  left out of the table, and so is importlib; three rows in brackets first say how many samples were
  inside the CLI's command, how many outside it (start-up: the interpreter and module-level imports),
  and how many were importing modules, wherever.
"""

from __future__ import annotations

import pstats
import re
import shutil
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.measure import measured

REPO = Path(__file__).resolve().parent.parent
_LOOP_PLUMBING = re.compile(r"/asyncio/(events|base_events)\.py$")
# Frames on (nearly) every stack, which say nothing of where the time goes: left out of py-spy's table.
_WRAPPERS = (
    "asyncio/events.py",
    "asyncio/base_events.py",
    "asyncio/runners.py",
    "<frozen runpy>",
    "<frozen importlib",
    "runpy.py",
    "click/",
    "reconciler/cli/",
)
_PY_SPY_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>.*?)(?::\d+)?\)$")


def short_path(filename: str) -> str:
    """A file as people read it: relative to site-packages, the standard library or this repository."""
    for marker in ("/site-packages/", "/lib/python3."):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            return rest if marker == "/site-packages/" else rest.split("/", 1)[-1]
    return filename.removeprefix(str(REPO) + "/")


def cprofile_top(
    cli_args: Sequence[str], env: Mapping[str, str], out_file: Path, top: int = 15
) -> tuple[float, list[tuple[str, ...]]]:
    """Run `python -m cProfile -o out_file -m reconciler *cli_args`; its wall time, and rows of
    (cumulative s, own s, calls, function) for the top functions by cumulative time."""
    cmd = [sys.executable, "-m", "cProfile", "-o", str(out_file), "-m", "reconciler", *cli_args]
    run = measured(cmd, env)
    if run.returncode != 0:
        raise RuntimeError(f"the profiled run exited {run.returncode}: {run.stderr[-2000:]}")
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(str(out_file)).stats  # type: ignore[attr-defined]
    rows: list[tuple[str, ...]] = []
    for (filename, line, name), (_, calls, own, cumulative, _) in sorted(
        stats.items(), key=lambda item: item[1][3], reverse=True
    ):
        if _LOOP_PLUMBING.search(filename) or name == "<method 'run' of '_contextvars.Context' objects>":
            continue
        where = f"{short_path(filename)}:{line}" if line else filename
        rows.append((f"{cumulative:.2f}", f"{own:.2f}", str(calls), f"{name} ({where})"))
        if len(rows) == top:
            break
    return run.wall, rows


def py_spy_available() -> bool:
    return shutil.which("py-spy") is not None


def py_spy_top(
    cli_args: Sequence[str], env: Mapping[str, str], out_file: Path, top: int = 15
) -> tuple[float, int, list[tuple[str, ...]]]:
    """Run the CLI under `py-spy record`; its wall time, the samples taken, and rows of
    (inclusive %, own %, function) for the top functions by inclusive share."""
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        raise RuntimeError("py-spy is not installed (python -m pip install py-spy)")
    cmd = [py_spy, "record", "--rate", "100", "--format", "raw", "--output", str(out_file)]
    run = measured([*cmd, "--", sys.executable, "-m", "reconciler", *cli_args], env)
    if run.returncode != 0 or not out_file.exists():
        raise RuntimeError(f"py-spy exited {run.returncode}: {run.stderr[-2000:]}")
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    samples = in_command = importing = 0
    for line in out_file.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        functions = [_function(frame) for frame in stack.split(";")]
        for function in set(functions):
            inclusive[function] += count
        own[functions[-1]] += count
        if any("(reconciler/cli/" in f and not f.startswith("<module> (") for f in functions):
            in_command += count
        if any("(<frozen importlib" in function for function in functions):
            importing += count
    if not samples:
        raise RuntimeError("py-spy took no samples")
    rows: list[tuple[str, ...]] = [
        (f"{100 * in_command / samples:.1f}%", "", "[inside the CLI command]"),
        (
            f"{100 * (samples - in_command) / samples:.1f}%",
            "",
            "[outside it: start-up, module-level imports]",
        ),
        (f"{100 * importing / samples:.1f}%", "", "[importing modules, inside the command or not]"),
    ]
    for function, n in inclusive.most_common():
        if function.startswith("<module> (") or any(f"({w}" in function for w in _WRAPPERS):
            continue
        rows.append((f"{100 * n / samples:.1f}%", f"{100 * own[function] / samples:.1f}%", function))
        if len(rows) == top + 3:
            break
    return run.wall, samples, rows


def _function(frame: str) -> str:
    """`name (file:line)` of a py-spy frame as `name (short file)`: one entry per function, not per line."""
    match = _PY_SPY_FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['name']} ({short_path(match['file'])})"
