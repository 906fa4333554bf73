"""The real client against Webex's documented examples: every call replayed from tests/cassettes/.

Each test drives WebexClient + CallingApi (base URL https://webexapis.com/v1, orgId set like the examples)
through vcrpy in record mode "none": a request whose method, path, query or JSON body differs from the
documented one finds no answer and raises CannotOverwriteExistingCassetteException. Then the parsed result
is checked against the documented answer.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from inprocess import FakeClock
from test_contract_support import (
    BATCH_JOB_ID,
    CCP_OPTION_ID,
    DETAILS_GET_LOCATION_ID,
    JOB_ID,
    LGW_OPTION_ID,
    LOCATION_ID,
    ORG_ID,
    PSTN_LOCATION_ID,
    REPLAY,
    json_body,
    request_body,
    response_body,
    run_api,
)
from vcr.errors import CannotOverwriteExistingCassetteException

from reconciler.jobs import JobPolling, wait_for_job
from reconciler.webex.api import CallingApi, ConnectionOption, Location, Named, UpdateResult
from reconciler.webex.client import RetryPolicy
from reconciler.webex.errors import WebexError

pytestmark = pytest.mark.contract

DETAILS_PUT = "location_details_put.yaml"
PSTN_PUT = "pstn_connection_put.yaml"
# The documented request bodies, read from the cassettes so that the tests and the cassettes cannot drift.
DOCUMENTED_DETAILS_BODY = request_body(DETAILS_PUT, 0)
DOCUMENTED_PSTN_BODY = request_body(PSTN_PUT, 0)


def no_match(exc: pytest.ExceptionInfo[CannotOverwriteExistingCassetteException]) -> set[str]:
    """The matchers that failed against the closest recorded request."""
    assert exc.value.reason in ("no_match", "nothing_similar")
    return {name for _, _, failed in exc.value.similar_requests for name, _ in failed}


def replay_one(cassette: str, work: Callable[[CallingApi], Awaitable[Any]], **kwargs: Any) -> Any:
    """Replay `work` against `cassette`; it must play exactly one interaction."""
    with REPLAY.use_cassette(cassette) as played:
        result = run_api(work, **kwargs)
    assert played.play_count == 1
    return result


# --- PUT /telephony/config/locations/{id} ----------------------------------------------------------------


def test_documented_details_put_starts_a_routing_prefix_job() -> None:
    assert DOCUMENTED_DETAILS_BODY["outsideDialDigit"] == "12"  # the documented body, not a tidied one
    result = replay_one(
        DETAILS_PUT, lambda api: api.update_location_details(LOCATION_ID, DOCUMENTED_DETAILS_BODY)
    )
    assert result == UpdateResult(200, batch_job_id=BATCH_JOB_ID, failure_reason=None)


def test_details_put_that_changes_no_routing_prefix_answers_204() -> None:
    body = {k: v for k, v in DOCUMENTED_DETAILS_BODY.items() if k != "routingPrefix"}
    result = replay_one(DETAILS_PUT, lambda api: api.update_location_details(LOCATION_ID, body))
    assert result == UpdateResult(204)


def test_details_put_206_reports_why_the_job_was_not_triggered() -> None:
    result = replay_one(
        DETAILS_PUT, lambda api: api.update_location_details(LOCATION_ID, {"routingPrefix": "212"})
    )
    assert result.status == 206
    assert result.batch_job_id is None
    assert result.failure_reason == response_body(DETAILS_PUT, 2)["failureReason"]
    assert "OldRoutingPrefix : 111" in result.failure_reason


def test_details_put_409_with_the_documented_failure_reason() -> None:
    with pytest.raises(WebexError) as exc:
        replay_one(
            DETAILS_PUT, lambda api: api.update_location_details(LOCATION_ID, {"routingPrefix": "213"})
        )
    error = exc.value
    assert (error.status, error.method) == (409, "PUT")
    assert error.message == "UpdateRoutingPrefixJob failed as another one is already in progress."
    assert error.path == f"/telephony/config/locations/{LOCATION_ID}"
    # No trackingId in the documented body: the TrackingID header is used instead.
    assert error.tracking_id == "ROUTER_3e8a6b1d-7c2f-4d9e-b5a4-0f1e2d3c4b85"


def test_details_put_409_with_a_webex_error_body() -> None:
    with pytest.raises(WebexError) as exc:
        replay_one(
            DETAILS_PUT, lambda api: api.update_location_details(LOCATION_ID, {"routingPrefix": "214"})
        )
    error = exc.value
    assert error.status == 409
    assert error.message == "Another routing prefix update is in progress for this organization."
    assert error.error_codes == (25009,)
    assert error.tracking_id == "ROUTER_5f2c8e9a-1b3d-4e6f-a7c8-9d0e1f2a3b47"


def test_key_order_and_layout_of_the_body_do_not_matter() -> None:
    reordered = dict(reversed(list(DOCUMENTED_DETAILS_BODY.items())))
    reordered["callingLineId"] = dict(reversed(list(reordered["callingLineId"].items())))
    result = replay_one(DETAILS_PUT, lambda api: api.update_location_details(LOCATION_ID, reordered))
    assert result.batch_job_id == BATCH_JOB_ID


def _changed(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = copy.deepcopy(DOCUMENTED_DETAILS_BODY)
    change(body)
    return body


WRONG_BODIES = {
    "one value": _changed(lambda b: b.update(outsideDialDigit="1")),
    "a nested value": _changed(lambda b: b["callingLineId"].update(name="Denver")),
    "a field left out": _changed(lambda b: b.pop("chargeNumber")),
    "an extra field": _changed(lambda b: b.update(timeZone="America/Denver")),
    "an extra null": _changed(lambda b: b.update(chargeNumber=None, useChargeNumberForPChargeInfo=None)),
    "true sent as 1": _changed(lambda b: b.update(enforceOutsideDialDigit=1)),
    "digits sent as a number": _changed(lambda b: b.update(routingPrefix=212)),
}


@pytest.mark.parametrize("body", WRONG_BODIES.values(), ids=WRONG_BODIES.keys())
def test_a_body_that_differs_from_the_documented_one_finds_no_answer(body: dict[str, Any]) -> None:
    with (
        REPLAY.use_cassette(DETAILS_PUT) as played,
        pytest.raises(CannotOverwriteExistingCassetteException) as exc,
    ):
        run_api(lambda api: api.update_location_details(LOCATION_ID, body))
    assert json_body.__name__ in no_match(exc)
    assert played.play_count == 0


@pytest.mark.parametrize(
    ("what", "org_id", "location_id", "method"),
    [
        ("another location", ORG_ID, DETAILS_GET_LOCATION_ID, "PUT"),
        ("no orgId", None, LOCATION_ID, "PUT"),
        ("another orgId", LOCATION_ID, LOCATION_ID, "PUT"),
        ("another method", ORG_ID, LOCATION_ID, "POST"),
    ],
)
def test_a_request_elsewhere_finds_no_answer(
    what: str, org_id: str | None, location_id: str, method: str
) -> None:
    async def send(api: CallingApi) -> Any:
        return await api.client.request(
            method, f"/telephony/config/locations/{location_id}", json=DOCUMENTED_DETAILS_BODY
        )

    with REPLAY.use_cassette(DETAILS_PUT), pytest.raises(CannotOverwriteExistingCassetteException) as exc:
        run_api(send, org_id=org_id)
    failed = no_match(exc)
    expected = {"another location": "path", "another method": "method"}.get(what, "query")
    assert expected in failed


# --- PUT /telephony/pstn/locations/{id}/connection ---------------------------------------------------


def test_documented_local_gateway_pstn_put() -> None:
    assert set(DOCUMENTED_PSTN_BODY) == {"id", "premiseRouteType", "premiseRouteId"}
    assert (
        replay_one(PSTN_PUT, lambda api: api.setup_pstn_connection(PSTN_LOCATION_ID, DOCUMENTED_PSTN_BODY))
        is None
    )


def test_non_integrated_ccp_pstn_put_sends_only_the_option_id() -> None:
    body = {"id": CCP_OPTION_ID}
    assert replay_one(PSTN_PUT, lambda api: api.setup_pstn_connection(PSTN_LOCATION_ID, body)) is None


@pytest.mark.parametrize(
    "body",
    [
        {**DOCUMENTED_PSTN_BODY, "premiseRouteType": "ROUTE_GROUP"},
        {k: v for k, v in DOCUMENTED_PSTN_BODY.items() if k != "id"},
        {"id": LGW_OPTION_ID},
    ],
    ids=["route group instead of trunk", "without the option id", "local gateway option alone"],
)
def test_pstn_put_that_differs_from_the_documented_one_finds_no_answer(body: dict[str, Any]) -> None:
    with REPLAY.use_cassette(PSTN_PUT), pytest.raises(CannotOverwriteExistingCassetteException) as exc:
        run_api(lambda api: api.setup_pstn_connection(PSTN_LOCATION_ID, body))
    assert json_body.__name__ in no_match(exc)


# --- GETs ----------------------------------------------------------------------------------------------


def test_list_locations_reads_country_and_city() -> None:
    locations = replay_one("locations_list.yaml", lambda api: api.list_locations())
    assert locations == [
        Location(LOCATION_ID, "Denver", country="US", city="Supercity"),
        Location(PSTN_LOCATION_ID, "Paris", country="FR", city="Paris"),
    ]


def test_list_calling_locations_follows_the_next_link_and_puts_org_id_back() -> None:
    with REPLAY.use_cassette("calling_locations_list.yaml") as played:
        locations = run_api(lambda api: api.list_calling_locations())
    assert played.all_played  # both pages: the second request carried orgId although the link dropped it
    assert [loc.name for loc in locations] == ["Denver", "Denver-2", "Denver-3"]
    assert all(isinstance(loc, Named) and loc.id for loc in locations)


def test_location_details_are_returned_as_documented() -> None:
    details = replay_one(
        "location_details_get.yaml", lambda api: api.get_location_details(DETAILS_GET_LOCATION_ID)
    )
    assert details == response_body("location_details_get.yaml", 0)
    assert details["routingPrefix"] == "2"
    assert details["outsideDialDigit"] == "12"


def test_pstn_connection_and_its_options() -> None:
    async def both(api: CallingApi) -> tuple[dict[str, Any], list[ConnectionOption]]:
        return await api.get_pstn_connection(PSTN_LOCATION_ID), await api.list_connection_options(
            PSTN_LOCATION_ID
        )

    with REPLAY.use_cassette("pstn_connection_get.yaml") as played:
        connection, options = run_api(both)
    assert played.all_played
    assert connection["pstnConnectionType"] == "LOCAL_GATEWAY"
    assert (connection["routeType"], connection["id"]) == ("TRUNK", LGW_OPTION_ID)
    # The documented options carry no pstnConnectionType: the client reads None for each.
    assert options == [
        ConnectionOption(LGW_OPTION_ID, "Premises-based PSTN", None, ("GEOGRAPHIC_NUMBERS",)),
        ConnectionOption(CCP_OPTION_ID, "SI CCP Bandwidth", None, ("GEOGRAPHIC_NUMBERS",)),
    ]


def test_trunks_and_route_groups() -> None:
    async def both(api: CallingApi) -> tuple[list[Named], list[Named]]:
        return await api.list_trunks(), await api.list_route_groups()

    with REPLAY.use_cassette("premise_pstn_list.yaml") as played:
        trunks, route_groups = run_api(both)
    assert played.all_played
    assert [t.name for t in trunks] == ["trunkName"]
    assert route_groups == [
        Named(
            "Y2lzY29zcGFyazovL3VzL1JPVVRFX0dST1VQL2ZjN2EzZDU2LTg1OGMtNDVkZC1iZDA1LTE2OWM2NGU1OTRmMQ",
            "Route Group 01",
        )
    ]


def test_routing_prefix_job_and_its_errors() -> None:
    async def both(api: CallingApi) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return await api.get_routing_prefix_job(JOB_ID), await api.list_routing_prefix_job_errors(JOB_ID)

    with REPLAY.use_cassette("routing_prefix_job.yaml") as played:
        job, errors = run_api(both)
    assert played.all_played
    assert (job["id"], job["latestExecutionStatus"], job["latestExecutionExitCode"]) == (
        JOB_ID,
        "COMPLETED",
        "COMPLETED",
    )
    assert [e["itemNumber"] for e in errors] == [6, 7, 8]


def test_waiting_for_the_documented_job_ends_completed() -> None:
    outcome = replay_one(
        "routing_prefix_job.yaml", lambda api: wait_for_job(api, JOB_ID, JobPolling(sleep=_never))
    )
    assert outcome.succeeded
    assert (outcome.status, outcome.exit_code, outcome.errors) == ("COMPLETED", "COMPLETED", ())


async def _never(seconds: float) -> None:
    raise AssertionError("a completed job is not polled again")


# --- error answers ----------------------------------------------------------------------------------


def test_400_carries_message_error_code_and_tracking_id() -> None:
    with pytest.raises(WebexError) as exc:
        replay_one(
            "error_answers.yaml",
            lambda api: api.update_location_details(LOCATION_ID, {"routingPrefix": "100"}),
        )
    error = exc.value
    assert error.status == 400
    assert error.message == "Routing prefix 100 is already in use by another location in the organization."
    assert error.error_codes == (5600,)
    assert error.tracking_id == "ROUTER_1f3b5d7e-8a0c-4e2f-b4d6-0c2e4a6c8fbb"


def test_429_waits_the_retry_after_seconds_then_retries() -> None:
    clock = FakeClock()
    with REPLAY.use_cassette("error_answers.yaml") as played:
        details = run_api(lambda api: api.get_location_details(LOCATION_ID), sleep=clock.sleep, clock=clock)
    assert clock.waits == [194.0]  # waited in full: the live API's own figure
    assert played.play_count == 2
    assert details["routingPrefix"] == "212"


def test_429_with_a_malformed_retry_after_waits_the_default_then_retries() -> None:
    clock = FakeClock()
    with REPLAY.use_cassette("error_answers.yaml") as played:
        route_groups = run_api(
            lambda api: api.list_route_groups(),
            sleep=clock.sleep,
            clock=clock,
            retry=RetryPolicy(default_wait=7.0),
        )
    assert clock.waits == [7.0]
    assert played.play_count == 2
    assert [rg.name for rg in route_groups] == ["Route Group 01"]
