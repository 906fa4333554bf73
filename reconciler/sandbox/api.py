"""What the simulator's route handlers share: the live orgs, their settings and state file, the org a
request acts in, and the few steps every endpoint takes (find the location, read a JSON body, page a
list, save the change).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.errors import BAD_BODY, FORBIDDEN, NOT_FOUND, STATE_FILE, Violation, WebexError
from reconciler.sandbox.org import Location, PstnConnection, SandboxOrg, SandboxOrgs, StateFileError
from reconciler.sandbox.paging import paginate
from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.statefile import StateFile

Handler = Callable[[Request], Awaitable[Response]]
# The routes of one endpoint: path -> HTTP method -> handler.
Routes = dict[str, dict[str, Handler]]


# The org the request being handled acts in: set around each handler (see Api.handling).
_ACTING: contextvars.ContextVar[SandboxOrg] = contextvars.ContextVar("wxc_sandbox_acting_org")


class Api:
    """The live orgs behind the handlers, and their state file when they have one."""

    def __init__(self, orgs: SandboxOrgs, settings: SandboxSettings, state_path: Path | None) -> None:
        self.orgs = orgs
        self.settings = settings
        self.state = StateFile(state_path) if state_path is not None else None

    @property
    def org(self) -> SandboxOrg:
        """The org the request being handled acts in (outside a request: the token's own)."""
        return _ACTING.get(None) or self.orgs.own

    @contextlib.asynccontextmanager
    async def handling(self, request: Request) -> AsyncIterator[None]:
        """Around each request: with a state file, its lock and its latest state; the org the request
        acts in; then that org's jobs that ended. A state file that cannot be used is a 503 saying
        why, never a crash of the app."""
        if self.state is None:
            async with self._acting(request):
                yield
            return
        try:
            async with self.state.request(self.orgs), self._acting(request):
                yield
        except StateFileError as exc:
            raise WebexError.one(503, str(exc), STATE_FILE) from None

    @contextlib.asynccontextmanager
    async def _acting(self, request: Request) -> AsyncIterator[None]:
        token = _ACTING.set(self._org_of(request))
        try:
            self._end_jobs()
            yield
        finally:
            _ACTING.reset(token)

    def _org_of(self, request: Request) -> SandboxOrg:
        """The request's `orgId`'s org (absent: the token's own), or a 403.

        Partner administrators act in a customer's org by its `orgId`, and the API checks the caller
        may act there [Webex partner guide: "the system checks if you have the necessary rights to
        act on that organization"]; the documented answer for an access that is not allowed is 403
        [D: the response codes of every reference page]. What a live org answers for an `orgId` that
        names no org at all is not on record: a caller cannot tell it from one it may not act in, so
        the sandbox answers both alike. The token may act in every org of the sandbox.
        """
        org_id = request.query_params.get("orgId")
        if org_id is None:
            return self.orgs.own
        org = self.orgs.get(org_id)
        if org is None:
            raise WebexError.one(403, f"Not authorized to act in organization {org_id}", FORBIDDEN)
        return org

    def _end_jobs(self) -> None:
        """Finish the jobs that ended since the last request: a failed one restores the old prefix.

        Job time comes from the (injectable) clock, not from a timer, so this runs before every request.
        """
        if self.org.end_jobs(self.settings.clock(), self.settings.job_seconds):
            self.saved()

    def location(self, request: Request) -> Location:
        """The calling location of the path's `locationId`, or a 404."""
        location_id = request.path_params["locationId"]
        location = self.org.calling_location(location_id)
        if location is None:
            raise WebexError.one(
                404, f"Location {location_id} not found or not enabled for Webex Calling", NOT_FOUND
            )
        return location

    def page(self, request: Request, items: list[Any], render: Callable[[Any], Any], key: str) -> Response:
        """A telephony list: `start`/`max` paging, next links without filters unless configured."""
        page, headers = paginate(
            request, items, self.settings, keep_query=not self.settings.drop_query_in_next_links
        )
        return JSONResponse({key: [render(item) for item in page]}, headers=headers)

    def local_gateway(
        self, location: Location, route_type: str, route_id: str, option_id: str | None
    ) -> PstnConnection:
        """A local-gateway connection over the route, through the location's local-gateway option unless
        the body named one (the PUT rules have checked there is one)."""
        if option_id is None:
            option = self.org.local_gateway_option(location)
            assert option is not None  # the rules refuse a local gateway where none is available
            option_id = option.id
        return PstnConnection(option_id, route_type, route_id)

    def saved(self) -> None:
        """Write the org to its state file, after each successful change."""
        if self.state is not None:
            self.state.save(self.orgs)


def contains(needle: str | None, haystack: str) -> bool:
    """A list's name filter: absent, or a case-insensitive substring."""
    return needle is None or needle.casefold() in haystack.casefold()


async def json_object(request: Request) -> dict[str, Any]:
    """The request's body, which must be a JSON object (a 400 otherwise)."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise WebexError.one(400, "The request body is not valid JSON", BAD_BODY) from None
    if not isinstance(body, dict):
        raise WebexError.one(400, "The request body must be a JSON object", BAD_BODY)
    return body


async def checked_body(
    request: Request, check: Callable[[dict[str, Any]], list[Violation]]
) -> dict[str, Any]:
    """The request's JSON object body, or a 400 with every violation `check` finds in it."""
    body = await json_object(request)
    violations = check(body)
    if violations:
        raise WebexError(400, violations)
    return body


def setting_routes(
    api: Api,
    endpoint: str,
    defaults: Mapping[str, Any],
    check: Callable[[dict[str, Any]], list[Violation]],
) -> Routes:
    """GET and PUT of a location setting kept in `Location.settings[endpoint]` (absent: `defaults`, as
    the API shows it). The PUT is partial: a valid body writes only the fields it sends, nested objects
    field by field, and is answered 204; an invalid one is a 400 with every violation `check` finds."""

    async def get(request: Request) -> Response:
        location = api.location(request)
        return JSONResponse(location.settings.get(endpoint) or copy.deepcopy(dict(defaults)))

    async def put(request: Request) -> Response:
        location = api.location(request)
        body = await checked_body(request, check)
        location.settings[endpoint] = updated(location.settings.get(endpoint) or defaults, body)
        api.saved()
        return Response(status_code=204)

    return {f"/v1/telephony/config/locations/{{locationId}}/{endpoint}": {"GET": get, "PUT": put}}


def updated(state: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `state` with the fields `body` sends, nested objects field by field; null removes one
    (the API leaves unset fields out of its answers)."""
    result = copy.deepcopy(dict(state))
    for key, value in body.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = updated(result[key], value)
        elif value is None:
            result.pop(key, None)
        else:
            result[key] = copy.deepcopy(value)
    return result
