"""The simulator's intercept endpoint: its PUT rules as ACCEPTED says them (only `enabled` required, every
nested field typed, `fileName` taken back as the documented example sends it), and its partial PUT over
HTTP (in-process), state kept in `Location.settings["intercept"]`."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from inprocess import run
from probes import PROBES, simulator_accepts
from test_contract_support import request_body

from reconciler.sandbox import webex_id
from reconciler.sandbox.endpoints import TYPE_WORDS, intercept
from reconciler.webex.api import CallingApi
from reconciler.webex.errors import WebexError

DENVER, LONDON = webex_id("LOCATION", "Denver"), webex_id("LOCATION", "London")
PATH = "/telephony/config/locations/{}/intercept"
DOCUMENTED = request_body("intercept.yaml", 1)


def problems(body: dict[str, Any]) -> list[str]:
    return [v.description for v in intercept.check_intercept_update(body)]


def nested(path: str, value: Any) -> dict[str, Any]:
    """A body with `enabled` that sends `value` at the dotted `path`."""
    body: dict[str, Any] = {"enabled": True}
    *parents, last = path.split(".")
    inner = body
    for key in parents:
        inner = inner.setdefault(key, {})
    inner[last] = value
    return body


def test_the_documented_example_is_accepted_and_enabled_alone_is_enough() -> None:
    assert problems(copy.deepcopy(DOCUMENTED)) == []
    assert problems({"enabled": False}) == []


def test_enabled_is_required_even_with_other_fields() -> None:
    assert problems({"incoming": {"type": "ALLOW_ALL"}}) == ["Invalid value for enabled: is required"]


@pytest.mark.parametrize("path", [p for p, form in intercept.ACCEPTED.items() if form not in TYPE_WORDS])
def test_each_string_field_takes_exactly_what_its_format_says(path: str) -> None:
    form = intercept.ACCEPTED[path]
    for probe in PROBES:
        assert (problems(nested(path, probe)) == []) == simulator_accepts(form, probe), (path, probe)
    assert problems(nested(path, 7)) != []


@pytest.mark.parametrize("path", [p for p, form in intercept.ACCEPTED.items() if form == "boolean"])
def test_each_boolean_takes_only_true_or_false(path: str) -> None:
    assert problems(nested(path, True)) == problems(nested(path, False)) == []
    assert any("must be true or false" in p for p in problems(nested(path, "true")))
    assert any("cannot be null" in p for p in problems(nested(path, None)))


def test_an_object_must_be_one_and_an_unknown_nested_field_is_named_with_the_allowed_ones() -> None:
    assert problems({"enabled": True, "incoming": "ALLOW_ALL"}) == [
        "Invalid value for incoming: must be an object"
    ]
    assert problems(nested("outgoing.number", "1")) == [
        "Unknown field 'outgoing.number' (allowed: type, transferEnabled, destination)"
    ]


def test_every_violation_is_reported_at_once() -> None:
    body = {"enabled": "yes", "incoming": {"type": "NONE"}, "outgoing": {"transferEnabled": 1}}
    assert len(problems(body)) == 3


def get(app: Any, location: str) -> dict[str, Any]:
    return run(app, lambda api: api.client.get_json(PATH.format(location)))


def put(app: Any, location: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async def send(api: CallingApi) -> tuple[int, dict[str, Any]]:
        return await api.client.put_json(PATH.format(location), body)

    return run(app, send)


def test_get_answers_the_seed_or_the_default(app: Any) -> None:
    assert get(app, LONDON)["enabled"] is True  # examples/sandbox-org.json
    assert get(app, DENVER) == intercept.DEFAULTS


def test_a_partial_put_changes_only_what_it_sends_nested_field_by_field(app: Any) -> None:
    before = get(app, LONDON)
    body = {
        "enabled": True,
        "incoming": {"announcements": {"zeroTransfer": {"enabled": True, "destination": "0"}}},
    }
    assert put(app, LONDON, body) == (204, {})
    after = get(app, LONDON)
    expected = copy.deepcopy(before)
    expected["incoming"]["announcements"]["zeroTransfer"] = {"enabled": True, "destination": "0"}
    assert after == expected
    assert app.state.org.locations[LONDON].settings["intercept"] == expected


def test_an_invalid_put_is_a_400_with_every_violation_and_changes_nothing(app: Any) -> None:
    with pytest.raises(WebexError) as caught:
        put(app, DENVER, {"incoming": {"type": "SOME"}})
    error = caught.value
    assert (error.status, error.error_codes) == (400, (25008,))
    assert error.message == "Invalid value for enabled: is required"
    assert get(app, DENVER) == intercept.DEFAULTS
