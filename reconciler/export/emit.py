"""Pure: YAML text out of the export's ruamel tree, laid out like examples/locations.yaml.

Strings keep their type whoever reads the file: digits are always double-quoted, and a string that a
YAML 1.1 or 1.2 reader would take for something else (`yes`, `0212`, `null`, `~`, `1:20`) is too.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

_STR_TAG = "tag:yaml.org,2002:str"
# ruamel reads YAML 1.2, where `yes` and `1:20` are strings; editors, linters and other tools that read
# YAML 1.1 would see a boolean and a number, so strings are checked against both.
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))


class _Representer(RoundTripRepresenter):
    """ruamel's round-trip representer, but `null` is written out rather than left empty."""


def _represent_none(representer: Any, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


# On the subclass only: ruamel's own representer, used by the loader's tests and others, is untouched.
_Representer.add_representer(type(None), _represent_none)


def digits(value: str) -> str:
    """A string of digits (or an E.164 number), always double-quoted."""
    quoted: str = DoubleQuotedScalarString(value)
    return quoted


def text(value: str) -> str:
    """Any other string: plain when that reads back as the same string in YAML 1.1 and 1.2."""
    if any(str(r.resolve(ScalarNode, value, (True, False))) != _STR_TAG for r in _RESOLVERS):
        return digits(value)
    return value


def comment_text(value: str) -> str:
    """`value` on one line, fit for a comment: a name with a line break must not end the comment."""
    return " ".join(value.split())


def dump(document: Any) -> str:
    """The document as YAML: mappings indented by 2, sequence items by 4 with the dash at 2."""
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # long names and caller IDs stay on one line
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()
