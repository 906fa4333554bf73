"""The fast path builds exactly the tree ruamel's round-trip loader would, or steps aside."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler.desired import fastload
from reconciler.desired.places import Places, from_round_trip

REPO = Path(__file__).resolve().parent.parent


def positions(node: Any, places: Places, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    """Every line/column recorded, by path: each collection's own, each key's and value's, each item's."""
    found: dict[tuple[Any, ...], Any] = {}
    if isinstance(node, dict | list):
        found[path] = places.start(node)
    if isinstance(node, dict):
        for key, value in node.items():
            found[(*path, key)] = places.key(node, key)
            found.update(positions(value, places, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found[(*path, index)] = places.item(node, index)
            found.update(positions(value, places, (*path, index)))
    return found


def assert_same_as_ruamel(text: str) -> None:
    """The fast path's data and positions are exactly those ruamel's round-trip tree records."""
    fast, fast_places = fastload.parse(text)
    slow_places = Places()
    slow = from_round_trip(YAML(typ="rt").load(text), slow_places)
    assert fast == slow
    assert all(type(a) is type(b) for a, b in zip(leaves(fast), leaves(slow), strict=True))
    recorded = positions(slow, slow_places)
    assert None not in recorded.values()  # ruamel knows where every part is: the comparison means something
    assert positions(fast, fast_places) == recorded


def leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in leaves(value)]
    return [node]


def test_the_example_file_is_built_exactly_as_ruamel_builds_it() -> None:
    assert_same_as_ruamel((REPO / "examples" / "locations.yaml").read_text())


def test_types_and_styles_of_ordinary_values() -> None:
    assert_same_as_ruamel(
        "version: 1\n"
        "defaults:\n  enforceOutsideDialDigit: TRUE\n"
        "locations:\n"
        "  - name: 'Quoted'\n    outsideDialDigit: null\n    routingPrefix: ~\n"
        '    externalCallerIdName: "Big Corp: HQ"\n    enforceOutsideDialDigit: false\n'
        "    pstn: {type: LOCAL_GATEWAY, trunk: T1}\n"
        "  - name: |\n      Block\n    callingLineId:\n      name: >-\n        folded\n        text\n"
        "  - {name: Flow, routingPrefix: '212'}\n"
        "  - name: Denver # a comment\n    announcementLanguage: en_us\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # tags
        "a: !local x\n",
        "a: 1\na: 2\n",  # duplicate keys
        "1: x\n",  # a key that is not text
        "true: x\n",
        "a:\n",  # an empty value (ruamel marks it elsewhere)
        "a: yes\n",  # YAML 1.1 booleans
        "a: on\n",
        "a: 0212\n",  # numbers beyond plain decimal integers
        "a: 1.5\n",
        "a: 0x1f\n",
        "a: .inf\n",
        "a: 2026-11-22\n",  # dates
        "a: 12345678901234567890\n",  # long integers
        "<<: {a: 1}\n",  # merge keys
        "%YAML 1.2\n---\na: 1\n",  # directives
        "a: 1\n---\nb: 2\n",  # several documents
        "a: [1\n",  # syntax errors
        "- a\n- b\n",  # not a mapping
        "",  # empty
        "a: " + "[" * 70 + "]" * 70 + "\n",  # deeper than the guard allows
        'a: "Big\\ud800Corp"\n',  # a surrogate escape, lone or in a pair
        'a: "\\ud83d\\ude00"\n',
    ],
)
def test_anything_that_needs_care_goes_to_the_full_loader(text: str) -> None:
    with pytest.raises(fastload.Fallback):
        fastload.parse(text)


def test_a_surrogate_escape_goes_to_the_full_loader_whatever_libyaml_does() -> None:
    # libyaml refuses "\ud800" itself today; the fast path does not rely on it.
    event = SimpleNamespace(value="Big\ud800Corp", style='"')
    with pytest.raises(fastload.Fallback):
        fastload._scalar(event)
    assert fastload._scalar(SimpleNamespace(value="Zürich", style='"')) == "Zürich"
