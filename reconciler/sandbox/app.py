"""The Webex Calling simulator as a Starlette app: the endpoints of the API contract, under /v1.

The managed endpoints are modules of `reconciler.sandbox.endpoints`, each with its rules, views and
handlers; here are the routes they all rely on (locations, premises routes, routing-prefix jobs), the
gateway (auth, orgId, faults, the request log) and the error handlers. Error bodies and errorCodes: see
`reconciler.sandbox.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.sandbox import endpoints, views
from reconciler.sandbox.api import Api, Handler, Routes, contains
from reconciler.sandbox.endpoints import messages
from reconciler.sandbox.endpoints.access_token import TokenIssuer, TokenSettings
from reconciler.sandbox.errors import NOT_FOUND, WebexError, http_error_handler, webex_error_handler
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.gateway import Gateway, RecordedRequest
from reconciler.sandbox.org import Job, SandboxOrg, SandboxOrgs
from reconciler.sandbox.paging import paginate
from reconciler.sandbox.settings import SandboxSettings


def _route(
    path: str,
    around: Callable[[Request], AbstractAsyncContextManager[None]],
    handlers: Mapping[str, Handler],
) -> Route:
    """One route per path, so a wrong method on a known path is a 405 naming every allowed method.

    Every handler runs inside `around(request)`. The answer is sent after it, so the latency is not inside.
    """

    async def endpoint(request: Request) -> Response:
        async with around(request):
            return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return Route(path, endpoint, methods=list(handlers))


class _Shared:
    """The handlers of the lookups and jobs every managed endpoint relies on."""

    def __init__(self, api: Api) -> None:
        self.api = api

    @property
    def org(self) -> SandboxOrg:
        """The org the request acts in."""
        return self.api.org

    def routes(self) -> Routes:
        return {
            "/v1/locations": {"GET": self.list_locations},
            "/v1/telephony/config/premisePstn/trunks": {"GET": self.list_trunks},
            "/v1/telephony/config/premisePstn/routeGroups": {"GET": self.list_route_groups},
            "/v1/telephony/config/jobs/updateRoutingPrefix/{jobId}": {"GET": self.get_job},
            "/v1/telephony/config/jobs/updateRoutingPrefix/{jobId}/errors": {"GET": self.get_job_errors},
        }

    async def list_locations(self, request: Request) -> Response:
        name, location_id = request.query_params.get("name"), request.query_params.get("id")
        items = [
            loc
            for loc in self.org.locations.values()
            if (name is None or loc.name == name) and (location_id is None or loc.id == location_id)
        ]
        page, headers = paginate(request, items, self.api.settings, keep_query=True)
        return JSONResponse({"items": [views.location_item(self.org, loc) for loc in page]}, headers=headers)

    async def list_trunks(self, request: Request) -> Response:
        name, location_name = request.query_params.get("name"), request.query_params.get("locationName")
        items = [
            t
            for t in self.org.trunks.values()
            if contains(name, t.name) and contains(location_name, t.location)
        ]
        in_use = self.org.routes_in_use()
        return self.api.page(request, items, lambda t: views.trunk_item(t, t.id in in_use), "trunks")

    async def list_route_groups(self, request: Request) -> Response:
        name = request.query_params.get("name")
        items = [rg for rg in self.org.route_groups.values() if contains(name, rg.name)]
        in_use = self.org.routes_in_use()
        return self.api.page(
            request, items, lambda rg: views.route_group_item(rg, rg.id in in_use), "routeGroups"
        )

    def _job_view(self, request: Request, render: Callable[[Job, float, float], dict[str, Any]]) -> Response:
        job_id = request.path_params["jobId"]
        job = self.org.jobs.get(job_id)
        if job is None:
            raise WebexError.one(404, f"Job {job_id} not found", NOT_FOUND)
        return JSONResponse(render(job, self.api.settings.clock(), self.api.settings.job_seconds))

    async def get_job(self, request: Request) -> Response:
        return self._job_view(request, views.job)

    async def get_job_errors(self, request: Request) -> Response:
        return self._job_view(request, views.job_errors)


def _routes(api: Api) -> list[Route]:
    """Every route: the shared ones, messaging, then each managed endpoint's, all inside `api.handling`."""
    tables = [
        _Shared(api).routes(),
        messages.routes(api),
        *(module.routes(api) for module in endpoints.MODULES),
    ]
    return [_route(path, api.handling, handlers) for table in tables for path, handlers in table.items()]


def create_app(
    org: SandboxOrg | SandboxOrgs,
    *,
    state_path: Path | None = None,
    token: str | None = None,
    settings: SandboxSettings | None = None,
    tokens: TokenSettings | None = None,
) -> Starlette:
    """The simulator over `org`, one org or several (mutated in place; saved to `state_path` after each
    successful change). A request acts in the org its `orgId` names, else in the first (the token's own).

    With `state_path`, the file is the truth, shared with any other process or app that serves it:
    each request holds its lock and first reads it afresh if another changed it (see
    `reconciler.sandbox.statefile`); `org` is served as it is until the file exists.

    `token=None` accepts any non-empty bearer token, which may act in every org; an access token of the
    token endpoint (`tokens`: whose refresh tokens it takes, and for how long its tokens last) is
    accepted until it expires. `app.state.orgs` is the live SandboxOrgs, `app.state.org` the token's own
    org (the live object as long as the state keeps that org first), `app.state.requests` the list of
    RecordedRequest answered so far, `app.state.settings` the settings (change their fields to change the
    app's behaviour), `app.state.faults` the faults' random generator and each org's rate limits,
    `app.state.tokens` the token endpoint's issuer.
    """
    orgs = SandboxOrgs.of(org)
    settings = settings or SandboxSettings()
    faults = Faults(settings)
    issuer = TokenIssuer(tokens or TokenSettings(), settings)
    log: list[RecordedRequest] = []
    gateway = Middleware(
        Gateway, orgs=orgs, token=token, settings=settings, faults=faults, log=log, issuer=issuer
    )
    app = Starlette(
        routes=[*issuer.routes(), *_routes(Api(orgs, settings, state_path))],
        middleware=[gateway],
        exception_handlers={WebexError: webex_error_handler, HTTPException: http_error_handler},
    )
    app.router.redirect_slashes = False
    app.state.orgs = orgs
    app.state.org = orgs.own
    app.state.requests = log
    app.state.settings = settings
    app.state.faults = faults
    app.state.tokens = issuer
    return app
