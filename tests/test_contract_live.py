"""The contract against a LIVE org: record with `--record-mode`, replay offline ever after.

    WEBEX_ACCESS_TOKEN=... [WEBEX_ORG_ID=...] python -m pytest -m contract tests/test_contract_live.py \
        --record-mode=once

records each test's traffic into tests/cassettes/live/<test name>.yaml (pytest-recording: the
`@pytest.mark.vcr` marker and the `--record-mode` option), through the scrubbing hooks of
`recording_config()`: the Authorization header is dropped and the token scrubbed from every header, URL and
body before vcrpy keeps anything. Without `--record-mode` a test replays its recording (record mode
"none", with a placeholder token), or is skipped while there is none. See tests/cassettes/README.md.

These tests only read (GET). Writes to a real org are not recorded from here on purpose: the PUT
cassettes are built from the documented examples, and a recording PUT would change live telephony.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest
from test_contract_support import (
    BASE_URL,
    LIVE_CASSETTES,
    ORG_ID_ENV,
    REPLAY_TOKEN,
    TOKEN_ENV,
    recording_config,
    run_api,
)

from reconciler.webex.api import CallingApi, ConnectionOption, Named

T = TypeVar("T")
BASE_URL_ENV = "WEBEX_BASE_URL"
pytestmark = [pytest.mark.contract, pytest.mark.vcr]


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(LIVE_CASSETTES)


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    return recording_config()


@pytest.fixture(autouse=True)
def _recording_or_recorded(record_mode: str, vcr_cassette_dir: str, default_cassette_name: str) -> None:
    recorded = Path(vcr_cassette_dir, f"{default_cassette_name}.yaml").exists()
    if record_mode == "none" and not recorded:
        pytest.skip("no live recording yet: see tests/cassettes/README.md to record one")
    if record_mode != "none" and not recorded and not os.environ.get(TOKEN_ENV, "").strip():
        pytest.fail(f"recording needs a token in {TOKEN_ENV}")


def _recorded_org_id(cassette: Any) -> str | None:
    """The orgId the recording was made with (replays must send the same query)."""
    for request in getattr(cassette, "requests", []):
        org_ids = parse_qs(urlsplit(request.uri).query).get("orgId")
        if org_ids:
            return org_ids[0]
    return None


@pytest.fixture
def live(vcr: Any) -> Callable[[Callable[[CallingApi], Awaitable[Any]]], Any]:
    """Runs work with the real client: the live token when there is one, else replaying the recording."""
    token = os.environ.get(TOKEN_ENV, "").strip() or REPLAY_TOKEN
    org_id = os.environ.get(ORG_ID_ENV, "").strip() or _recorded_org_id(vcr)
    # WEBEX_BASE_URL as for the CLI; a rehearsal against `wxc-reconcile sandbox serve` uses it.
    base_url = os.environ.get(BASE_URL_ENV, "").strip() or BASE_URL

    def run(work: Callable[[CallingApi], Awaitable[T]]) -> T:
        return run_api(work, token=token, org_id=org_id, base_url=base_url)

    return run


async def _first_calling_location(api: CallingApi) -> Named:
    calling = await api.list_calling_locations()
    if not calling:
        pytest.skip("the org has no location enabled for Webex Calling")
    return calling[0]


def test_live_list_locations(live: Any) -> None:
    locations = live(lambda api: api.list_locations())
    assert all(loc.id and loc.name for loc in locations)


def test_live_calling_location_details(live: Any) -> None:
    async def work(api: CallingApi) -> tuple[Named, dict[str, Any]]:
        location = await _first_calling_location(api)
        return location, await api.get_location_details(location.id)

    location, details = live(work)
    assert details.get("id") == location.id
    assert details.get("name") == location.name
    # The fields the reconciler manages, where present, have the documented JSON types.
    for key in ("announcementLanguage", "externalCallerIdName", "outsideDialDigit", "routingPrefix"):
        assert details.get(key) is None or isinstance(details[key], str), key
    assert isinstance(details.get("enforceOutsideDialDigit", False), bool)


def test_live_pstn_connection_and_options(live: Any) -> None:
    async def work(api: CallingApi) -> tuple[dict[str, Any], list[ConnectionOption]]:
        location = await _first_calling_location(api)
        # From the calling list: "not configured" (or a 404) reads as {}, no PSTN connection set up yet.
        connection = await api.get_pstn_connection(location.id, calling_enabled=True)
        return connection, await api.list_connection_options(location.id)

    connection, options = live(work)
    assert connection == {} or isinstance(connection.get("pstnConnectionType"), str)
    assert all(option.id for option in options)


def test_live_trunks_and_route_groups(live: Any) -> None:
    async def work(api: CallingApi) -> tuple[list[Named], list[Named]]:
        return await api.list_trunks(), await api.list_route_groups()

    trunks, route_groups = live(work)
    assert all(t.id and t.name for t in (*trunks, *route_groups))
