"""Places: where each container of plain data was written, recorded from ruamel's tree or the fast path."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler.desired import InvalidInput, load_desired
from reconciler.desired.places import Places, from_round_trip


def round_trip(text: str) -> tuple[object, Places]:
    places = Places()
    return from_round_trip(YAML(typ="rt").load(text), places), places


def test_keys_values_and_items_are_recorded_zero_based_by_container() -> None:
    plain, places = round_trip("a: 1\nb:\n  - x\n  - {c: 2}\n")
    assert isinstance(plain, dict)
    assert places.start(plain) == (0, 0)
    assert places.key(plain, "a") == (0, 0, 0, 3)
    assert places.key(plain, "b") == (1, 0, 2, 2)
    items = plain["b"]
    assert places.start(items) == (2, 2)
    assert [places.item(items, 0), places.item(items, 1)] == [(2, 4), (3, 4)]
    assert places.key(items[1], "c") == (3, 5, 3, 8)


def test_what_the_table_does_not_know_is_none_never_an_error() -> None:
    plain, places = round_trip("a: [1]\n")
    assert isinstance(plain, dict)
    assert places.key(plain, "missing") is None
    assert places.item(plain["a"], 1) is None and places.item(plain["a"], -1) is None
    assert places.key(plain["a"], "a") is None  # a list asked for a key
    assert places.item(plain, 0) is None  # a mapping asked for an item
    assert places.start({"an": "equal dict"}) is None  # known by identity, not by value
    assert places.start("scalar") is None


def test_an_alias_gets_its_own_plain_copy_placed_where_the_anchor_was_written() -> None:
    plain, places = round_trip("a: &x {k: 1}\nb: *x\n")
    assert isinstance(plain, dict)
    assert plain["a"] == plain["b"] and plain["a"] is not plain["b"]
    assert places.key(plain["a"], "k") == places.key(plain["b"], "k") == (0, 7, 0, 10)


def test_round_trip_types_become_plain_types() -> None:
    plain, _ = round_trip("a: 0o17\nb: !!str 12\nc: 1.5\nd: yes\ne: [x]\n")
    assert plain == {"a": 15, "b": "12", "c": 1.5, "d": "yes", "e": ["x"]}
    assert isinstance(plain, dict)
    assert [type(v) for v in plain.values()] == [int, str, float, str, list]


@pytest.mark.parametrize("valid", [True, False])
def test_loading_pauses_the_garbage_collector_and_gives_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, valid: bool
) -> None:
    """Loading turns the cyclic collector off (it would rescan every object built) and on again, also
    when the input is invalid; a caller that had it off keeps it off."""
    path = tmp_path / "s.yaml"
    path.write_text("version: 1\nlocations:\n  - name: A\n" if valid else "version: 2\n")
    seen: list[bool] = []
    original = Places.add

    def spy(self: Places, *args: Any) -> None:
        seen.append(gc.isenabled())
        original(self, *args)

    monkeypatch.setattr(Places, "add", spy)
    try:
        for enabled_before in (True, False):
            gc.enable() if enabled_before else gc.disable()
            try:
                load_desired(str(path))
            except InvalidInput:
                assert not valid
            else:
                assert valid
            assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
    assert seen and not any(seen)
