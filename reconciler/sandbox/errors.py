"""Webex-style error answers of the sandbox, and the errorCodes it uses.

Every error body is ``{"message", "errors": [{"description", "errorCode"}], "trackingId"}``; the message
is the first description. The codes are the simulator's own choice (Webex publishes no full list):

========= ====== ======================================================================================
errorCode status meaning
========= ====== ======================================================================================
4001      401    missing, malformed or wrong bearer token
4003      403    an ``orgId`` that is none of the sandbox's orgs: the token may not act there (a live org
                 answers an org it may not act in with 403; one that does not exist is not on record)
4005      405    method not allowed on a known path
4008      404    not found: unknown path, location (or one not enabled for Calling, or of another org), job
4009      404    the PSTN service's ``{"errorMessage", "errorCode", "trackingId"}`` (no ``message``) for a
                 calling location whose PSTN connection was never set: "PSTN for the location is not
                 configured." (the live text; the status and code are not on record)
4010      400    the token endpoint (``POST /v1/access_token``): a field missing, a grant type other than
                 ``refresh_token``, or a refresh token it does not know (or replaced by a newer one)
4011      401    the token endpoint: an unknown client id, or a wrong client secret
4029      429    rate limited (the org's token bucket or sliding window); the ``Retry-After`` header says
                 how many whole seconds to wait (or carries the text of ``SandboxSettings.retry_after``)
4400      400    a bad query parameter (``max``, ``start``, ``order``, ``serviceTypes``)
5600      400    ``routingPrefix`` already used by another location (observed on the live API)
6100      (job)  ``key`` and ``code`` of a routing-prefix job's error item (``failing_jobs``,
                 ``jobs_with_errors``)
25000     400    the body is not JSON, or not a JSON object
25024     400    an outgoing-permission call type the API reports but refuses in a PUT (URL_DIALING, UNKNOWN,
                 CASUAL, LOCAL, TOLL): live orgs answered 25024 or 25321 for the first three; which for
                 which is not on record
25008     400    an invalid field value: unknown field, wrong JSON type, bad format, missing required
                 field, a reference to a trunk/route group/option that does not exist or is not available,
                 a setting the location's country does not allow, a PSTN type the API cannot set
503       503    the sandbox's own state file cannot be used (corrupt, unreadable, or locked by another
                 process past the wait): the description names the file
500       500    a bug in the sandbox itself (the exception still propagates, for the test to see)
500-504   5xx    a fault injected by ``SandboxSettings.fail_rate`` (500, 502, 503 or 504): the errorCode
                 is the status, and the description says the fault was injected
========= ====== ======================================================================================

A 409 for a routing-prefix change while another job runs (or as if one did: ``prefix_conflicts``) and a
206 for a change whose job was not triggered (``prefix_not_triggered``) are not error bodies: they are
``{"failureReason", "trackingId"}``, as the API reference describes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Scope

UNAUTHORIZED = 4001
FORBIDDEN = 4003
METHOD_NOT_ALLOWED = 4005
NOT_FOUND = 4008
PSTN_NOT_CONFIGURED = 4009
TOKEN_GRANT = 4010
TOKEN_CLIENT = 4011
RATE_LIMITED = 4029
BAD_QUERY = 4400
DUPLICATE_ROUTING_PREFIX = 5600
BAD_BODY = 25000
INVALID_VALUE = 25008
REFUSED_CALL_TYPE = 25024
PREFIX_JOB_ERROR = 6100
STATE_FILE = 503

# Where the gateway leaves the request's tracking id for the handlers (an ASGI scope extension key).
TRACKING_KEY = "wxc_sandbox.tracking_id"


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a request, as one entry of the error body's `errors` list."""

    description: str
    code: int = INVALID_VALUE


class WebexError(Exception):
    """Raised by a handler; answered as a Webex error body with the request's tracking id."""

    def __init__(
        self, status: int, violations: Sequence[Violation], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(violations[0].description)
        self.status = status
        self.violations = tuple(violations)
        self.headers = dict(headers or {})

    @classmethod
    def one(cls, status: int, description: str, code: int) -> WebexError:
        return cls(status, [Violation(description, code)])


def new_tracking_id() -> str:
    return f"ROUTER_{uuid.uuid4()}"


def tracking_id(scope: Scope) -> str:
    """The tracking id of the request: the client's `TrackingID` header, else one the gateway made."""
    value = scope.get(TRACKING_KEY)
    return value if isinstance(value, str) else new_tracking_id()


def error_response(
    status: int,
    violations: Sequence[Violation],
    tracking: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {
        "message": violations[0].description,
        "errors": [{"description": v.description, "errorCode": v.code} for v in violations],
        "trackingId": tracking,
    }
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def pstn_not_configured(request: Request) -> JSONResponse:
    """The PSTN service's answer for a calling location without a PSTN connection: its own body shape."""
    body = {
        "errorMessage": "PSTN for the location is not configured.",
        "errorCode": PSTN_NOT_CONFIGURED,
        "trackingId": tracking_id(request.scope),
    }
    return JSONResponse(body, status_code=404)


def webex_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette exception handler for WebexError."""
    assert isinstance(exc, WebexError)
    return error_response(exc.status, exc.violations, tracking_id(request.scope), exc.headers)


def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own 404 (no route) and 405 (known path, wrong method) as Webex error bodies."""
    status = getattr(exc, "status_code", 500)
    headers: Mapping[str, str] = getattr(exc, "headers", None) or {}
    if status == 405:
        violation = Violation(
            f"Method {request.method} is not allowed on {request.url.path}", METHOD_NOT_ALLOWED
        )
    elif status == 404:
        violation = Violation(f"The requested resource {request.url.path} could not be found.", NOT_FOUND)
    else:
        violation = Violation(str(getattr(exc, "detail", "Request failed")), status)
    return error_response(status, [violation], tracking_id(request.scope), headers)
