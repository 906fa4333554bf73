"""The Webex Calling simulator as a Starlette app: the endpoints of the API contract, under /v1.

Error bodies and errorCodes: see `reconciler.sandbox.errors`; the PUT rules: `reconciler.sandbox.rules`.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.sandbox import rules, views
from reconciler.sandbox.errors import (
    BAD_BODY,
    BAD_QUERY,
    NOT_FOUND,
    PREFIX_JOB_ERROR,
    STATE_FILE,
    WebexError,
    http_error_handler,
    pstn_not_configured,
    tracking_id,
    webex_error_handler,
)
from reconciler.sandbox.faults import Faults, PrefixOutcome, take_prefix_outcome
from reconciler.sandbox.gateway import Gateway, RecordedRequest
from reconciler.sandbox.org import Job, JobError, Location, PstnConnection, SandboxOrg, StateFileError
from reconciler.sandbox.paging import paginate
from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.statefile import StateFile

Handler = Callable[[Request], Awaitable[Response]]
# Accepted values of `order` on the telephony locations list, and whether each sorts descending.
ORDERS = {
    **dict.fromkeys(("name", "asc", "name-asc", "name,asc", "name:asc"), False),
    **dict.fromkeys(("desc", "name-desc", "name,desc", "name:desc"), True),
}
SERVICE_TYPES = ("GEOGRAPHIC_NUMBERS", "TOLLFREE_NUMBERS", "BUSINESS_TEXTS", "MOBILE_NUMBERS")
JOB_IN_PROGRESS = "Cannot update the routing prefix: another routing prefix job is in progress"
# The documented 206 example's failureReason, word for word but for the values.
JOB_NOT_TRIGGERED = (
    "UpdateRoutingPrefix batch job not triggered for Location: {location}. OldRoutingPrefix : {old}. "
    "NewRoutingPrefix: {new}."
)


def _route(path: str, around: Callable[[], AbstractAsyncContextManager[None]], **handlers: Handler) -> Route:
    """One route per path, so a wrong method on a known path is a 405 naming every allowed method.

    Every handler runs inside `around()`. The answer is sent after it, so the latency is not inside.
    """

    async def endpoint(request: Request) -> Response:
        async with around():
            return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return Route(path, endpoint, methods=list(handlers))


def _contains(needle: str | None, haystack: str) -> bool:
    return needle is None or needle.casefold() in haystack.casefold()


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise WebexError.one(400, "The request body is not valid JSON", BAD_BODY) from None
    if not isinstance(body, dict):
        raise WebexError.one(400, "The request body must be a JSON object", BAD_BODY)
    return body


def _failure(request: Request, status: int, reason: str) -> Response:
    """A 409 or 206 of the location PUT: `{failureReason, trackingId}`, not an error body."""
    return JSONResponse({"failureReason": reason, "trackingId": tracking_id(request.scope)}, status)


def _give_outcome(job: Job, outcome: PrefixOutcome, location: Location, old_prefix: str | None) -> None:
    """Give a job started under `failing_jobs` or `jobs_with_errors` its error item and its ending."""
    if outcome is PrefixOutcome.FAILING_JOB:
        reason = f"The routing prefix of location {location.name} could not be updated"
        job.errors.append(JobError(reason, PREFIX_JOB_ERROR, location.name))
        job.restore_prefix, job.old_prefix = True, old_prefix
    elif outcome is PrefixOutcome.JOB_WITH_ERRORS:
        reason = f"The routing prefix of some numbers of location {location.name} could not be updated"
        job.errors.append(JobError(reason, PREFIX_JOB_ERROR, location.name))
        job.partly_done = True


class _Api:
    """The route handlers, over one live org."""

    def __init__(self, org: SandboxOrg, settings: SandboxSettings, state_path: Path | None) -> None:
        self.org = org
        self.settings = settings
        self.state = StateFile(state_path) if state_path is not None else None

    def routes(self) -> list[Route]:
        route = functools.partial(_route, around=self._handling)
        return [
            route("/v1/locations", GET=self.list_locations),
            route("/v1/telephony/config/locations", GET=self.list_calling_locations),
            route("/v1/telephony/config/locations/{locationId}", GET=self.get_details, PUT=self.put_details),
            route(
                "/v1/telephony/pstn/locations/{locationId}/connection", GET=self.get_pstn, PUT=self.put_pstn
            ),
            route("/v1/telephony/pstn/locations/{locationId}/connectionOptions", GET=self.list_options),
            route("/v1/telephony/config/premisePstn/trunks", GET=self.list_trunks),
            route("/v1/telephony/config/premisePstn/routeGroups", GET=self.list_route_groups),
            route("/v1/telephony/config/jobs/updateRoutingPrefix/{jobId}", GET=self.get_job),
            route("/v1/telephony/config/jobs/updateRoutingPrefix/{jobId}/errors", GET=self.get_job_errors),
        ]

    # --- helpers ---------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _handling(self) -> AsyncIterator[None]:
        """Around each request: with a state file, its lock and its latest state; then the jobs that
        ended. A state file that cannot be used is a 503 saying why, never a crash of the app."""
        if self.state is None:
            self._end_jobs()
            yield
            return
        try:
            async with self.state.request(self.org):
                self._end_jobs()
                yield
        except StateFileError as exc:
            raise WebexError.one(503, str(exc), STATE_FILE) from None

    def _end_jobs(self) -> None:
        """Finish the jobs that ended since the last request: a failed one restores the old prefix.

        Job time comes from the (injectable) clock, not from a timer, so this runs before every request.
        """
        if self.org.end_jobs(self.settings.clock(), self.settings.job_seconds):
            self._saved()

    def _location(self, request: Request) -> Location:
        location_id = request.path_params["locationId"]
        location = self.org.calling_location(location_id)
        if location is None:
            raise WebexError.one(
                404, f"Location {location_id} not found or not enabled for Webex Calling", NOT_FOUND
            )
        return location

    def _page(self, request: Request, items: list[Any], render: Callable[[Any], Any], key: str) -> Response:
        """A telephony list: `start`/`max` paging, next links without filters unless configured."""
        page, headers = paginate(
            request, items, self.settings, keep_query=not self.settings.drop_query_in_next_links
        )
        return JSONResponse({key: [render(item) for item in page]}, headers=headers)

    def _local_gateway(
        self, location: Location, route_type: str, route_id: str, option_id: str | None
    ) -> PstnConnection:
        if option_id is None:
            option = self.org.local_gateway_option(location)
            assert option is not None  # the rules refuse a local gateway where none is available
            option_id = option.id
        return PstnConnection(option_id, route_type, route_id)

    def _saved(self) -> None:
        if self.state is not None:
            self.state.save(self.org)

    # --- locations -------------------------------------------------------------------------------
    async def list_locations(self, request: Request) -> Response:
        name, location_id = request.query_params.get("name"), request.query_params.get("id")
        items = [
            loc
            for loc in self.org.locations.values()
            if (name is None or loc.name == name) and (location_id is None or loc.id == location_id)
        ]
        page, headers = paginate(request, items, self.settings, keep_query=True)
        return JSONResponse({"items": [views.location_item(self.org, loc) for loc in page]}, headers=headers)

    async def list_calling_locations(self, request: Request) -> Response:
        name = request.query_params.get("name")
        items = [
            loc
            for loc in self.org.locations.values()
            if loc.details is not None and _contains(name, loc.name)
        ]
        order = request.query_params.get("order")
        if order is not None:
            descending = ORDERS.get(order.strip().lower())
            if descending is None:
                raise WebexError.one(400, f"Invalid query parameter order={order!r}: sort by name", BAD_QUERY)
            items.sort(key=lambda loc: loc.name.casefold(), reverse=descending)
        return self._page(request, items, views.calling_location_item, "locations")

    async def get_details(self, request: Request) -> Response:
        return JSONResponse(views.details(self.org, self._location(request)))

    async def put_details(self, request: Request) -> Response:
        location = self._location(request)
        assert location.details is not None
        body = await _json_object(request)
        violations = rules.check_location_update(body, self.org, location)
        if violations:
            raise WebexError(400, violations)
        if "routingPrefix" in body and body["routingPrefix"] != location.details["routingPrefix"]:
            return self._change_prefix(request, location, body)
        self._update(location, body)
        self._saved()
        return Response(status_code=204)

    def _change_prefix(self, request: Request, location: Location, body: dict[str, Any]) -> Response:
        """A valid PUT that changes the prefix: 200 and a job; 409 while one runs; or what a fault says."""
        assert location.details is not None
        now = self.settings.clock()
        running = self.org.running_job(now, self.settings.job_seconds)
        if running is not None:
            return _failure(request, 409, f"{JOB_IN_PROGRESS} ({running.id})")
        outcome = take_prefix_outcome(self.settings)
        if outcome is PrefixOutcome.CONFLICT:
            return _failure(request, 409, JOB_IN_PROGRESS)
        old_prefix = location.details["routingPrefix"]
        if outcome is PrefixOutcome.NOT_TRIGGERED:
            self._update(location, body)  # the prefix too: GET shows it, but no job moves the numbers
            self._saved()
            reason = JOB_NOT_TRIGGERED.format(location=location.id, old=old_prefix, new=body["routingPrefix"])
            return _failure(request, 206, reason)
        self._update(location, body)
        job = self.org.start_prefix_job(location, now, tracking_id(request.scope))
        _give_outcome(job, outcome, location, old_prefix)
        self._saved()
        return JSONResponse({"batchJobId": job.id})

    def _update(self, location: Location, body: dict[str, Any]) -> None:
        """Write a valid body's fields; `connection` moves the PSTN to a local gateway."""
        self.org.update_details(location, {k: v for k, v in body.items() if k != "connection"})
        if "connection" in body:
            location.pstn = self._local_gateway(
                location, body["connection"]["type"], body["connection"]["id"], None
            )

    # --- PSTN ------------------------------------------------------------------------------------
    async def get_pstn(self, request: Request) -> Response:
        location = self._location(request)
        if location.pstn is None:
            return pstn_not_configured(request)
        answer = views.pstn_connection(self.org, location, with_route=self.settings.pstn_connection_route)
        return JSONResponse(answer)

    async def put_pstn(self, request: Request) -> Response:
        location = self._location(request)
        body = await _json_object(request)
        violation = rules.check_pstn_update(body, self.org, location)
        if violation is not None:
            raise WebexError(400, [violation])
        if rules.is_local_gateway(body):
            location.pstn = self._local_gateway(
                location, body["premiseRouteType"], body["premiseRouteId"], body.get("id")
            )
        else:
            location.pstn = PstnConnection(body["id"])
        self._saved()
        return Response(status_code=204)

    async def list_options(self, request: Request) -> Response:
        location = self._location(request)
        wanted = [s.strip() for s in request.query_params.get("serviceTypes", "").split(",") if s.strip()]
        unknown = [s for s in wanted if s not in SERVICE_TYPES]
        if unknown:
            raise WebexError.one(
                400, f"Invalid serviceTypes {unknown[0]!r} (allowed: {', '.join(SERVICE_TYPES)})", BAD_QUERY
            )
        items = [o for o in self.org.options_for(location) if all(s in o.pstn_services for s in wanted)]
        return self._page(request, items, views.connection_option, "items")

    # --- premise PSTN ----------------------------------------------------------------------------
    async def list_trunks(self, request: Request) -> Response:
        name, location_name = request.query_params.get("name"), request.query_params.get("locationName")
        items = [
            t
            for t in self.org.trunks.values()
            if _contains(name, t.name) and _contains(location_name, t.location)
        ]
        in_use = self.org.routes_in_use()
        return self._page(request, items, lambda t: views.trunk_item(t, t.id in in_use), "trunks")

    async def list_route_groups(self, request: Request) -> Response:
        name = request.query_params.get("name")
        items = [rg for rg in self.org.route_groups.values() if _contains(name, rg.name)]
        in_use = self.org.routes_in_use()
        return self._page(
            request, items, lambda rg: views.route_group_item(rg, rg.id in in_use), "routeGroups"
        )

    # --- routing-prefix jobs ---------------------------------------------------------------------
    def _job_view(self, request: Request, render: Callable[[Job, float, float], dict[str, Any]]) -> Response:
        job_id = request.path_params["jobId"]
        job = self.org.jobs.get(job_id)
        if job is None:
            raise WebexError.one(404, f"Job {job_id} not found", NOT_FOUND)
        return JSONResponse(render(job, self.settings.clock(), self.settings.job_seconds))

    async def get_job(self, request: Request) -> Response:
        return self._job_view(request, views.job)

    async def get_job_errors(self, request: Request) -> Response:
        return self._job_view(request, views.job_errors)


def create_app(
    org: SandboxOrg,
    *,
    state_path: Path | None = None,
    token: str | None = None,
    settings: SandboxSettings | None = None,
) -> Starlette:
    """The simulator over `org` (mutated in place; saved to `state_path` after each successful change).

    With `state_path`, the file is the truth, shared with any other process or app that serves it:
    each request holds its lock and first reads it afresh if another changed it (see
    `reconciler.sandbox.statefile`); `org` is served as it is until the file exists.

    `token=None` accepts any non-empty bearer token. `app.state.org` is the live org,
    `app.state.requests` the list of RecordedRequest answered so far, `app.state.settings` the settings
    (change their fields to change the app's behaviour), `app.state.faults` the faults' random generator
    and each org's rate limits.
    """
    settings = settings or SandboxSettings()
    faults = Faults(settings)
    log: list[RecordedRequest] = []
    app = Starlette(
        routes=_Api(org, settings, state_path).routes(),
        middleware=[Middleware(Gateway, org=org, token=token, settings=settings, faults=faults, log=log)],
        exception_handlers={WebexError: webex_error_handler, HTTPException: http_error_handler},
    )
    app.router.redirect_slashes = False
    app.state.org = org
    app.state.requests = log
    app.state.settings = settings
    app.state.faults = faults
    return app
