"""The project file: one config repo, many orgs.

`wxc-reconcile.yaml` at the repo's root names each org a run may act in: a short key, its `orgId` (none:
the token's own org), the desired-state paths (relative to the project file) and the names of the
environment variables its credentials come from, never their values. Location defaults layer from the
project, then the org, then a desired file's own `defaults`, then the location itself.

It is read like any desired-state file (size, encoding and YAML bombs refused by the same loader) and
checked against `schemas/project.schema.json` before anything else happens.
"""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reconciler.desired import rules
from reconciler.desired.display import printable
from reconciler.desired.fields import field_label
from reconciler.desired.loader import Document, JsonPath, load_file, position_at
from reconciler.desired.merge import FieldSet, layer_of
from reconciler.desired.model import InputError, InvalidInput, Position
from reconciler.desired.schema import describe_error, owned_by_rules
from reconciler.shipped import json_schema

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

PROJECT_FILE = "wxc-reconcile.yaml"
SCHEMA_FILE = "project.schema.json"
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
# What `credentials` may name, and the variable each falls back to when neither the org nor the
# project names one.
CREDENTIALS = {
    "accessToken": "WEBEX_ACCESS_TOKEN",
    "clientId": "WEBEX_CLIENT_ID",
    "clientSecret": "WEBEX_CLIENT_SECRET",
    "refreshToken": "WEBEX_REFRESH_TOKEN",
}


@dataclass(frozen=True)
class OrgEntry:
    """One org of the project, as a run acts in it."""

    key: str
    org_id: str | None
    paths: tuple[str, ...]  # as the desired-state loader takes them: relative to where the run started
    credentials: Mapping[str, str]  # CREDENTIALS' key -> the environment variable's name
    layers: tuple[FieldSet, ...] = field(default=(), repr=False)  # project, then org defaults


@dataclass(frozen=True)
class Project:
    path: str
    orgs: tuple[OrgEntry, ...]

    @property
    def keys(self) -> list[str]:
        return [org.key for org in self.orgs]

    def select(self, patterns: Sequence[str]) -> list[OrgEntry]:
        """The orgs `patterns` name (shell globs on the key; none: every org), in the file's order.

        A pattern matching no org is an error: a typo must not silently plan nothing.
        """
        if not patterns:
            return list(self.orgs)
        unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(o.key, p) for o in self.orgs)]
        if unmatched:
            known = ", ".join(self.keys[:20]) + (", ..." if len(self.orgs) > 20 else "")
            names = ", ".join(repr(printable(p, 60)) for p in unmatched)
            message = f"--org {names} names no org here ({known})"
            raise InvalidInput([InputError(Position(self.path), message)])
        return [o for o in self.orgs if any(fnmatch.fnmatchcase(o.key, p) for p in patterns)]


def find_project(directory: str | os.PathLike[str] = ".") -> str | None:
    """The project file of the directory a run starts in, if there is one."""
    candidate = os.path.join(directory, PROJECT_FILE)
    return os.path.relpath(candidate) if os.path.isfile(candidate) else None


def load_project(path: str) -> Project:
    """Read and check the project file; InvalidInput with every error, at its line, otherwise."""
    document, errors = load_file(path)
    if document is None:
        raise InvalidInput(errors)
    errors.extend(_schema_errors(document))
    # The defaults blocks are checked here once, not again in every org they reach.
    errors.extend(rules.check([], _defaults_blocks(document)))
    if errors:
        raise InvalidInput(errors)
    project = _build(document)
    problems = [*_same_org_twice(document), *_missing_paths(document, project)]
    if problems:
        raise InvalidInput(problems)
    return project


def _defaults_blocks(document: Document) -> list[FieldSet]:
    """The project's defaults and each org's, as far as the document has them (it may be broken)."""
    orgs = document.plain.get("orgs")
    keys = list(orgs) if isinstance(orgs, dict) else []
    orgs_defaults = [layer_of(document, ("orgs", key, "defaults")) for key in keys]
    return [layer_of(document, ("defaults",)), *orgs_defaults]


def _build(document: Document) -> Project:
    plain = document.plain
    base = os.path.dirname(document.path)
    shared_credentials = {**CREDENTIALS, **plain.get("credentials", {})}
    project_layer = layer_of(document, ("defaults",))
    orgs = []
    for key, entry in plain["orgs"].items():
        orgs.append(
            OrgEntry(
                key=key,
                org_id=entry.get("orgId"),
                paths=tuple(os.path.normpath(os.path.join(base, p)) for p in entry["paths"]),
                credentials={**shared_credentials, **entry.get("credentials", {})},
                layers=(project_layer, layer_of(document, ("orgs", key, "defaults"))),
            )
        )
    return Project(document.path, tuple(orgs))


def _same_org_twice(document: Document) -> list[InputError]:
    """Two keys acting in one org would plan against each other."""
    errors: list[InputError] = []
    first: dict[str | None, str] = {}
    for key, entry in document.plain["orgs"].items():
        org_id = entry.get("orgId")
        if org_id in first:
            which = f"orgId {printable(org_id, 80)}" if org_id else "the token's own org (no orgId)"
            message = f"org {key!r} acts in {which}, as org {first[org_id]!r} does; give each org once"
            # at the orgId, or at the org's key when it has none (there is no orgId to point at)
            where = position_at(document, ("orgs", key, "orgId") if org_id else ("orgs", key), key=not org_id)
            errors.append(InputError(where, message))
        else:
            first[org_id] = key
    return errors


def _missing_paths(document: Document, project: Project) -> list[InputError]:
    errors: list[InputError] = []
    for org in project.orgs:
        for index, path in enumerate(org.paths):
            if not os.path.exists(path):
                where = position_at(document, ("orgs", org.key, "paths", index))
                errors.append(InputError(where, f"org {org.key!r}: no such file or directory: {path}"))
    return errors


def _schema_errors(document: Document) -> list[InputError]:
    errors = []
    for error in _validator().iter_errors(document.plain):
        path = tuple(error.absolute_path)
        if _owned_by_rules(path, str(error.validator)):
            continue
        where = ".".join(str(step) for step in path) or "the file"
        if "propertyNames" in error.schema_path and isinstance(error.instance, str):  # a bad key
            position = position_at(document, (*path, error.instance), key=True)
            errors.append(InputError(position, f"{printable(repr(error.instance), 60)} is not {_KEY_RULE}"))
        elif error.validator in _OWN_MESSAGES:
            errors.append(InputError(position_at(document, path), f"{where}: {_message(error)}"))
        else:  # told as in a desired-state file: an unknown field at its key, a digit's quoted form
            errors.extend(describe_error(document, path, error))
    return errors


# What the desired-state files' messages would say wrongly here: a pattern explained by its description
# (a variable's name, not a field's format), and an `orgs` mapping that must not be empty.
_OWN_MESSAGES = frozenset({"pattern", "minProperties"})


def _owned_by_rules(path: JsonPath, keyword: str) -> bool:
    """A defaults block's field format that the desired state's rules check when each org is loaded
    (at this file's line, with their clearer message): reported there, not twice."""
    if path[:1] == ("defaults",):
        inside = path[1:]
    elif len(path) > 3 and path[0] == "orgs" and path[2] == "defaults":
        inside = path[3:]
    else:
        return False
    return (keyword, field_label(("defaults", *inside))) in owned_by_rules()


_KEY_RULE = "an org key: 1 to 40 lowercase letters, digits, '-' or '_', starting with a letter or digit"


def _message(error: Any) -> str:
    if error.validator == "pattern" and error.schema.get("description"):
        return f"{printable(repr(error.instance), 80)} does not match: {error.schema['description']}"
    return printable(error.message, 200)


@functools.cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json_schema(SCHEMA_FILE))
