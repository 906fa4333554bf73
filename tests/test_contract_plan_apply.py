"""The reconciler's own plan -> apply, replayed: the PUTs our plan sends are the documented example requests.

One location, "Denver", whose desired state is exactly the documented examples' values; the cassette
(plan_apply_documented_example.yaml) holds the GETs `plan` reads, the two documented PUTs and the job
poll. Its header says which values are documented, which are ours, why the details PUT is the
documented body minus `connection`, and why the PSTN PUT is the documented body minus `id`.

The desired state is built here rather than loaded from YAML: our offline validation refuses the
documented outsideDialDigit "12" (see test_contract_mismatches.py), and this test is about what reaches
the wire.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_contract_support import (
    BATCH_JOB_ID,
    CCP_OPTION_ID,
    LGW_OPTION_ID,
    LOCATION_ID,
    PSTN_LOCATION_ID,
    PSTN_TRUNK_ID,
    REPLAY,
    request_body,
    run_api,
)

from reconciler.apply import ApplyReport, apply_plan
from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, Position
from reconciler.jobs import JobPolling
from reconciler.plan import Plan, make_plan
from reconciler.state import CurrentState, LocationState, fetch_current
from reconciler.webex.api import CallingApi, Named

pytestmark = pytest.mark.contract

CASSETTE = "plan_apply_documented_example.yaml"
DOCUMENTED_DETAILS_BODY = request_body("location_details_put.yaml", 0)
DOCUMENTED_PSTN_BODY = request_body("pstn_connection_put.yaml", 0)
# A local gateway's PUT as clients tested against live orgs send it: the route, without the option's id.
LOCAL_GATEWAY_BODY = {k: v for k, v in DOCUMENTED_PSTN_BODY.items() if k != "id"}
HERE = Position("documented example")


def documented_desired(pstn: DesiredPstn | None = None) -> DesiredState:
    """Desired = the documented examples: the Update Location body (less `connection`) and its PSTN route."""
    details = {k: v for k, v in DOCUMENTED_DETAILS_BODY.items() if k != "connection"}
    pstn = pstn or DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW")
    return DesiredState((DesiredLocation("Denver", HERE, details=details, pstn=pstn),))


async def _never(seconds: float) -> None:
    raise AssertionError("the documented job is COMPLETED at the first poll")


def test_plan_then_apply_sends_exactly_the_documented_requests() -> None:
    desired = documented_desired()

    async def plan_and_apply(api: CallingApi) -> tuple[Plan, ApplyReport]:
        the_plan = make_plan(desired, await fetch_current(api, desired))
        return the_plan, await apply_plan(api, the_plan, polling=JobPolling(sleep=_never))

    with REPLAY.use_cassette(CASSETTE) as played:
        the_plan, report = run_api(plan_and_apply)

    # Every documented interaction was used, each once: no GET missing, no PUT unsent.
    assert played.all_played
    assert played.play_count == len(played.data) == 9

    pstn_step, details_step = the_plan.steps
    assert (pstn_step.kind, pstn_step.path) == ("pstn", f"/telephony/pstn/locations/{LOCATION_ID}/connection")
    assert (
        dict(pstn_step.body)
        == LOCAL_GATEWAY_BODY
        == {"premiseRouteType": "TRUNK", "premiseRouteId": PSTN_TRUNK_ID}
    )
    assert (details_step.kind, details_step.path) == ("details", f"/telephony/config/locations/{LOCATION_ID}")
    assert dict(details_step.body) == {k: v for k, v in DOCUMENTED_DETAILS_BODY.items() if k != "connection"}
    assert "connection" in DOCUMENTED_DETAILS_BODY and "connection" not in details_step.body
    assert details_step.starts_job and details_step.disruptive and pstn_step.disruptive

    results = {r.step.kind: r for r in report.results}
    assert [r.outcome for r in report.results] == ["applied", "applied"]
    assert results["details"].batch_job_id == BATCH_JOB_ID
    job = results["details"].job
    assert job is not None and (job.status, job.exit_code) == ("COMPLETED", "COMPLETED")


def _documented_options_state(pstn: dict[str, Any]) -> tuple[LocationState, CurrentState]:
    """The org as `plan` would see it with the documented connectionOptions answer (no pstnConnectionType)."""
    with REPLAY.use_cassette("pstn_connection_get.yaml"):
        options = run_api(lambda api: api.list_connection_options(PSTN_LOCATION_ID))
    state = LocationState(PSTN_LOCATION_ID, "Denver", details=None, pstn=pstn, options=tuple(options))
    current = CurrentState(
        calling_locations=(Named(PSTN_LOCATION_ID, "Denver"),),
        locations={"Denver": state},
        trunks=(Named(PSTN_TRUNK_ID, "Denver-LGW"),),
        route_names={PSTN_TRUNK_ID: "Denver-LGW"},
    )
    return state, current


def test_with_the_documented_options_answer_a_local_gateway_put_carries_no_option_id() -> None:
    """What our plan sends when connectionOptions looks as documented: {premiseRouteType, premiseRouteId},
    enough according to the reference ("id ... is required for non-integrated CCP"; the premise fields
    "for the local gateway"), and what clients tested against live orgs send; never the option's `id`,
    which the documented example body also names.
    """
    current_ccp = {
        "id": CCP_OPTION_ID,
        "displayName": "SI CCP Bandwidth",
        "pstnConnectionType": "NON_INTEGRATED_CCP",
    }
    _, current = _documented_options_state(current_ccp)
    desired = DesiredState(
        (DesiredLocation("Denver", HERE, pstn=DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW")),)
    )
    (step,) = make_plan(desired, current).steps
    assert dict(step.body) == {"premiseRouteType": "TRUNK", "premiseRouteId": PSTN_TRUNK_ID}
    assert dict(step.body) != DOCUMENTED_PSTN_BODY
    assert DOCUMENTED_PSTN_BODY["id"] == LGW_OPTION_ID
