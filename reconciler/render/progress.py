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
