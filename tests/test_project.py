"""The project file: its orgs, paths, credentials and defaults layers, and every error at its place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.desired.guard import MAX_ALIAS_EXPANSION
from reconciler.desired.model import InvalidInput
from reconciler.project import CREDENTIALS, PROJECT_FILE, Project, find_project, load_project

PROJECT = """\
version: 1
defaults:
  announcementLanguage: en_us
  outsideDialDigit: "9"
credentials:
  accessToken: SHARED_TOKEN
orgs:
  acme:
    orgId: ORG-ACME
    paths: [orgs/acme, shared.yaml]
    defaults:
      outsideDialDigit: "8"
    credentials:
      clientId: ACME_CLIENT_ID
  globex:
    paths: [orgs/globex]
"""


def repo(tmp_path: Path, project: str = PROJECT) -> Path:
    """A config repo with the files PROJECT names; the project file's path."""
    for directory in ("orgs/acme", "orgs/globex"):
        (tmp_path / directory).mkdir(parents=True, exist_ok=True)
    (tmp_path / "shared.yaml").write_text("version: 1\nlocations: []\n")
    path = tmp_path / PROJECT_FILE
    path.write_text(project)
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_project(str(path))
    return [str(error) for error in caught.value.errors]


def test_orgs_come_in_file_order_with_paths_relative_to_the_project(tmp_path: Path) -> None:
    project = load_project(str(repo(tmp_path)))

    assert project.keys == ["acme", "globex"]
    acme, globex = project.orgs
    assert acme.org_id == "ORG-ACME" and globex.org_id is None
    # Relative to the project file, so a run from anywhere reads the same files.
    assert acme.paths == (str(tmp_path / "orgs/acme"), str(tmp_path / "shared.yaml"))
    assert globex.paths == (str(tmp_path / "orgs/globex"),)


def test_credentials_are_names_layered_per_name_over_the_defaults(tmp_path: Path) -> None:
    acme, globex = load_project(str(repo(tmp_path))).orgs

    # The project's accessToken for both, acme's own clientId, the built-in names for the rest.
    assert dict(acme.credentials) == {
        **CREDENTIALS,
        "accessToken": "SHARED_TOKEN",
        "clientId": "ACME_CLIENT_ID",
    }
    assert dict(globex.credentials) == {**CREDENTIALS, "accessToken": "SHARED_TOKEN"}


def test_without_credentials_every_org_reads_the_built_in_variables(tmp_path: Path) -> None:
    path = repo(tmp_path, "version: 1\norgs:\n  acme:\n    paths: [orgs/acme]\n")
    [acme] = load_project(str(path)).orgs
    assert dict(acme.credentials) == CREDENTIALS


def test_layers_are_the_project_defaults_then_the_orgs_each_at_its_line(tmp_path: Path) -> None:
    path = repo(tmp_path)
    acme, globex = load_project(str(path)).orgs

    shared, own = acme.layers
    assert shared.fields == {"announcementLanguage": "en_us", "outsideDialDigit": "9"}
    assert own.fields == {"outsideDialDigit": "8"}
    assert (shared.position("outsideDialDigit").line, own.position("outsideDialDigit").line) == (4, 12)
    assert shared.position("outsideDialDigit").file == str(path)
    assert [layer.fields for layer in globex.layers] == [shared.fields, {}]


def test_find_project_is_the_file_of_the_directory(tmp_path: Path) -> None:
    assert find_project(tmp_path) is None
    repo(tmp_path)
    found = find_project(tmp_path)
    assert found is not None and os.path.samefile(found, tmp_path / PROJECT_FILE)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # a key that is not an org key: at the key itself
        ("  Acme:\n    paths: [orgs/acme]\n", ":8:3: 'Acme' is not an org key"),
        # an unknown field: at that field, with what is allowed
        ("  acme:\n    paths: [orgs/acme]\n    colour: red\n", ":10:5: unknown field 'colour' in orgs.acme"),
        ("  acme:\n    paths: []\n", ":9:12: orgs.acme.paths: [] should be non-empty"),
        ("  acme:\n    orgId: X\n", ":8:3: missing required field 'paths'"),
        ("  acme:\n    paths: [orgs/nope]\n", ":9:13: org 'acme': no such file or directory: "),
        (
            "  acme:\n    paths: [orgs/acme]\n    credentials: {accessToken: 'my token'}\n",
            ":10:32: orgs.acme.credentials.accessToken: 'my token' does not match",
        ),
        (
            "  acme:\n    paths: [orgs/acme]\n    defaults:\n      outsideDialDigit: 9\n",
            ':11:25: outsideDialDigit must be a string of digits; write it quoted: outsideDialDigit: "9"',
        ),
    ],
)
def test_each_error_is_at_its_place(tmp_path: Path, text: str, said: str) -> None:
    # The first seven lines of PROJECT, then the orgs under test.
    path = repo(tmp_path, "".join(PROJECT.splitlines(keepends=True)[:7]) + text)
    [error] = errors_of(path)
    assert error.startswith(str(path) + said), error


def test_two_orgs_in_one_org_are_refused_at_the_second(tmp_path: Path) -> None:
    text = (
        "version: 1\norgs:\n"
        "  acme:\n    orgId: X\n    paths: [orgs/acme]\n"
        "  globex:\n    orgId: X\n    paths: [orgs/globex]\n"
    )
    [error] = errors_of(repo(tmp_path, text))
    assert error.endswith(":7:12: org 'globex' acts in orgId X, as org 'acme' does; give each org once")


def test_two_orgs_without_an_org_id_are_both_the_tokens_own(tmp_path: Path) -> None:
    text = "version: 1\norgs:\n  acme:\n    paths: [orgs/acme]\n  globex:\n    paths: [orgs/globex]\n"
    [error] = errors_of(repo(tmp_path, text))
    assert error.endswith(
        ":5:3: org 'globex' acts in the token's own org (no orgId), as org 'acme' does; give each org once"
    )


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    text = "version: 2\norgs:\n  Acme:\n    paths: [orgs/acme]\n  globex:\n    paths: [orgs/nope]\n    x: 1\n"
    errors = errors_of(repo(tmp_path, text))
    assert [error.split(": ", 1)[0].rsplit(":", 2)[1] for error in errors] == ["1", "3", "7"]


def test_a_broken_default_is_refused_once_before_any_org_with_the_files_other_errors(tmp_path: Path) -> None:
    # The project's defaults reach both orgs; its bad value is said once, beside a schema error.
    text = PROJECT.replace('outsideDialDigit: "9"', 'outsideDialDigit: "x9"').replace(
        "accessToken: SHARED_TOKEN", "accessToken: SHARED TOKEN"
    )
    errors = errors_of(repo(tmp_path, text))
    assert len(errors) == 2, errors
    assert sum("outsideDialDigit" in error for error in errors) == 1, errors
    assert any(":4:21: outsideDialDigit" in error for error in errors), errors
    assert any(":6:16: credentials.accessToken" in error and "letters, digits" in error for error in errors)


def test_what_is_not_yaml_is_refused_at_its_line(tmp_path: Path) -> None:
    [error] = errors_of(repo(tmp_path, "version: 1\norgs: [\n"))
    assert ":3:1: invalid YAML" in error


def test_an_alias_bomb_is_refused_by_the_shared_loader(tmp_path: Path) -> None:
    levels = "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 8))
    first = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    text = f"version: 1\n{first}{levels}orgs: {{acme: {{paths: [orgs/acme]}}}}\n"
    [error] = errors_of(repo(tmp_path, text))
    assert f"aliases expand this file by more than {MAX_ALIAS_EXPANSION:,} values" in error


def test_a_python_tag_is_refused_not_built(tmp_path: Path) -> None:
    text = "version: 1\norgs: !!python/object/apply:os.system [echo hi]\n"
    [error] = errors_of(repo(tmp_path, text))
    assert ":2:7:" in error and "python/object/apply" in error


# --- select --------------------------------------------------------------------------------------------


def project_of(*keys: str) -> Project:
    from reconciler.project import OrgEntry

    return Project("wxc-reconcile.yaml", tuple(OrgEntry(k, None, (k,), CREDENTIALS) for k in keys))


def test_no_pattern_selects_every_org() -> None:
    assert [o.key for o in project_of("acme", "globex").select(())] == ["acme", "globex"]


def test_globs_select_in_the_files_order_each_once() -> None:
    project = project_of("acme-us", "globex", "acme-eu", "initech")
    chosen = project.select(["acme-*", "*-eu", "initech"])
    assert [o.key for o in chosen] == ["acme-us", "acme-eu", "initech"]


def test_globs_are_case_sensitive_and_whole() -> None:
    project = project_of("acme", "acme2")
    assert [o.key for o in project.select(["acme"])] == ["acme"]
    with pytest.raises(InvalidInput):
        project.select(["ACME"])


def test_a_pattern_naming_no_org_is_an_error_listing_the_keys() -> None:
    with pytest.raises(InvalidInput) as caught:
        project_of("acme", "globex").select(["acme", "globx", "z*"])
    assert str(caught.value) == "wxc-reconcile.yaml:1:1: --org 'globx', 'z*' names no org here (acme, globex)"


def test_a_long_list_of_keys_is_cut() -> None:
    keys = [f"org{i:02}" for i in range(30)]
    with pytest.raises(InvalidInput) as caught:
        project_of(*keys).select(["nope"])
    message = str(caught.value)
    assert "org19, ..." in message and "org20" not in message


def test_a_comma_is_no_separator_here_the_command_line_splits_lists() -> None:
    with pytest.raises(InvalidInput, match="'acme,globex' names no org"):
        project_of("acme", "globex").select(["acme,globex"])
