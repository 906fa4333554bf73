"""End to end: the installed `wxc-reconcile export` against the simulator on 127.0.0.1 over real HTTP.

The exported file is fed back to the installed `validate` and `plan`: the round trip as a user runs it.
"""

from __future__ import annotations

from pathlib import Path

from clirun import EXAMPLE, wxc

from reconciler.desired import load_desired
from reconciler.sandbox import ServerThread

ALL = ["Denver", "Paris", "Berlin", "London", "Chicago"]


def names_in(path: Path) -> list[str]:
    return [loc.name for loc in load_desired(path).locations]


def test_exported_file_validates_and_plans_to_no_changes(server: ServerThread, tmp_path: Path) -> None:
    out = tmp_path / "locations.yaml"
    exported = wxc("export", "--output", str(out), base_url=server.base_url)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == ""
    # Rich may wrap a long path onto its own line; the words are what matters here.
    assert exported.stderr.strip() == f"Wrote {out}."
    assert names_in(out) == ALL

    validated = wxc("validate", str(out))
    assert validated.returncode == 0, validated.stdout + validated.stderr

    planned = wxc("plan", str(out), "--detailed-exitcode", base_url=server.base_url)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes" in planned.stdout
    assert {r.method for r in server.requests} == {"GET"}
    assert all(r.headers.get("authorization") is None for r in server.requests)


def test_export_after_apply_plans_to_no_changes(server: ServerThread, tmp_path: Path) -> None:
    applied = wxc("apply", str(EXAMPLE), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    out = tmp_path / "after.yaml"
    assert wxc("export", "--output", str(out), base_url=server.base_url).returncode == 0
    text = out.read_text(encoding="utf-8")
    assert "trunk: Denver-LGW" in text
    assert 'routingPrefix: "212"' in text
    planned = wxc("plan", str(out), "--detailed-exitcode", base_url=server.base_url)
    assert planned.returncode == 0, planned.stdout + planned.stderr


def test_export_to_stdout(server: ServerThread, tmp_path: Path) -> None:
    exported = wxc("export", base_url=server.base_url)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("# Webex Calling locations exported from the org by wxc-reconcile ")
    assert "\nversion: 1\nlocations:\n" in exported.stdout
    saved = tmp_path / "stdout.yaml"
    saved.write_text(exported.stdout, encoding="utf-8")
    assert names_in(saved) == ALL


def test_location_options_export_exactly_those(server: ServerThread, tmp_path: Path) -> None:
    exported = wxc("export", "--location", "Paris", "--location", "Berlin", base_url=server.base_url)
    assert exported.returncode == 0, exported.stderr
    saved = tmp_path / "two.yaml"
    saved.write_text(exported.stdout, encoding="utf-8")
    assert names_in(saved) == ["Paris", "Berlin"]
    assert wxc("plan", str(saved), "--detailed-exitcode", base_url=server.base_url).returncode == 0


def test_unknown_location_exits_3_with_the_message(server: ServerThread, tmp_path: Path) -> None:
    out = tmp_path / "never.yaml"
    exported = wxc(
        "export", "--location", "Paris", "--location", "Pari", "--output", str(out), base_url=server.base_url
    )
    assert exported.returncode == 3, exported.stdout + exported.stderr
    assert exported.stdout == ""
    assert (
        "<command line>:1:1: location 'Pari' not found in the org; did you mean 'Paris'? "
        "calling-enabled locations: Berlin, Chicago, Denver, London, Paris"
    ) in exported.stderr
    assert not out.exists()


def test_a_wrong_token_is_an_error_that_does_not_show_the_token(server: ServerThread) -> None:
    exported = wxc("export", base_url=server.base_url, token="not-the-right-token")
    assert exported.returncode == 1, exported.stdout + exported.stderr
    assert "not-the-right-token" not in exported.stdout + exported.stderr
    assert "401" in exported.stderr
    assert exported.stdout == ""
