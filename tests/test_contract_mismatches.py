"""Where our client disagrees, or disagreed, with Webex's documented examples.

Every test below asserts what the documented examples imply. An open gap is a strict xfail that names
it: `xfail(strict=True)` keeps the suite green while the gap is open and turns red (XPASS) the day it is
closed, so the marker gets removed then; a closed gap stays here as an ordinary test, so it cannot reopen.
What the simulator gets wrong is in test_contract_sandbox.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from test_contract_support import (
    CCP_OPTION_ID,
    JOB_ID,
    LGW_OPTION_ID,
    PSTN_LOCATION_ID,
    PSTN_TRUNK_ID,
    REPLAY,
    response_body,
    run_api,
)

from reconciler.desired import load_desired
from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, InvalidInput, Position
from reconciler.jobs import JobPolling, wait_for_job
from reconciler.plan import make_plan
from reconciler.state import CurrentState, LocationState
from reconciler.webex.api import Named

pytestmark = pytest.mark.contract

ONE_DIGIT_RULE = (
    "desired/fields.py OUTSIDE_DIAL_DIGIT and the schema allow one digit only, but the documented examples "
    "send outsideDialDigit '12' (Update Location request) and show '12' and '1258' (Get/List answers)"
)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param(
            "outsideDialDigit",
            "12",
            marks=pytest.mark.xfail(strict=True, raises=InvalidInput, reason=ONE_DIGIT_RULE),
        ),
        pytest.param(
            "outsideDialDigit",
            "1258",
            marks=pytest.mark.xfail(strict=True, raises=InvalidInput, reason=ONE_DIGIT_RULE),
        ),
        # The documented Get/List answers show one-digit prefixes, and the current admin guide allows
        # 1 to 7 digits: closed gaps, kept as ordinary tests.
        ("routingPrefix", "2"),
        ("routingPrefix", "3"),
        ("routingPrefix", "212"),  # the documented PUT value
    ],
)
def test_documented_values_are_valid_in_a_desired_state_file(tmp_path: Path, field: str, value: str) -> None:
    path = tmp_path / "locations.yaml"
    path.write_text(f'version: 1\nlocations:\n  - name: Denver\n    {field}: "{value}"\n', encoding="utf-8")
    (location,) = load_desired(path).locations
    assert location.details[field] == value


def test_a_local_gateway_option_is_not_taken_as_a_ccp_provider() -> None:
    """A closed gap: the documented connectionOptions items carry no pstnConnectionType, and the resolver
    once took a missing type for NON_INTEGRATED_CCP, so the documented local-gateway option
    'Premises-based PSTN' (the id the Setup PSTN example sends with premiseRouteType TRUNK, and which
    Retrieve PSTN Connection reports as LOCAL_GATEWAY) was accepted and PUT as a cloud provider."""
    with REPLAY.use_cassette("pstn_connection_get.yaml"):
        options = run_api(lambda api: api.list_connection_options(PSTN_LOCATION_ID))
    pstn = {
        "id": CCP_OPTION_ID,
        "displayName": "SI CCP Bandwidth",
        "pstnConnectionType": "NON_INTEGRATED_CCP",
    }
    state = LocationState(PSTN_LOCATION_ID, "Denver", pstn=pstn, options=tuple(options))
    current = CurrentState(
        calling_locations=(Named(PSTN_LOCATION_ID, "Denver"),),
        locations={"Denver": state},
        trunks=(Named(PSTN_TRUNK_ID, "Denver-LGW"),),
        route_names={PSTN_TRUNK_ID: "Denver-LGW"},
    )
    wanted = DesiredPstn("NON_INTEGRATED_CCP", provider="Premises-based PSTN")
    desired = DesiredState((DesiredLocation("Denver", Position("t"), pstn=wanted),))
    try:
        the_plan = make_plan(desired, current)
    except InvalidInput as refused:  # refused before any PUT: what the documented answers call for
        (error,) = refused.errors
        assert "'Premises-based PSTN' is the local gateway connection" in error.message
        return
    bodies = [dict(step.body) for step in the_plan.steps]
    raise AssertionError(f"planned {bodies} (the local gateway's option id {LGW_OPTION_ID[:16]}... as a CCP)")


class _DocumentedJobErrors:
    """A job that ended with errors, whose error items are the documented example's."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items

    async def get_routing_prefix_job(self, job_id: str) -> dict[str, Any]:
        return {
            "id": job_id,
            "latestExecutionStatus": "COMPLETED",
            "latestExecutionExitCode": "COMPLETED_WITH_ERRORS",
        }

    async def list_routing_prefix_job_errors(self, job_id: str) -> list[dict[str, Any]]:
        return self.items


def test_job_errors_with_documented_nulls_read_cleanly() -> None:
    items = response_body("routing_prefix_job.yaml", 1)["items"]
    outcome = asyncio.run(wait_for_job(_DocumentedJobErrors(items), JOB_ID, JobPolling()))
    assert not outcome.succeeded and len(outcome.errors) == 3
    assert "invalid number (id=c5b6ef12" in outcome.errors[0]
    assert all("None" not in text for text in outcome.errors), outcome.errors
