"""reconciler/cli/__init__.py: the console-script entry point's process-wide decisions."""

from __future__ import annotations

import gc
import sys

import pytest

from reconciler import cli


def test_main_freezes_what_the_imports_made_before_running_a_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """gc.freeze() first: a large plan's full collections would otherwise rescan every module's objects."""
    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(sys, "argv", ["wxc-reconcile", "--version"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 0
    assert calls == ["freeze"]
    assert "wxc-reconcile" in capsys.readouterr().out
