"""A fast yes-or-don't-know check of an instance against a JSON Schema, compiled once into closures.

jsonschema explains errors well but spends ~10 microseconds on every node it visits, which is most of
a second for a file of 10,000 locations. Almost every location in a real file is valid, so the schema
module asks this check first and lets jsonschema look only at what the check could not vouch for.

The check is conservative by construction: it answers True only when the instance certainly satisfies
the schema. A keyword it does not implement, or a case it does not want to decide (a `const` that is a
list, an integer written as 1.0), makes it answer False, and jsonschema then decides. It implements the
keywords the desired-state schema uses; annotations (`description`, `title`, ...) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples", "deprecated"}
)
_SCALARS = (str, int, float, bool, type(None))


def compile_check(schema: Any, root: Mapping[str, Any] | None = None) -> Check:
    """A function answering True only for instances that are certainly valid against `schema`.

    `root` is the document `$ref`s point into (`#/...` pointers only); by default `schema` itself.
    """
    return _compile(schema, root if root is not None else schema, {})


def _never(_: Any) -> bool:
    return False


def _always(_: Any) -> bool:
    return True


def _compile(schema: Any, root: Any, refs: dict[str, Check]) -> Check:
    if schema is True:
        return _always
    if not isinstance(schema, dict):
        return _never
    checks: list[Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        check = _keyword(keyword, value, schema, root, refs)
        if check is None:
            return _never
        checks.append(check)
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    return lambda instance: all(check(instance) for check in checks)


def _keyword(
    keyword: str, value: Any, schema: dict[str, Any], root: Any, refs: dict[str, Check]
) -> Check | None:
    if keyword == "$ref":
        return _ref(value, root, refs)
    if keyword == "type":
        return _type(value)
    if keyword in ("const", "enum"):
        options = [value] if keyword == "const" else value
        if not isinstance(options, list) or not all(isinstance(o, _SCALARS) for o in options):
            return None
        allowed = {(type(o), o) for o in options}
        return lambda instance: type(instance) in _SCALARS and (type(instance), instance) in allowed
    if keyword == "pattern":
        search = re.compile(value).search
        return lambda instance: not isinstance(instance, str) or search(instance) is not None
    if keyword == "minLength":
        return lambda instance: not isinstance(instance, str) or len(instance) >= value
    if keyword == "maxLength":
        return lambda instance: not isinstance(instance, str) or len(instance) <= value
    if keyword == "minProperties":
        return lambda instance: not isinstance(instance, dict) or len(instance) >= value
    if keyword == "required":
        names = tuple(value)
        return lambda instance: not isinstance(instance, dict) or all(n in instance for n in names)
    if keyword == "properties":
        return _properties(value, root, refs)
    if keyword == "additionalProperties":
        return _additional(value, schema, root, refs)
    if keyword == "items":
        item = _compile(value, root, refs)
        return lambda instance: not isinstance(instance, list) or all(item(i) for i in instance)
    return None


def _ref(pointer: Any, root: Any, refs: dict[str, Check]) -> Check | None:
    if not isinstance(pointer, str) or not pointer.startswith("#"):
        return None
    if pointer not in refs:
        target = root
        for part in pointer[1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return None
            target = target[part]
        refs[pointer] = _never  # a recursive reference is not vouched for
        refs[pointer] = _compile(target, root, refs)
    return refs[pointer]


_TYPES: dict[str, Check] = {
    "string": lambda x: type(x) is str,
    "null": lambda x: x is None,
    "boolean": lambda x: type(x) is bool,
    "object": lambda x: type(x) is dict,
    "array": lambda x: type(x) is list,
    "integer": lambda x: type(x) is int,
    "number": lambda x: type(x) is int or type(x) is float,
}


def _type(value: Any) -> Check | None:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(n in _TYPES for n in names):
        return None
    if len(names) == 1:
        return _TYPES[names[0]]
    kinds = [_TYPES[n] for n in names]
    return lambda instance: any(kind(instance) for kind in kinds)


def _properties(value: Any, root: Any, refs: dict[str, Check]) -> Check | None:
    if not isinstance(value, dict):
        return None
    checks = {name: _compile(sub, root, refs) for name, sub in value.items()}

    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        for name, item in instance.items():
            sub = checks.get(name)
            if sub is not None and not sub(item):
                return False
        return True

    return check


def _additional(value: Any, schema: dict[str, Any], root: Any, refs: dict[str, Check]) -> Check | None:
    if "patternProperties" in schema:
        return None
    known = frozenset(schema.get("properties", {}))
    if value is False:
        return lambda instance: not isinstance(instance, dict) or known.issuperset(instance)
    sub = _compile(value, root, refs)
    return lambda instance: (
        not isinstance(instance, dict)
        or all(sub(item) for name, item in instance.items() if name not in known)
    )
