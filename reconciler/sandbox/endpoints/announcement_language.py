"""The location's announcement-language action:
POST /telephony/config/locations/{locationId}/actions/modifyAnnouncementLanguage/invoke.

`announcementLanguageCode` is required; `agentEnabled` re-languages the location's existing people and
workspaces, `serviceEnabled` its existing features. A valid call is answered 204. It leaves the
location's own `announcementLanguage` (the default for new people and features) alone. The simulator
has no people or features to re-language, so it records each run in the location's state instead,
which nothing of the API shows (tests read it to see the action ran). The list of codes the API knows
(GET /telephony/config/announcementLanguages) is not simulated: a code is a lower-case one, as the
details PUT takes.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api, Routes, checked_body
from reconciler.sandbox.endpoints.details import LANGUAGE
from reconciler.sandbox.errors import Violation
from reconciler.sandbox.rules import check_fields

KEY = "modifyAnnouncementLanguage"
REQUIRED = ("announcementLanguageCode",)

# See `reconciler.sandbox.endpoints`.
ACCEPTED: dict[str, str] = {
    "announcementLanguageCode": LANGUAGE.pattern,
    "agentEnabled": "boolean",
    "serviceEnabled": "boolean",
}
NULLABLE: frozenset[str] = frozenset()


def check_invocation(body: dict[str, Any]) -> list[Violation]:
    """Every violation of an invocation's body."""
    return check_fields(body, ACCEPTED, NULLABLE, REQUIRED)


def runs(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The bodies of the action's runs at a location, oldest first, as recorded in its settings."""
    recorded = settings.get(KEY, {}).get("runs", [])
    return list(recorded) if isinstance(recorded, list) else []


def routes(api: Api) -> Routes:
    async def invoke(request: Request) -> Response:
        location = api.location(request)
        body = await checked_body(request, check_invocation)
        location.settings[KEY] = {"runs": [*runs(location.settings), copy.deepcopy(body)]}
        api.saved()
        return Response(status_code=204)

    path = "/v1/telephony/config/locations/{locationId}/actions/modifyAnnouncementLanguage/invoke"
    return {path: {"POST": invoke}}
