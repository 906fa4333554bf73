"""apply.py against the real simulator, in-process (httpx.ASGITransport), with a clock the test moves."""

from typing import Any, TypeVar

from inprocess import FakeClock, run

from reconciler.apply import ApplyReport, apply_plan
from reconciler.desired.model import DesiredLocation, DesiredPstn, DesiredState, Position
from reconciler.jobs import JobPolling
from reconciler.plan import Plan, Step, make_plan
from reconciler.state import fetch_current
from reconciler.webex import CallingApi

T = TypeVar("T")


def loc(name: str, pstn: DesiredPstn | None = None, **details: Any) -> DesiredLocation:
    return DesiredLocation(name, Position("t.yaml"), details, pstn)


def planned(app: Any, *locations: DesiredLocation) -> Plan:
    desired = DesiredState(locations)
    return run(app, lambda api: _plan(api, desired))


async def _plan(api: CallingApi, desired: DesiredState) -> Plan:
    return make_plan(desired, await fetch_current(api, desired))


def applied(app: Any, plan: Plan, clock: FakeClock, dry_run: bool = False) -> ApplyReport:
    polling = JobPolling(sleep=clock.sleep, clock=clock)
    return run(app, lambda api: apply_plan(api, plan, dry_run=dry_run, polling=polling))


def puts(app: Any) -> list[Any]:
    return [r for r in app.state.requests if r.method == "PUT"]


DENVER = loc("Denver", DesiredPstn("LOCAL_GATEWAY", trunk="Denver-LGW"), outsideDialDigit="8")
PARIS = loc(
    "Paris", DesiredPstn("NON_INTEGRATED_CCP", provider="Pure IP Cloud"), announcementLanguage="fr_fr"
)


def test_apply_makes_the_org_match_and_a_second_plan_is_empty(app: Any, clock: FakeClock) -> None:
    plan = planned(app, DENVER, PARIS)
    assert len(plan.steps) == 4
    report = applied(app, plan, clock)
    assert [r.outcome for r in report.results] == ["applied"] * 4
    assert not report.failed
    assert planned(app, DENVER, PARIS).steps == ()


def test_pstn_put_precedes_details_put_for_each_location(app: Any, clock: FakeClock) -> None:
    applied(app, planned(app, DENVER, PARIS), clock)
    paths = [r.path for r in puts(app)]
    for name in ("Denver", "Paris"):
        location_id = next(s.location_id for s in planned(app, loc(name, outsideDialDigit="1")).steps)
        mine = [p for p in paths if location_id in p]
        assert mine == [
            f"/v1/telephony/pstn/locations/{location_id}/connection",
            f"/v1/telephony/config/locations/{location_id}",
        ]


def test_dry_run_goes_through_every_step_and_sends_no_put(app: Any, clock: FakeClock) -> None:
    plan = planned(app, DENVER, PARIS)
    report = applied(app, plan, clock, dry_run=True)
    assert [r.outcome for r in report.results] == ["dry-run"] * 4
    assert puts(app) == []
    assert len(planned(app, DENVER, PARIS).steps) == 4


def test_failed_pstn_step_skips_that_locations_details_and_others_go_on(app: Any, clock: FakeClock) -> None:
    good = planned(app, DENVER, PARIS)
    broken = Step(
        "Denver",
        good.steps[0].location_id,
        "pstn",
        "PUT",
        good.steps[0].path,
        {"premiseRouteType": "TRUNK", "premiseRouteId": "no-such-trunk"},
        good.steps[0].changes,
    )
    report = applied(app, Plan((broken, *good.steps[1:])), clock)
    outcomes = [(r.step.location, r.step.kind, r.outcome) for r in report.results]
    assert outcomes == [
        ("Denver", "pstn", "failed"),
        ("Denver", "details", "skipped"),
        ("Paris", "pstn", "applied"),
        ("Paris", "details", "applied"),
    ]
    assert report.failed
    error = report.results[0].error
    assert error is not None and error.status == 400 and error.tracking_id
    assert sum(1 for r in puts(app) if good.steps[1].location_id in r.path) == 1  # only the failed PSTN PUT


def test_routing_prefix_changes_wait_for_their_jobs_one_at_a_time(app: Any, clock: FakeClock) -> None:
    plan = planned(
        app,
        loc("Denver", routingPrefix="212"),
        loc("Paris", routingPrefix="275"),
        loc("London", routingPrefix="244"),
    )
    report = applied(app, plan, clock)
    assert [r.outcome for r in report.results] == ["applied"] * 3
    jobs = [r.job for r in report.results]
    assert all(j is not None and j.status == "COMPLETED" for j in jobs)
    assert len({r.batch_job_id for r in report.results}) == 3
    # Serialised: the simulator answers 409 to a prefix change while another job runs; none was seen.
    assert all(r.status != 409 for r in app.state.requests)


def test_a_job_already_running_is_waited_out_then_the_change_is_made(app: Any, clock: FakeClock) -> None:
    started = planned(app, loc("London", routingPrefix="444"))
    run(app, lambda api: api.update_location_details(started.steps[0].location_id, {"routingPrefix": "444"}))
    began = clock.now
    report = applied(app, planned(app, loc("Denver", routingPrefix="212")), clock)
    (result,) = report.results
    assert result.outcome == "applied", result
    assert result.job is not None and result.job.succeeded
    assert clock.now - began >= 3.0  # London's job (3 s of the fake clock) ended first
    statuses = [r.status for r in app.state.requests if r.method == "PUT"]
    assert statuses[0] == 200 and 409 in statuses and statuses[-1] == 200


def test_a_job_that_outlasts_the_deadline_fails_the_step_with_the_409(app: Any, clock: FakeClock) -> None:
    started = planned(app, loc("London", routingPrefix="444"))
    run(app, lambda api: api.update_location_details(started.steps[0].location_id, {"routingPrefix": "444"}))
    polling = JobPolling(first_interval=0.25, deadline=2.0, sleep=clock.sleep, clock=clock)
    plan = planned(app, loc("Denver", routingPrefix="212"))
    report = run(app, lambda api: apply_plan(api, plan, polling=polling))
    (result,) = report.results
    assert result.outcome == "failed"
    assert result.error is not None and result.error.status == 409
    assert clock.now - 1_000_000.0 <= 2.0


def test_job_errors_name_the_location(app: Any, clock: FakeClock) -> None:
    class FailingJobs:
        """The job endpoints of an org whose next job fails for the location it changes."""

        def __init__(self, api: Any) -> None:
            self.api = api

        def __getattr__(self, name: str) -> Any:
            return getattr(self.api, name)

        async def get_routing_prefix_job(self, job_id: str) -> dict[str, Any]:
            return {"latestExecutionStatus": "FAILED", "latestExecutionExitCode": "FAILED"}

        async def list_routing_prefix_job_errors(self, job_id: str) -> list[dict[str, Any]]:
            return [
                {
                    "trackingId": "T1",
                    "error": {
                        "key": "x",
                        "message": [
                            {
                                "description": "prefix in use",
                                "code": 5600,
                                "locationId": plan.steps[0].location_id,
                            }
                        ],
                    },
                }
            ]

    plan = planned(app, loc("Denver", routingPrefix="212"))
    polling = JobPolling(sleep=clock.sleep, clock=clock)
    report = run(app, lambda api: apply_plan(FailingJobs(api), plan, polling=polling))
    (result,) = report.results
    assert result.outcome == "failed"
    assert result.reason == (
        f"routing-prefix job {result.batch_job_id} ended FAILED with exit code FAILED "
        "(only exit code COMPLETED is success)"
    )
    assert result.job is not None
    assert result.job.errors == ("Denver: prefix in use (code 5600) [trackingId T1]",)


def test_a_206_fails_the_step_saying_the_prefix_is_saved_but_no_job_moved_the_numbers(
    app: Any, clock: FakeClock
) -> None:
    app.state.settings.prefix_not_triggered = 1
    plan = planned(app, loc("Denver", routingPrefix="212"))
    (result,) = applied(app, plan, clock).results
    assert result.outcome == "failed" and result.job is None and result.batch_job_id is None
    assert result.reason is not None
    # The API's own reason first, then what the org is left with and what to do.
    assert result.reason.startswith(
        "routing-prefix job not started: UpdateRoutingPrefix batch job not triggered"
    )
    assert "OldRoutingPrefix : 100. NewRoutingPrefix: 212." in result.reason
    assert 'The new routing prefix "212" is saved' in result.reason
    assert 'still route with the old prefix "100"' in result.reason
    # ... which is what the org shows: the prefix is set, so a new plan has nothing left to send.
    assert planned(app, loc("Denver", routingPrefix="212")).steps == ()
