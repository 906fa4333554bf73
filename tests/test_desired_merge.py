"""Defaults layered from a project file: the project's, then the org's, then the file's, then the
location's own value; each value, and each error in it, at the file and line it was written in."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.desired.loader import load_file
from reconciler.desired.merge import layer_of
from reconciler.desired.model import DesiredState, InvalidInput
from reconciler.project import OrgEntry

PROJECT = """\
version: 1
defaults:
  announcementLanguage: en_us
  outsideDialDigit: "9"
  routingPrefix: "100"
  externalCallerIdName: Project
orgs:
  acme:
    paths: [acme.yaml]
    defaults:
      outsideDialDigit: "8"
      routingPrefix: "200"
      externalCallerIdName: Org
"""
LOCATIONS = """\
version: 1
defaults:
  routingPrefix: "300"
  externalCallerIdName: File
locations:
  - name: Denver
    externalCallerIdName: Location
"""


def org_in(tmp_path: Path, project: str = PROJECT, locations: str = LOCATIONS) -> OrgEntry:
    """The org with its layers as read from the project file, but not checked by the project's reader
    (which refuses a broken defaults block itself, before any org: see tests/test_project.py), so that
    what the merge says of each layer is seen here."""
    (tmp_path / "wxc-reconcile.yaml").write_text(project)
    (tmp_path / "acme.yaml").write_text(locations)
    document, problems = load_file(str(tmp_path / "wxc-reconcile.yaml"))
    assert document is not None and not problems
    layers = (layer_of(document, ("defaults",)), layer_of(document, ("orgs", "acme", "defaults")))
    return OrgEntry("acme", None, (str(tmp_path / "acme.yaml"),), {}, layers)


def loaded(org: OrgEntry) -> DesiredState:
    return load_desired(org.paths, org.layers)


def errors_of(org: OrgEntry) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        loaded(org)
    return [str(error) for error in caught.value.errors]


def test_each_layer_wins_over_the_one_under_it(tmp_path: Path) -> None:
    [denver] = loaded(org_in(tmp_path)).locations
    assert denver.details == {
        "announcementLanguage": "en_us",  # only the project says it
        "outsideDialDigit": "8",  # the org over the project
        "routingPrefix": "300",  # the file over the org
        "externalCallerIdName": "Location",  # the location over them all
    }


def test_a_location_null_wins_over_every_layer(tmp_path: Path) -> None:
    locations = "version: 1\nlocations:\n  - name: Denver\n    outsideDialDigit: null\n"
    [denver] = loaded(org_in(tmp_path, locations=locations)).locations
    assert denver.details["outsideDialDigit"] is None
    assert denver.details["routingPrefix"] == "200"


def test_an_invalid_project_default_is_reported_at_the_project_files_line(tmp_path: Path) -> None:
    project = PROJECT.replace('routingPrefix: "100"', 'routingPrefix: "abc"')
    [error] = errors_of(org_in(tmp_path, project, "version: 1\nlocations:\n  - name: Denver\n"))
    assert (
        error
        == f'{tmp_path}/wxc-reconcile.yaml:5:18: routingPrefix must be 1 to 7 digits, e.g. "212", not "abc"'
    )


def test_an_invalid_org_default_is_reported_at_the_orgs_line(tmp_path: Path) -> None:
    project = PROJECT.replace("externalCallerIdName: Org", "chargeNumber: '123'")
    [error] = errors_of(org_in(tmp_path, project))
    assert error.startswith(f"{tmp_path}/wxc-reconcile.yaml:13:21: chargeNumber must be an E.164 number")


def test_a_rule_broken_by_a_merged_project_default_points_at_the_project(tmp_path: Path) -> None:
    # The project's pstn reaches Denver whole; what it lacks is said where it was written.
    project = PROJECT.replace(
        '  outsideDialDigit: "9"\n', '  outsideDialDigit: "9"\n  pstn: {type: LOCAL_GATEWAY}\n', 1
    )
    errors = errors_of(org_in(tmp_path, project))
    assert errors and all(
        e.startswith(f"{tmp_path}/wxc-reconcile.yaml:5:3: pstn type LOCAL_GATEWAY") for e in errors
    )


def test_a_defaults_block_is_checked_even_when_no_location_uses_it(tmp_path: Path) -> None:
    # Every location sets the field itself, and the org has none at all: the block is still checked.
    project = PROJECT.replace("announcementLanguage: en_us", "announcementLanguage: EN_US")
    [error] = errors_of(org_in(tmp_path, project, "version: 1\nlocations: []\n"))
    said = 'announcementLanguage must be lower-case: write "en_us", not "EN_US"'
    assert error == f"{tmp_path}/wxc-reconcile.yaml:3:25: {said}"


def test_layers_are_not_needed_without_a_project(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(LOCATIONS)
    [denver] = load_desired([str(tmp_path / "acme.yaml")]).locations
    assert denver.details == {"routingPrefix": "300", "externalCallerIdName": "Location"}
