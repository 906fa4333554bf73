"""Progress for long runs: on stderr, and only when stderr is a terminal (CI logs stay clean)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@contextmanager
def progress(console: Console, description: str) -> Iterator[Callable[[Any], None]]:
    """A callback that counts one more thing done; silent when `console` is not a terminal."""
    if not console.is_terminal:
        yield lambda _done: None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed}"))
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda _done: bar.advance(task)


def job_progress(console: Console) -> Callable[[str, str], None] | None:
    """Says when a routing-prefix job's status changes, on a terminal only (it can take minutes)."""
    if not console.is_terminal:
        return None
    last: dict[str, str] = {}

    def show(job_id: str, status: str) -> None:
        if last.get(job_id) != status:
            last[job_id] = status
            console.print(f"routing-prefix job {job_id}: {status}", style="dim", markup=False)

    return show


def pause_notice(console: Console) -> Callable[[float, float, float], None] | None:
    """Says when the org asks the run to wait (a rate limit), and how much of --max-wait is used, on a
    terminal only: a wait of minutes should not look like a hang."""
    if not console.is_terminal:
        return None

    def show(asked: float, paused: float, budget: float) -> None:
        console.print(
            f"the org asked to wait {asked:.0f} s (rate limit); "
            f"{paused:.0f} s of --max-wait {budget:.0f} s used",
            style="dim",
            markup=False,
        )

    return show
