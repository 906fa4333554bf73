import pytest

from reconciler.shape import Node, ShapeError, check_plain, kind_of


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (None, "null"),
        (True, "true/false"),
        (1, "a number"),
        (1.5, "a number"),
        ("x", "a string"),
        ([], "a list"),
        ({}, "an object"),
    ],
)
def test_kinds_are_said_in_plain_words(value: object, said: str) -> None:
    assert kind_of(value) == said


def test_a_wrong_type_names_its_place_and_both_types() -> None:
    doc = Node({"plan": {"steps": [{"body": [1]}]}})
    body = doc["plan"]["steps"].items()[0]["body"]
    with pytest.raises(ShapeError, match=r"^plan\.steps\[0\]\.body is a list, not an object$"):
        body.object()
    with pytest.raises(ShapeError, match=r"^plan\.steps\[0\]\.kind is missing$"):
        doc["plan"]["steps"].items()[0]["kind"]
    with pytest.raises(ShapeError, match=r"^the document is a list, not an object$"):
        Node([])["plan"]


def test_lists_texts_and_numbers_are_what_they_say() -> None:
    node = Node({"empty": [], "obj": {}, "blank": "", "n": 3, "flag": True, "none": None})
    with pytest.raises(ShapeError, match="empty is an empty list"):
        node["empty"].items(non_empty=True)
    assert node["empty"].items() == []
    with pytest.raises(ShapeError, match="obj is an object, not a list"):
        node["obj"].items()
    with pytest.raises(ShapeError, match="blank is an empty string"):
        node["blank"].text()
    assert node["n"].integer() == 3
    with pytest.raises(ShapeError, match="flag is true/false, not a whole number"):
        node["flag"].integer()
    assert node["none"].optional_text() is None and node.get("absent").value is None
    with pytest.raises(ShapeError, match="n is a number, not a string"):
        node["n"].optional_text()


def test_a_choice_outside_the_known_ones_is_refused_not_read_as_one() -> None:
    with pytest.raises(
        ShapeError, match=r'kind is "internalDialing", which this wxc-reconcile does not know'
    ):
        Node({"kind": "internalDialing"})["kind"].choice(("pstn", "details"))
    assert Node({"kind": "pstn"})["kind"].choice(("pstn", "details")) == "pstn"


def test_nesting_is_bounded_without_recursion() -> None:
    deep: object = "leaf"
    for _ in range(100_000):  # far past Python's recursion limit
        deep = [deep]
    with pytest.raises(ShapeError, match="more than 16 levels deep"):
        check_plain(deep, 16)
    check_plain({"a": [{"b": ["c"]}]}, 4)
    with pytest.raises(ShapeError):
        check_plain({"a": [{"b": ["c"]}]}, 3)


def test_text_that_utf8_cannot_carry_is_refused_in_values_and_keys() -> None:
    with pytest.raises(ShapeError, match=r'lone surrogate \(\\ud800\), which is not Unicode, after "ab"'):
        check_plain({"x": ["ab\ud800"]}, 8)
    with pytest.raises(ShapeError, match=r"\\udc00.*at the start of a text"):
        check_plain({"\udc00": 1}, 8)
    check_plain({"name": "Zürich ☎"}, 8)
