"""Run one command and measure it alone: wall time, CPU time and peak memory of that process only.

`measured(cmd)` starts a fresh helper process (this file run as a script) that starts `cmd`, waits for it,
and reports `resource.getrusage(RUSAGE_CHILDREN)` taken before and after. The helper has no other child,
so the CPU delta is the command's own, and so is `ru_maxrss`, which for RUSAGE_CHILDREN is the largest of
every child ever waited for: in a fresh helper that is the command alone, whatever ran before it in the
benchmark (a plan before an apply, the baseline). Linux reports ru_maxrss in KiB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """One command's run: its own figures, and what it printed."""

    returncode: int
    wall: float  # seconds, from start to exit, as the helper saw it
    user: float  # CPU seconds in user mode (ru_utime delta)
    system: float  # CPU seconds in the kernel (ru_stime delta)
    maxrss_kib: int  # peak resident set size (ru_maxrss; KiB on Linux)
    stdout: str
    stderr: str

    @property
    def cpu(self) -> float:
        return self.user + self.system

    @property
    def peak_mb(self) -> float:
        """Peak memory in MB (10^6 bytes)."""
        return self.maxrss_kib * 1024 / 1e6


def measured(
    cmd: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 3600
) -> Measured:
    """Run `cmd` under a fresh helper process and return its own figures."""
    with tempfile.TemporaryDirectory(prefix="wxc-measure-") as tmp:
        result_file = Path(tmp) / "rusage.json"
        helper = [sys.executable, str(Path(__file__).resolve()), str(result_file), "--", *cmd]
        done = subprocess.run(
            helper, env=dict(env) if env is not None else None, cwd=cwd, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        if not result_file.exists():
            raise RuntimeError(f"the measuring helper failed (exit {done.returncode}): {done.stderr[-2000:]}")
        figures = json.loads(result_file.read_text(encoding="utf-8"))
    return Measured(
        returncode=int(figures["returncode"]),
        wall=float(figures["wall"]),
        user=float(figures["user"]),
        system=float(figures["system"]),
        maxrss_kib=int(figures["maxrss_kib"]),
        stdout=done.stdout,
        stderr=done.stderr,
    )


def _helper(argv: Sequence[str]) -> int:
    """As the helper: `measure.py RESULT_FILE -- CMD...`; the command inherits stdin, stdout and stderr."""
    if len(argv) < 3 or argv[1] != "--":
        print("usage: measure.py RESULT_FILE -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    result_file, cmd = Path(argv[0]), list(argv[2:])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if before.ru_maxrss:
        print("measure.py: not a fresh process (it has waited for a child before)", file=sys.stderr)
        return 1
    start = time.perf_counter()
    returncode = subprocess.call(cmd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {
        "returncode": returncode,
        "wall": wall,
        "user": after.ru_utime - before.ru_utime,
        "system": after.ru_stime - before.ru_stime,
        # This process waited for no child before (checked above): the peak is the command's own.
        "maxrss_kib": after.ru_maxrss,
        "pid": os.getpid(),
    }
    result_file.write_text(json.dumps(figures), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_helper(sys.argv[1:]))
