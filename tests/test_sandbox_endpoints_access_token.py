"""The simulator's token endpoint, POST /v1/access_token, and the gateway's verdict on the tokens it issues
(in-process over httpx, a fake clock moving expiry)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from inprocess import FakeClock

from reconciler.sandbox import SandboxOrg, SandboxSettings, create_app
from reconciler.sandbox.endpoints.access_token import (
    DEFAULT_INTEGRATION,
    REFRESH_TOKEN_LIFETIME,
    Integration,
    TokenSettings,
)
from reconciler.sandbox.errors import TOKEN_CLIENT, TOKEN_GRANT, UNAUTHORIZED

GRANT = {
    "grant_type": "refresh_token",
    "client_id": DEFAULT_INTEGRATION.client_id,
    "client_secret": DEFAULT_INTEGRATION.client_secret,
    "refresh_token": DEFAULT_INTEGRATION.refresh_token,
}


def make_app(clock: FakeClock, **tokens: Any) -> Any:
    return create_app(
        SandboxOrg.seed(), settings=SandboxSettings(clock=clock), tokens=TokenSettings(**tokens)
    )


def exchange(app: Any, *calls: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
    """Each (method, path, httpx keyword arguments) in turn against `app`, the answers in order."""

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/v1") as client:
            return [await client.request(method, path, **kwargs) for method, path, kwargs in calls]

    return asyncio.run(go())


def post(app: Any, form: dict[str, str]) -> httpx.Response:
    return exchange(app, ("POST", "/access_token", {"data": form}))[0]


def bearer(token: str) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def test_a_refresh_token_is_traded_for_an_access_token_in_the_documented_shape(clock: FakeClock) -> None:
    app = make_app(clock, token_lifetime=3600)
    answer = post(app, GRANT)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "token_type",
        "scope",
    }
    assert (body["expires_in"], body["token_type"]) == (3600, "Bearer")
    assert (body["refresh_token"], body["refresh_token_expires_in"]) == (
        DEFAULT_INTEGRATION.refresh_token,
        REFRESH_TOKEN_LIFETIME,
    )
    assert "spark-admin:telephony_config_write" in body["scope"].split()
    assert app.state.tokens.issued == 1


def test_a_json_body_is_taken_as_the_form_is(clock: FakeClock) -> None:
    answer = exchange(make_app(clock), ("POST", "/access_token", {"json": GRANT}))[0]
    assert answer.status_code == 200 and answer.json()["access_token"]


@pytest.mark.parametrize(
    ("change", "status", "code", "message"),
    [
        ({"client_secret": "not-the-secret"}, 401, TOKEN_CLIENT, "invalid_client: "),
        ({"client_id": "someone-else"}, 401, TOKEN_CLIENT, "invalid_client: "),
        ({"refresh_token": "an-old-refresh-token"}, 400, TOKEN_GRANT, "invalid_grant: "),
        ({"grant_type": "authorization_code"}, 400, TOKEN_GRANT, "unsupported_grant_type: "),
        ({"refresh_token": ""}, 400, TOKEN_GRANT, "invalid_request: refresh_token missing"),
        (
            {"grant_type": "", "client_secret": ""},
            400,
            TOKEN_GRANT,
            "invalid_request: grant_type, client_secret",
        ),
    ],
)
def test_bad_credentials_are_refused_in_the_webex_error_shape(
    clock: FakeClock, change: dict[str, str], status: int, code: int, message: str
) -> None:
    app = make_app(clock)
    answer = post(app, {**GRANT, **change})
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"message", "errors", "trackingId"}
    assert body["message"].startswith(message)
    assert body["errors"] == [{"description": body["message"], "errorCode": code}]
    assert app.state.tokens.issued == 0
    assert DEFAULT_INTEGRATION.client_secret not in answer.text  # the refusal never echoes a secret


def test_only_post_is_allowed(clock: FakeClock) -> None:
    answer = exchange(make_app(clock), ("GET", "/access_token", {}))[0]
    assert answer.status_code == 405


def test_the_token_endpoint_needs_no_bearer_token_even_when_the_sandbox_requires_one(
    clock: FakeClock,
) -> None:
    app = create_app(SandboxOrg.seed(), token="the-one-static-token", settings=SandboxSettings(clock=clock))
    token = post(app, GRANT).json()["access_token"]
    answers = exchange(
        app, ("GET", "/locations", bearer(token)), ("GET", "/locations", bearer("other-token"))
    )
    assert [a.status_code for a in answers] == [200, 401]


def test_an_issued_token_works_until_its_lifetime_ends_then_answers_401(clock: FakeClock) -> None:
    app = make_app(clock, token_lifetime=60)
    token = post(app, GRANT).json()["access_token"]
    clock.now += 59.9
    assert exchange(app, ("GET", "/locations", bearer(token)))[0].status_code == 200
    clock.now += 0.1
    expired = exchange(app, ("GET", "/locations", bearer(token)))[0]
    assert expired.status_code == 401
    assert expired.json()["errors"][0]["errorCode"] == UNAUTHORIZED
    # Any other token is judged as before: the sandbox without a token of its own takes it.
    assert exchange(app, ("GET", "/locations", bearer("any-token")))[0].status_code == 200


def test_an_altered_or_another_apps_token_is_refused(clock: FakeClock) -> None:
    app, other = make_app(clock), make_app(clock)
    token = post(app, GRANT).json()["access_token"]
    prefix, _, rest = token.partition("_AT_")
    far_future = f"{prefix}_AT_9{rest}"  # a later expiry, without the signature that goes with it
    for forged in (far_future, token[:-1] + ("0" if token[-1] != "0" else "1")):
        assert exchange(app, ("GET", "/locations", bearer(forged)))[0].status_code == 401
    assert exchange(other, ("GET", "/locations", bearer(token)))[0].status_code == 401


def test_rotating_refresh_tokens_replace_each_other(clock: FakeClock) -> None:
    app = make_app(clock, rotate_refresh_tokens=True)
    first = post(app, GRANT).json()["refresh_token"]
    assert first != DEFAULT_INTEGRATION.refresh_token
    assert post(app, GRANT).status_code == 400  # the one it replaced
    second = post(app, {**GRANT, "refresh_token": first}).json()["refresh_token"]
    assert second not in (first, DEFAULT_INTEGRATION.refresh_token)
    assert post(app, {**GRANT, "refresh_token": first}).status_code == 400


def test_several_integrations_each_with_its_own_secret(clock: FakeClock) -> None:
    acme = Integration("acme-client", "acme-secret-value", "acme-refresh-value")
    app = make_app(clock, integrations=(DEFAULT_INTEGRATION, acme))
    acme_grant = {**GRANT, "client_id": "acme-client", "refresh_token": "acme-refresh-value"}
    assert post(app, {**acme_grant, "client_secret": "acme-secret-value"}).status_code == 200
    assert post(app, {**acme_grant, "client_secret": DEFAULT_INTEGRATION.client_secret}).status_code == 401
    assert post(app, {**GRANT, "refresh_token": "acme-refresh-value"}).status_code == 400


def test_the_request_log_keeps_the_form_without_its_secrets(clock: FakeClock) -> None:
    app = make_app(clock)
    post(app, GRANT)
    (logged,) = app.state.requests
    assert logged.body == {**GRANT, "client_secret": "[redacted]", "refresh_token": "[redacted]"}
    assert "authorization" not in logged.headers


def test_the_token_endpoint_meets_injected_faults_but_no_org_rate_limit(clock: FakeClock) -> None:
    app = create_app(
        SandboxOrg.seed(), settings=SandboxSettings(clock=clock, rate_limit_per_second=1, fail_rate=0.0)
    )
    assert [post(app, GRANT).status_code for _ in range(3)] == [200, 200, 200]
    app.state.settings.fail_rate = 1.0
    assert post(app, GRANT).status_code in (500, 502, 503, 504)


def test_a_lifetime_under_one_second_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 s"):
        TokenSettings(token_lifetime=0)


def test_the_integration_repr_shows_no_secret() -> None:
    assert DEFAULT_INTEGRATION.client_secret not in repr(DEFAULT_INTEGRATION)
    assert DEFAULT_INTEGRATION.refresh_token not in repr(TokenSettings())
