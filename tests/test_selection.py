"""--location and --exclude: which locations a run acts on, and how a saved plan records it."""

from __future__ import annotations

import json

from reconciler.selection import EVERYTHING, Selection
from reconciler.shape import Node


def test_everything_picks_every_name() -> None:
    assert EVERYTHING.everything
    assert all(EVERYTHING.picks(name) for name in ("Denver", "", "*"))


def test_locations_are_globs_and_exclude_wins() -> None:
    selection = Selection(("D*", "Paris"), ("Dallas",))
    assert [n for n in ("Denver", "Dallas", "Paris", "Paris 2", "denver") if selection.picks(n)] == [
        "Denver",
        "Paris",
    ]


def test_exclude_alone_leaves_the_others() -> None:
    selection = Selection(exclude=("Lab-*",))
    assert not selection.everything
    assert [n for n in ("Lab-1", "Denver") if selection.picks(n)] == ["Denver"]


def test_unmatched_names_the_location_patterns_that_match_nothing() -> None:
    selection = Selection(("D*", "Nowhere", "P?ris"), ("Zzz",))
    # An exclude that matches nothing is no typo to report: it leaves nothing out.
    assert selection.unmatched(["Denver", "Paris"]) == ["Nowhere"]
    assert selection.unmatched(iter(["Denver", "Paris"])) == ["Nowhere"]  # any iterable, read once


def test_str_says_the_flags_as_written() -> None:
    assert str(EVERYTHING) == "every location"
    assert str(Selection(("D*",), ("Dallas",))) == "--location D* --exclude Dallas"


def test_str_shows_a_terminal_escape_instead_of_acting_on_it() -> None:
    shown = str(Selection(("\x1b[2Jx",)))
    assert "\x1b" not in shown and shown.startswith("--location ")


def test_to_dict_and_from_node_round_trip() -> None:
    for selection in (EVERYTHING, Selection(("D*", "Paris"), ("Dallas",)), Selection(exclude=("X",))):
        data = json.loads(json.dumps(selection.to_dict()))
        assert Selection.from_node(Node(data)) == selection
