"""Property: any file at all loads as a DesiredState or fails as InvalidInput, every error placed in it.

Three kinds of input: arbitrary bytes; YAML-ish text built from the tokens YAML gives meaning to
(anchors, aliases, tags, merge keys, directives, flow and block syntax, odd scalars); and documents
of the desired-state file's own shape, with wrong types and values mixed in, dumped by ruamel (so
that sets, bytes, dates and non-string keys come out as the tags and forms YAML has for them).
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler.desired import DesiredState, InvalidInput, load_desired
from reconciler.desired.display import UNSAFE

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,  # a 2-core CI machine must not flake on timing
    derandomize=True,  # the same examples on every run and machine
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_names = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("yaml-property")


def check(workdir: Path, content: bytes) -> None:
    """The property, for one file holding `content`."""
    path = workdir / f"f{next(_names)}.yaml"
    path.write_bytes(content)
    try:
        state = load_desired([str(path)])
    except InvalidInput as error:
        event(f"refused ({len(error.errors)} errors)" if len(error.errors) < 3 else "refused (3+ errors)")
        # Lines as YAML counts them (NEL, LS and PS break lines too); marks may point just past the end.
        last_line = len(content.decode("utf-8", errors="replace").splitlines()) + 2
        for found in error.errors:
            assert found.position.file == str(path), found
            assert 1 <= found.position.line <= last_line, found
            assert found.position.col >= 1, found
            assert not UNSAFE.search(found.message), f"unescaped control character in {found.message!r}"
        return
    finally:
        path.unlink()
    event("loaded")
    assert_sendable(state)


def assert_sendable(state: DesiredState) -> None:
    """What loads can be sent: all of its text encodes as UTF-8, as a request body must."""
    for location in state.locations:
        pstn = dataclasses.asdict(location.pstn) if location.pstn is not None else None
        json.dumps([location.name, dict(location.details), pstn], ensure_ascii=False).encode("utf-8")
    assert isinstance(state, DesiredState)


# --- arbitrary bytes ----------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes(workdir: Path, content: bytes) -> None:
    check(workdir, content)


# --- YAML-ish text ------------------------------------------------------------------------------------

TOKENS = [
    "version: 1\n", "locations:\n", "  - name: Denver\n", "  - ", "    ", "name: ", "routingPrefix: ",
    "outsideDialDigit: ", "pstn:\n", "      type: LOCAL_GATEWAY\n", "trunk: ", "callingLineId: ",
    "defaults:\n", "  ", "\n", ": ", "- ", "? ", "[", "]", "{", "}", ", ", "&a ", "&b ", "*a", "*b",
    "<<: ", "<<: *a\n", "!!python/object/apply:os.system ", "!!python/name:os.system ", "!local ",
    "!!binary ", "!!set ", "!!omap ", "!!int ", "!!str ", "!!float ", "!!bool ", "!!null ", "!!map ",
    "!!seq ", "!!merge ", "!!timestamp ", "! ", "!<tag:yaml.org,2002:str> ", "%YAML 1.1\n",
    "%TAG !e! tag:e.com,2000:\n", "---\n", "...\n", "# comment\n", "|\n", ">-\n", '"', "'", "\\",
    "\\x1b", "\\u202e", "\\ud800", "\\udfff", "\\U0000d83d", "0212", "0o17", "0x1F", "1:20", ".inf",
    "-.inf", ".nan", "1e400", "9" * 60,
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "yes", "no", "on", "off", "~", "null", "true",
    "+14158952369", "\t", "\x00", "\x07", "\x1b", "\x85", "\u2028", "\ufeff", "\ud7ff", "é", "💥",
]  # fmt: skip
YAMLISH_TEXT = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=40).map("".join),
    st.text(alphabet=st.sampled_from([*":-[]{}&*!|>'\"#%@`,? \n\tab1.~", "\x00", "\x1b"]), max_size=80),
)


@PROPERTY_SETTINGS
@given(YAMLISH_TEXT)
def test_any_yamlish_text(workdir: Path, text: str) -> None:
    check(workdir, text.encode("utf-8", errors="surrogatepass"))


# --- documents of the file's shape, wrong values mixed in -----------------------------------------------

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),  # nan and the infinities included
    st.text(max_size=12),
    st.sampled_from(["9", "0212", "+14158952369", "en_us", "LOCAL_GATEWAY", "", "\x1b[31m", "a\u202eb"]),
    st.sampled_from(["Big\ud800Corp", "\udfff", "\ud83d\ude00"]),  # dumped as "\uD800": a surrogate escape
    st.binary(max_size=8),  # !!binary
    st.dates(),  # !!timestamp
    st.datetimes(timezones=st.none() | st.just(datetime.UTC)),
    st.frozensets(st.integers(0, 3), max_size=3).map(set),  # !!set
)
ODD_KEYS = st.one_of(
    st.sampled_from(["name", "pstn", "type", "trunk", "routingPrefix", "callingLineId", "bogus", "<<"]),
    st.text(max_size=8),
    st.integers(-2, 2),
    st.none(),
    st.booleans(),
)
NESTED = st.recursive(
    ODD_VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_KEYS, inner, max_size=3),
    max_leaves=8,
)
GOOD = {
    "name": st.sampled_from(["Denver", "Paris", "Lyon\udc00"]) | st.text(min_size=1, max_size=10),
    "pstn": st.fixed_dictionaries(
        {"type": st.sampled_from(["LOCAL_GATEWAY", "NON_INTEGRATED_CCP", "CISCO_PSTN"])},
        optional={"trunk": st.just("Denver-LGW"), "provider": st.just("Pure IP Cloud")},
    ),
    "callingLineId": st.fixed_dictionaries(
        {}, optional={"name": st.just("D"), "phoneNumber": st.just("+1214555")}
    ),
    "externalCallerIdName": st.just("Big Corp"),
    "outsideDialDigit": st.sampled_from(["9", None]),
    "enforceOutsideDialDigit": st.booleans(),
    "routingPrefix": st.sampled_from(["212", "100", None]),
    "chargeNumber": st.just("+14158952369"),
    "announcementLanguage": st.just("en_us"),
    "pAccessNetworkInfo": st.just("Paris-75"),
}


def field_value(name: str) -> st.SearchStrategy[object]:
    """Mostly the right kind of value for the field, sometimes anything at all."""
    return st.one_of(GOOD[name], GOOD[name], GOOD[name], NESTED)


FIELDS = {name: field_value(name) for name in GOOD if name != "name"}
LOCATION = st.one_of(
    st.fixed_dictionaries({"name": field_value("name")}, optional=FIELDS),
    st.fixed_dictionaries({"name": field_value("name")}, optional=FIELDS),
    st.fixed_dictionaries({}, optional={"bogus": NESTED, **FIELDS}),
    NESTED,
)
DOCUMENT = st.one_of(
    st.fixed_dictionaries(
        {"version": st.just(1), "locations": st.lists(LOCATION, max_size=4)},
        optional={"defaults": st.fixed_dictionaries({}, optional=FIELDS)},
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "version": st.just(1) | ODD_VALUES,
            "defaults": st.fixed_dictionaries({}, optional=FIELDS) | NESTED,
            "locations": st.lists(LOCATION, max_size=4) | NESTED,
            "bogus": NESTED,
        },
    ),
    NESTED,
)


def dumped(document: object, typ: str, flow: bool) -> str:
    yaml = YAML(typ=typ, pure=True)
    yaml.default_flow_style = flow
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


@PROPERTY_SETTINGS
@given(DOCUMENT, st.sampled_from(["safe", "rt"]), st.booleans())
def test_any_document_of_the_files_shape(workdir: Path, document: object, typ: str, flow: bool) -> None:
    try:
        text = dumped(document, typ, flow)
    except Exception:  # what ruamel cannot write is no input anyone could give
        event("ruamel could not dump it")
        return
    check(workdir, text.encode("utf-8"))


def test_a_dumped_document_of_the_right_shape_loads(tmp_path: Path) -> None:
    """The generator's good values are good: the property is not only about refusals."""
    document = {
        "version": 1,
        "defaults": {"announcementLanguage": "en_us"},
        "locations": [{"name": "Denver", "routingPrefix": "212", "enforceOutsideDialDigit": True}],
    }
    path = tmp_path / "good.yaml"
    path.write_text(dumped(document, "safe", False), encoding="utf-8")

    [location] = load_desired([path]).locations

    assert location.details == {
        "announcementLanguage": "en_us",
        "enforceOutsideDialDigit": True,
        "routingPrefix": "212",
    }
