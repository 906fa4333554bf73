"""The token endpoint: `POST /v1/access_token` trades an integration's refresh token for an access token.

As the integrations guide documents it: a form-encoded body of `grant_type=refresh_token`, `client_id`,
`client_secret` and `refresh_token`, answered with `access_token`, `expires_in`, `refresh_token`,
`refresh_token_expires_in` and `token_type` (seconds, Bearer). The refusals are in the Webex error shape
every endpoint answers in (`message`, `errors`, `trackingId`), with the OAuth 2.0 error word first in the
message; which of 400 and 401 each gets follows RFC 6749 (401 for the client, 400 for the grant), as the
live texts are not on record.

The integrations it knows are given to `create_app` (never kept in the state file): by default one,
DEFAULT_INTEGRATION. An access token it issues carries its own expiry, signed with a key of this app, so
the gateway can refuse it once expired (401, as the API does) without keeping every token issued; any
other bearer token is judged as before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.sandbox.errors import TOKEN_CLIENT, TOKEN_GRANT, WebexError
from reconciler.sandbox.settings import SandboxSettings

TOKEN_PATH = "/v1/access_token"
ISSUED_PREFIX = "SANDBOX_AT_"
# The lifetimes of the integrations guide's example answer: 14 days, and 90 for the refresh token.
DEFAULT_TOKEN_LIFETIME = 1_209_600
REFRESH_TOKEN_LIFETIME = 7_776_000
SCOPES = (
    "spark-admin:locations_read spark-admin:telephony_config_read spark-admin:telephony_config_write "
    "spark-admin:telephony_pstn_read spark-admin:telephony_pstn_write"
)
FIELDS = ("grant_type", "client_id", "client_secret", "refresh_token")
SECRET_FIELDS = frozenset({"client_secret", "refresh_token"})


@dataclass(frozen=True)
class Integration:
    """An integration (or service app) the token endpoint knows: its client id and secret, and the
    refresh token it was given."""

    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    refresh_token: str = "sandbox-refresh"

    def __repr__(self) -> str:
        return f"Integration(client_id={self.client_id!r})"


DEFAULT_INTEGRATION = Integration()


@dataclass(frozen=True)
class TokenSettings:
    """What the token endpoint issues: for whom, for how long, and whether each refresh token is
    replaced by a new one (the old one then refused), as OAuth allows a server to do."""

    integrations: tuple[Integration, ...] = (DEFAULT_INTEGRATION,)
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME  # seconds
    rotate_refresh_tokens: bool = False

    def __post_init__(self) -> None:
        if self.token_lifetime < 1:
            raise ValueError("the token lifetime must be at least 1 s")


@dataclass
class TokenIssuer:
    """Issues access tokens and knows, for any bearer token, whether it is one of its own still valid."""

    settings: TokenSettings
    sandbox: SandboxSettings
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    _refresh: dict[str, str] = field(default_factory=dict, repr=False)  # client id -> its refresh token
    issued: int = 0

    def __post_init__(self) -> None:
        self._refresh = {i.client_id: i.refresh_token for i in self.settings.integrations}

    def routes(self) -> list[Route]:
        return [Route(TOKEN_PATH, self.access_token, methods=["POST"])]

    async def access_token(self, request: Request) -> Response:
        form = _form(await request.body(), request.headers.get("content-type", ""))
        integration = self._integration(form)
        if form["refresh_token"] != self._refresh[integration.client_id]:
            raise WebexError.one(
                400,
                "invalid_grant: the refresh token is invalid, expired, revoked or another client's",
                TOKEN_GRANT,
            )
        if self.settings.rotate_refresh_tokens:
            self._refresh[integration.client_id] = f"SANDBOX_RT_{secrets.token_urlsafe(24)}"
        self.issued += 1
        lifetime = self.settings.token_lifetime
        return JSONResponse(
            {
                "access_token": self._token(self.sandbox.clock() + lifetime),
                "expires_in": lifetime,
                "refresh_token": self._refresh[integration.client_id],
                "refresh_token_expires_in": REFRESH_TOKEN_LIFETIME,
                "token_type": "Bearer",
                "scope": SCOPES,
            }
        )

    def _integration(self, form: dict[str, str]) -> Integration:
        """The integration the form's client id and secret name, or the refusal for a bad request."""
        missing = [name for name in FIELDS if not form.get(name)]
        if missing:
            raise WebexError.one(400, f"invalid_request: {', '.join(missing)} missing", TOKEN_GRANT)
        if form["grant_type"] != "refresh_token":
            raise WebexError.one(
                400,
                "unsupported_grant_type: the sandbox issues tokens for grant_type=refresh_token only",
                TOKEN_GRANT,
            )
        for integration in self.settings.integrations:
            if integration.client_id == form["client_id"] and hmac.compare_digest(
                integration.client_secret.encode(), form["client_secret"].encode()
            ):
                return integration
        raise WebexError.one(401, "invalid_client: unknown client or wrong client secret", TOKEN_CLIENT)

    def _token(self, expires_at: float) -> str:
        body = f"{int(expires_at * 1000)}_{secrets.token_hex(8)}"
        return f"{ISSUED_PREFIX}{body}_{self._mac(body)}"

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def verdict(self, token: str) -> bool | None:
        """None: not a token this endpoint issues; True: one of its own, still valid; False: one that
        expired, or that it never issued (another app's, or altered)."""
        if not token.startswith(ISSUED_PREFIX):
            return None
        expires_ms, _, rest = token.removeprefix(ISSUED_PREFIX).partition("_")
        nonce, _, mac = rest.partition("_")
        if not (expires_ms.isdigit() and hmac.compare_digest(mac, self._mac(f"{expires_ms}_{nonce}"))):
            return False
        return self.sandbox.clock() < int(expires_ms) / 1000


def _form(body: bytes, content_type: str) -> dict[str, str]:
    """The request's fields: form-encoded as documented, or a JSON object (clients send either)."""
    text = body.decode("utf-8", errors="replace")
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            data: Any = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise WebexError.one(400, "invalid_request: the body is not a JSON object", TOKEN_GRANT)
        return {str(k): v for k, v in data.items() if isinstance(v, str)}
    return dict(parse_qsl(text))


def logged_body(body: bytes, content_type: str) -> dict[str, str]:
    """A token request's fields as the request log keeps them: the secrets left out."""
    try:
        fields = _form(body, content_type)
    except WebexError:
        return {}
    return {k: "[redacted]" if k in SECRET_FIELDS else v for k, v in fields.items()}
