"""Progress on a terminal: a long wait for the org's rate limit is said, so it does not look like a hang."""

from __future__ import annotations

import io

from rich.console import Console

from reconciler.render.progress import pause_notice


def test_a_pause_is_said_on_a_terminal_with_the_budget_used() -> None:
    screen = io.StringIO()
    show = pause_notice(
        Console(file=screen, force_terminal=True, highlight=False, color_system=None, width=200)
    )
    assert show is not None
    show(194.0, 200.0, 1800.0)
    assert "the org asked to wait 194 s (rate limit); 200 s of --max-wait 1800 s used" in screen.getvalue()


def test_nothing_is_said_off_a_terminal() -> None:
    assert pause_notice(Console(file=io.StringIO(), force_terminal=False)) is None
