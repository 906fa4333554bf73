"""The sandbox simulator, in-process through httpx.ASGITransport: every endpoint and rule of the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from reconciler.sandbox import RecordedRequest, SandboxOrg, SandboxSettings, create_app, webex_id

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": "Bearer any-token"}
DENVER, PARIS, BERLIN, LONDON, CHICAGO, AUSTIN = (
    webex_id("LOCATION", n) for n in ("Denver", "Paris", "Berlin", "London", "Chicago", "Austin")
)
DENVER_LGW, PARIS_LGW = webex_id("TRUNK", "Denver-LGW"), webex_id("TRUNK", "Paris-LGW")
US_RG, EU_RG = webex_id("ROUTE_GROUP", "US-RG"), webex_id("ROUTE_GROUP", "EU-RG")
LOCAL_GATEWAY, PURE_IP, INTELEPEER, CISCO_PLAN = (
    webex_id("PSTN_CONNECTION", n)
    for n in ("Local Gateway", "Pure IP Cloud", "IntelePeer", "Cisco Calling Plan")
)
ORG_ID = webex_id("ORGANIZATION", "Big Corp")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Sandbox:
    app: Starlette
    client: httpx.AsyncClient
    clock: FakeClock

    @property
    def org(self) -> SandboxOrg:
        org: SandboxOrg = self.app.state.org
        return org

    @property
    def requests(self) -> list[RecordedRequest]:
        requests: list[RecordedRequest] = self.app.state.requests
        return requests

    async def details(self, location_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/telephony/config/locations/{location_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def pstn(self, location_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/telephony/pstn/locations/{location_id}/connection")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def sandbox_app(
    *,
    token: str | None = None,
    state_path: Path | None = None,
    headers: dict[str, str] | None = None,
    **settings: Any,
) -> AsyncIterator[Sandbox]:
    clock = FakeClock()
    settings.setdefault("job_seconds", 3.0)
    app = create_app(
        SandboxOrg.seed(),
        token=token,
        state_path=state_path,
        settings=SandboxSettings(clock=clock, **settings),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sandbox.test/v1", headers=AUTH if headers is None else headers
    ) as client:
        yield Sandbox(app, client, clock)


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with sandbox_app() as sandbox:
        yield sandbox


def assert_webex_error(response: httpx.Response, status: int, code: int, text: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message", "errors", "trackingId"}
    assert body["trackingId"] == response.headers["TrackingID"]
    assert body["trackingId"].startswith("ROUTER_") or "TrackingID" in response.request.headers
    assert body["errors"][0]["errorCode"] == code
    assert body["message"] == body["errors"][0]["description"]
    assert text in body["message"], body["message"]


# --- auth, tracking ids, orgId, unknown paths ------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "token-only"])
async def test_missing_or_malformed_token_is_401(authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with sandbox_app(headers=headers) as sandbox:
        response = await sandbox.client.get("/locations")
    assert_webex_error(response, 401, 4001, "access token")


async def test_any_token_when_none_is_configured_and_only_that_one_when_it_is() -> None:
    async with sandbox_app(headers={"Authorization": "bearer whatever"}) as sandbox:
        assert (await sandbox.client.get("/locations")).status_code == 200
    async with sandbox_app(token="s3cret", headers={}) as sandbox:
        wrong = await sandbox.client.get("/locations", headers={"Authorization": "Bearer other"})
        right = await sandbox.client.get("/locations", headers={"Authorization": "Bearer s3cret"})
    assert_webex_error(wrong, 401, 4001)
    assert right.status_code == 200


async def test_every_answer_carries_a_tracking_id_and_echoes_the_clients(sb: Sandbox) -> None:
    ok = await sb.client.get("/locations")
    assert ok.headers["TrackingID"].startswith("ROUTER_")
    other = await sb.client.get("/locations")
    assert other.headers["TrackingID"] != ok.headers["TrackingID"]
    mine = await sb.client.get("/telephony/config/locations/nope", headers={"TrackingID": "WXC_RECONCILE_42"})
    assert mine.headers["TrackingID"] == "WXC_RECONCILE_42"
    assert mine.json()["trackingId"] == "WXC_RECONCILE_42"
    no_content = await sb.client.put(f"/telephony/config/locations/{DENVER}", json={"outsideDialDigit": "8"})
    assert no_content.status_code == 204 and no_content.content == b""
    assert no_content.headers["TrackingID"].startswith("ROUTER_")


@pytest.mark.parametrize(
    "path",
    [
        "/locations",
        "/telephony/config/locations",
        f"/telephony/config/locations/{DENVER}",
        f"/telephony/pstn/locations/{DENVER}/connection",
        f"/telephony/pstn/locations/{DENVER}/connectionOptions",
        "/telephony/config/premisePstn/trunks",
        "/telephony/config/premisePstn/routeGroups",
    ],
)
async def test_org_id_the_token_may_not_act_in_is_403_and_the_own_one_is_fine(sb: Sandbox, path: str) -> None:
    other = webex_id("ORGANIZATION", "Someone Else")
    assert_webex_error(await sb.client.get(path, params={"orgId": other}), 403, 4003, other)
    assert (await sb.client.get(path, params={"orgId": ORG_ID})).status_code == 200


async def test_org_id_is_checked_on_put_too_and_nothing_changes(sb: Sandbox) -> None:
    response = await sb.client.put(
        f"/telephony/config/locations/{DENVER}", params={"orgId": "nope"}, json={"outsideDialDigit": "8"}
    )
    assert_webex_error(response, 403, 4003)
    assert (await sb.details(DENVER))["outsideDialDigit"] == "9"


async def test_unknown_path_is_404_and_wrong_method_405(sb: Sandbox) -> None:
    assert_webex_error(await sb.client.get("/telephony/config/nothing"), 404, 4008)
    assert_webex_error(await sb.client.get("/locations/"), 404, 4008)
    wrong = await sb.client.delete(f"/telephony/config/locations/{DENVER}")
    assert_webex_error(wrong, 405, 4005)
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "HEAD", "PUT"}
    assert_webex_error(await sb.client.post("/locations", json={}), 405, 4005)


# --- reading ---------------------------------------------------------------------------------------------


async def test_locations_lists_every_location_with_filters(sb: Sandbox) -> None:
    body = (await sb.client.get("/locations")).json()
    assert [item["name"] for item in body["items"]] == [
        "Denver",
        "Paris",
        "Berlin",
        "London",
        "Chicago",
        "Austin",
    ]
    denver = body["items"][0]
    assert denver["id"] == DENVER and denver["orgId"] == ORG_ID and denver["timeZone"] == "America/Denver"
    assert denver["address"]["country"] == "US" and denver["address"]["city"] == "Denver"
    assert {"preferredLanguage", "latitude", "longitude"} <= set(denver)
    exact = (await sb.client.get("/locations", params={"name": "Denver"})).json()["items"]
    assert [item["id"] for item in exact] == [DENVER]
    assert (await sb.client.get("/locations", params={"name": "Denv"})).json()["items"] == []
    by_id = (await sb.client.get("/locations", params={"id": AUSTIN})).json()["items"]
    assert [item["name"] for item in by_id] == ["Austin"]


async def test_telephony_locations_lists_calling_locations_only(sb: Sandbox) -> None:
    body = (await sb.client.get("/telephony/config/locations")).json()
    assert [item["name"] for item in body["locations"]] == ["Denver", "Paris", "Berlin", "London", "Chicago"]
    assert body["locations"][1] == {
        "id": PARIS,
        "name": "Paris",
        "routingPrefix": "200",
        "outsideDialDigit": "0",
        "enforceOutsideDialDigit": True,
        "callingLineId": {"name": "Paris", "phoneNumber": "+33142685300"},
        "e911SetupRequired": False,
    }
    found = (await sb.client.get("/telephony/config/locations", params={"name": "ER"})).json()["locations"]
    assert [item["name"] for item in found] == ["Denver", "Berlin"]
    ordered = await sb.client.get("/telephony/config/locations", params={"order": "name-desc"})
    assert [item["name"] for item in ordered.json()["locations"]] == [
        "Paris",
        "London",
        "Denver",
        "Chicago",
        "Berlin",
    ]
    assert_webex_error(
        await sb.client.get("/telephony/config/locations", params={"order": "size"}), 400, 4400
    )


async def test_details_of_a_location(sb: Sandbox) -> None:
    denver = await sb.details(DENVER)
    assert denver["id"] == DENVER and denver["name"] == "Denver"
    assert denver["announcementLanguage"] == "en_us"
    assert denver["callingLineId"] == {"name": "Denver Main", "phoneNumber": "+12145555698"}
    assert denver["externalCallerIdName"] == "Big Corp"
    assert (denver["outsideDialDigit"], denver["enforceOutsideDialDigit"], denver["routingPrefix"]) == (
        "9",
        False,
        "100",
    )
    # A cloud PSTN: a type without an id, as seen on live orgs.
    assert denver["connection"] == {"type": "CLOUD_CONNECTED_PSTN"}
    assert "chargeNumber" not in denver and "pAccessNetworkInfo" not in denver  # unset fields are left out
    paris = await sb.details(PARIS)
    assert paris["connection"] == {"type": "TRUNK", "id": PARIS_LGW}
    berlin = await sb.details(BERLIN)
    assert berlin["connection"] == {"type": "ROUTE_GROUP", "id": EU_RG}
    assert berlin["pAccessNetworkInfo"] == "Berlin-10115"
    assert "connection" not in await sb.details(CHICAGO)  # no PSTN connection set up yet


@pytest.mark.parametrize("location_id", [AUSTIN, "bm9wZQ", webex_id("LOCATION", "Nowhere")])
async def test_unknown_or_non_calling_location_is_404_everywhere(sb: Sandbox, location_id: str) -> None:
    for path in (
        f"/telephony/config/locations/{location_id}",
        f"/telephony/pstn/locations/{location_id}/connection",
        f"/telephony/pstn/locations/{location_id}/connectionOptions",
    ):
        assert_webex_error(await sb.client.get(path), 404, 4008, location_id)
    put = await sb.client.put(f"/telephony/config/locations/{location_id}", json={"outsideDialDigit": "9"})
    assert_webex_error(put, 404, 4008)
    pstn = await sb.client.put(f"/telephony/pstn/locations/{location_id}/connection", json={"id": PURE_IP})
    assert_webex_error(pstn, 404, 4008)


async def test_pstn_connection_and_options(sb: Sandbox) -> None:
    assert await sb.pstn(DENVER) == {
        "id": PURE_IP,
        "displayName": "Pure IP Cloud",
        "pstnServices": ["GEOGRAPHIC_NUMBERS", "TOLLFREE_NUMBERS"],
        "pstnConnectionType": "NON_INTEGRATED_CCP",
    }
    paris = await sb.pstn(PARIS)
    assert (paris["id"], paris["pstnConnectionType"]) == (LOCAL_GATEWAY, "LOCAL_GATEWAY")
    assert (paris["routeType"], paris["routeId"]) == ("TRUNK", PARIS_LGW)

    async def options(location_id: str, **params: str) -> list[str]:
        response = await sb.client.get(
            f"/telephony/pstn/locations/{location_id}/connectionOptions", params=params
        )
        assert response.status_code == 200
        return [item["displayName"] for item in response.json()["items"]]

    assert await options(DENVER) == ["Local Gateway", "Pure IP Cloud", "IntelePeer", "Cisco Calling Plan"]
    # As documented: {id, displayName, pstnServices}, never the option's pstnConnectionType.
    every = await sb.client.get(f"/telephony/pstn/locations/{DENVER}/connectionOptions")
    assert {frozenset(item) for item in every.json()["items"]} == {
        frozenset({"id", "displayName", "pstnServices"})
    }
    assert await options(PARIS) == ["Local Gateway", "Pure IP Cloud"]  # the US-only options are not offered
    assert await options(DENVER, serviceTypes="TOLLFREE_NUMBERS") == ["Pure IP Cloud"]
    assert await options(DENVER, serviceTypes="GEOGRAPHIC_NUMBERS,TOLLFREE_NUMBERS") == ["Pure IP Cloud"]
    bad = await sb.client.get(
        f"/telephony/pstn/locations/{DENVER}/connectionOptions", params={"serviceTypes": "FAX"}
    )
    assert_webex_error(bad, 400, 4400, "FAX")


async def test_trunks_and_route_groups(sb: Sandbox) -> None:
    trunks = (await sb.client.get("/telephony/config/premisePstn/trunks")).json()["trunks"]
    assert [t["name"] for t in trunks] == ["Denver-LGW", "Paris-LGW", "Berlin-LGW"]
    assert trunks[1] == {
        "id": PARIS_LGW,
        "name": "Paris-LGW",
        "location": {"id": PARIS, "name": "Paris"},
        "inUse": True,
        "trunkType": "REGISTERING",
    }
    assert [t["inUse"] for t in trunks] == [False, True, False]
    named = await sb.client.get("/telephony/config/premisePstn/trunks", params={"name": "paris"})
    assert [t["name"] for t in named.json()["trunks"]] == ["Paris-LGW"]
    located = await sb.client.get("/telephony/config/premisePstn/trunks", params={"locationName": "Berlin"})
    assert [t["name"] for t in located.json()["trunks"]] == ["Berlin-LGW"]
    groups = (await sb.client.get("/telephony/config/premisePstn/routeGroups")).json()["routeGroups"]
    assert groups == [
        {"id": US_RG, "name": "US-RG", "inUse": False},
        {"id": EU_RG, "name": "EU-RG", "inUse": True},
    ]
    eu = await sb.client.get("/telephony/config/premisePstn/routeGroups", params={"name": "eu"})
    assert [g["name"] for g in eu.json()["routeGroups"]] == ["EU-RG"]


# --- the location-details PUT ----------------------------------------------------------------------------

INVALID_DETAILS = [
    pytest.param(DENVER, {"announcementLanguage": "en_US"}, "announcementLanguage", id="language-upper-case"),
    pytest.param(DENVER, {"announcementLanguage": None}, "announcementLanguage", id="language-null"),
    pytest.param(DENVER, {"announcementLanguage": 7}, "announcementLanguage", id="language-type"),
    pytest.param(
        DENVER, {"callingLineId": {"name": "Denver HQ"}}, "phoneNumber", id="clid-name-without-number"
    ),
    pytest.param(DENVER, {"callingLineId": {"phoneNumber": "2145555698"}}, "E.164", id="clid-not-e164"),
    pytest.param(
        DENVER, {"callingLineId": {"phoneNumber": "+33142685300"}}, "does not belong", id="clid-foreign"
    ),
    pytest.param(
        DENVER, {"callingLineId": {"name": 5, "phoneNumber": "+12145555698"}}, "name", id="clid-name-type"
    ),
    pytest.param(DENVER, {"callingLineId": "+12145555698"}, "callingLineId", id="clid-type"),
    pytest.param(DENVER, {"callingLineId": None}, "callingLineId", id="clid-null"),
    pytest.param(
        DENVER,
        {"callingLineId": {"phoneNumber": "+12145555698", "extension": "1"}},
        "extension",
        id="clid-unknown",
    ),
    pytest.param(
        DENVER, {"connection": {"type": "SIP", "id": DENVER_LGW}}, "connection.type", id="conn-type"
    ),
    pytest.param(
        DENVER, {"connection": {"type": "TRUNK", "id": "nope"}}, "connection.id", id="conn-unknown-trunk"
    ),
    pytest.param(
        DENVER, {"connection": {"type": "ROUTE_GROUP", "id": DENVER_LGW}}, "connection.id", id="conn-kind"
    ),
    pytest.param(DENVER, {"connection": None}, "connection", id="conn-null"),
    pytest.param(DENVER, {"externalCallerIdName": 12}, "externalCallerIdName", id="ext-name-type"),
    pytest.param(DENVER, {"pAccessNetworkInfo": "Denver-80202"}, "BE, DE, FR", id="pani-country"),
    pytest.param(LONDON, {"pAccessNetworkInfo": "London-E1"}, "BE, DE, FR", id="pani-country-gb"),
    pytest.param(PARIS, {"pAccessNetworkInfo": 75002}, "pAccessNetworkInfo", id="pani-type"),
    pytest.param(DENVER, {"outsideDialDigit": "12"}, "outsideDialDigit", id="odd-two-digits"),
    pytest.param(DENVER, {"outsideDialDigit": 9}, "outsideDialDigit", id="odd-type"),
    pytest.param(DENVER, {"outsideDialDigit": "#"}, "outsideDialDigit", id="odd-not-digit"),
    pytest.param(DENVER, {"enforceOutsideDialDigit": "true"}, "enforceOutsideDialDigit", id="enforce-type"),
    pytest.param(DENVER, {"enforceOutsideDialDigit": None}, "enforceOutsideDialDigit", id="enforce-null"),
    pytest.param(DENVER, {"routingPrefix": ""}, "routingPrefix", id="prefix-empty"),
    pytest.param(DENVER, {"routingPrefix": "12345678"}, "routingPrefix", id="prefix-long"),
    pytest.param(DENVER, {"routingPrefix": "12a"}, "routingPrefix", id="prefix-not-digits"),
    pytest.param(DENVER, {"routingPrefix": 212}, "routingPrefix", id="prefix-type"),
    pytest.param(DENVER, {"chargeNumber": "4158952369"}, "chargeNumber", id="charge-not-e164"),
    pytest.param(DENVER, {"chargeNumber": 14158952369}, "chargeNumber", id="charge-type"),
    pytest.param(DENVER, {"name": "Denver HQ"}, "'name'", id="unknown-field"),
    pytest.param(DENVER, {"routingPrefix": "212", "userLimit": 5}, "'userLimit'", id="unknown-with-valid"),
]


@pytest.mark.parametrize(("location_id", "body", "text"), INVALID_DETAILS)
async def test_invalid_details_are_400_and_change_nothing(
    sb: Sandbox, location_id: str, body: dict[str, Any], text: str
) -> None:
    before = await sb.details(location_id)
    before_pstn = await sb.pstn(location_id)
    response = await sb.client.put(f"/telephony/config/locations/{location_id}", json=body)
    assert_webex_error(response, 400, 25008)
    assert any(text in error["description"] for error in response.json()["errors"]), response.json()
    assert await sb.details(location_id) == before
    assert await sb.pstn(location_id) == before_pstn
    assert sb.org.jobs == {}


async def test_every_violation_of_a_body_is_reported(sb: Sandbox) -> None:
    body = {
        "announcementLanguage": "en_US",
        "outsideDialDigit": "99",
        "routingPrefix": "200",
        "colour": "red",
    }
    response = await sb.client.put(f"/telephony/config/locations/{DENVER}", json=body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["errorCode"] for e in errors] == [25008, 25008, 5600, 25008]
    assert "announcementLanguage" in response.json()["message"]


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'"routingPrefix"', b"null"],
    ids=["empty", "text", "list", "str", "null"],
)
async def test_a_body_that_is_not_a_json_object_is_400(sb: Sandbox, content: bytes) -> None:
    for path in (f"/telephony/config/locations/{DENVER}", f"/telephony/pstn/locations/{DENVER}/connection"):
        response = await sb.client.put(path, content=content, headers={"Content-Type": "application/json"})
        assert_webex_error(response, 400, 25000)


async def test_valid_details_change_only_what_was_sent(sb: Sandbox) -> None:
    before = await sb.details(PARIS)
    body = {
        "announcementLanguage": "fr_fr",
        "callingLineId": {"phoneNumber": "+33142685301"},  # no name: the name stays
        "externalCallerIdName": "Big Corp-Paris",
        "pAccessNetworkInfo": "Paris-75",
        "outsideDialDigit": None,
        "chargeNumber": "+33142685300",
    }
    response = await sb.client.put(f"/telephony/config/locations/{PARIS}", json=body)
    assert response.status_code == 204 and response.content == b""
    after = await sb.details(PARIS)
    assert after["announcementLanguage"] == "fr_fr"
    assert after["callingLineId"] == {"name": "Paris", "phoneNumber": "+33142685301"}
    assert after["externalCallerIdName"] == "Big Corp-Paris"
    assert after["pAccessNetworkInfo"] == "Paris-75"
    assert "outsideDialDigit" not in after  # null cleared it
    assert after["enforceOutsideDialDigit"] is True  # clearing the digit does not touch enforcement
    assert after["chargeNumber"] == "+33142685300"
    assert after["routingPrefix"] == before["routingPrefix"] and after["connection"] == before["connection"]
    assert sb.org.jobs == {}


async def test_outside_dial_digit_change_does_not_change_enforcement(sb: Sandbox) -> None:
    assert (
        await sb.client.put(f"/telephony/config/locations/{DENVER}", json={"outsideDialDigit": "8"})
    ).status_code == 204
    after = await sb.details(DENVER)
    assert (after["outsideDialDigit"], after["enforceOutsideDialDigit"]) == ("8", False)
    both = {"enforceOutsideDialDigit": True, "callingLineId": {"name": None, "phoneNumber": "+12145555698"}}
    assert (await sb.client.put(f"/telephony/config/locations/{DENVER}", json=both)).status_code == 204
    after = await sb.details(DENVER)
    assert (after["outsideDialDigit"], after["enforceOutsideDialDigit"]) == ("8", True)
    assert after["callingLineId"] == {"phoneNumber": "+12145555698"}


async def test_duplicate_routing_prefix_is_400_with_5600(sb: Sandbox) -> None:
    response = await sb.client.put(f"/telephony/config/locations/{DENVER}", json={"routingPrefix": "300"})
    assert_webex_error(response, 400, 5600, "300")
    assert (await sb.details(DENVER))["routingPrefix"] == "100"
    assert sb.org.jobs == {}
    same = await sb.client.put(f"/telephony/config/locations/{DENVER}", json={"routingPrefix": "100"})
    assert same.status_code == 204  # its own prefix again: no change, no job
    assert sb.org.jobs == {}


async def test_routing_prefix_job_lifecycle(sb: Sandbox) -> None:
    start = sb.clock.now
    response = await sb.client.put(f"/telephony/config/locations/{DENVER}", json={"routingPrefix": "212"})
    assert response.status_code == 200
    job_id = response.json()["batchJobId"]
    assert job_id == next(iter(sb.org.jobs)) and job_id.startswith("Y2lzY29zcGFyazovL3VzL0pPQl9JRC")
    assert (await sb.details(DENVER))["routingPrefix"] == "212"  # shown at once, before the job ends

    async def job() -> dict[str, Any]:
        answer = await sb.client.get(f"/telephony/config/jobs/updateRoutingPrefix/{job_id}")
        assert answer.status_code == 200
        body: dict[str, Any] = answer.json()
        return body

    starting = await job()
    assert starting["id"] == job_id and starting["name"] == "updateroutingprefix"
    assert starting["trackingId"] == response.headers["TrackingID"]
    assert (starting["latestExecutionStatus"], starting["latestExecutionExitCode"]) == ("STARTING", "UNKNOWN")
    assert "endTime" not in starting["jobExecutionStatus"][0]
    sb.clock.now = start + 1.5
    started = await job()
    assert (started["latestExecutionStatus"], started["latestExecutionExitCode"]) == ("STARTED", "UNKNOWN")
    assert started["counts"] == {"routingPrefixUpdated": 0, "routingPrefixFailed": 0}
    sb.clock.now = start + 3.0
    done = await job()
    assert (done["latestExecutionStatus"], done["latestExecutionExitCode"]) == ("COMPLETED", "COMPLETED")
    assert done["counts"] == {"routingPrefixUpdated": 1, "routingPrefixFailed": 0}
    execution = done["jobExecutionStatus"][0]
    assert execution["statusMessage"] == "COMPLETED" and execution["exitCode"] == "COMPLETED"
    assert {"id", "startTime", "endTime", "lastUpdated", "createdTime", "timeElapsed"} <= set(execution)
    assert execution["timeElapsed"] == "PT3.000S"
    errors = await sb.client.get(f"/telephony/config/jobs/updateRoutingPrefix/{job_id}/errors")
    assert errors.status_code == 200 and errors.json() == {"items": []}


async def test_unknown_job_is_404(sb: Sandbox) -> None:
    unknown = webex_id("JOB_ID", "nothing")
    assert_webex_error(
        await sb.client.get(f"/telephony/config/jobs/updateRoutingPrefix/{unknown}"), 404, 4008
    )
    assert_webex_error(
        await sb.client.get(f"/telephony/config/jobs/updateRoutingPrefix/{unknown}/errors"), 404, 4008
    )


async def test_a_failed_job_reports_its_errors(sb: Sandbox) -> None:
    from reconciler.sandbox.org import JobError

    response = await sb.client.put(f"/telephony/config/locations/{DENVER}", json={"routingPrefix": "212"})
    job_id = response.json()["batchJobId"]
    sb.org.jobs[job_id].errors.append(JobError("Routing prefix update failed", 4711, "Denver"))
    path = f"/telephony/config/jobs/updateRoutingPrefix/{job_id}"
    assert (await sb.client.get(f"{path}/errors")).json() == {"items": []}  # nothing until it ends
    sb.clock.now += 3.0
    job = (await sb.client.get(path)).json()
    assert (job["latestExecutionStatus"], job["latestExecutionExitCode"]) == ("FAILED", "FAILED")
    assert job["counts"] == {"routingPrefixUpdated": 0, "routingPrefixFailed": 1}
    items = (await sb.client.get(f"{path}/errors")).json()["items"]
    assert items == [
        {
            "itemNumber": 1,
            "trackingId": job["trackingId"],
            "error": {
                "key": "4711",
                "message": [
                    {"description": "Routing prefix update failed", "code": "4711", "locationId": DENVER}
                ],
            },
        }
    ]


async def test_prefix_change_while_a_job_runs_is_409_and_changes_nothing(sb: Sandbox) -> None:
    first = await sb.client.put(f"/telephony/config/locations/{DENVER}", json={"routingPrefix": "212"})
    assert first.status_code == 200
    before = await sb.details(PARIS)
    sb.clock.now += 2.9
    body = {"routingPrefix": "201", "externalCallerIdName": "Changed"}
    busy = await sb.client.put(f"/telephony/config/locations/{PARIS}", json=body)
    assert busy.status_code == 409
    assert "another routing prefix job is in progress" in busy.json()["failureReason"]
    assert busy.json()["trackingId"] == busy.headers["TrackingID"]
    assert await sb.details(PARIS) == before
    assert len(sb.org.jobs) == 1
    other = await sb.client.put(
        f"/telephony/config/locations/{PARIS}", json={"externalCallerIdName": "Changed"}
    )
    assert other.status_code == 204  # no prefix change: no conflict
    sb.clock.now += 0.2
    retry = await sb.client.put(f"/telephony/config/locations/{PARIS}", json=body)
    assert retry.status_code == 200 and len(sb.org.jobs) == 2
    assert (await sb.details(PARIS))["routingPrefix"] == "201"


async def test_clearing_the_routing_prefix_starts_a_job(sb: Sandbox) -> None:
    response = await sb.client.put(f"/telephony/config/locations/{LONDON}", json={"routingPrefix": None})
    assert response.status_code == 200 and "batchJobId" in response.json()
    assert "routingPrefix" not in await sb.details(LONDON)
    sb.clock.now += 10
    again = await sb.client.put(f"/telephony/config/locations/{LONDON}", json={"routingPrefix": None})
    assert again.status_code == 204  # already clear: nothing changes, no job
    assert len(sb.org.jobs) == 1


async def test_details_connection_moves_the_pstn_to_a_local_gateway(sb: Sandbox) -> None:
    response = await sb.client.put(
        f"/telephony/config/locations/{DENVER}", json={"connection": {"type": "ROUTE_GROUP", "id": US_RG}}
    )
    assert response.status_code == 204
    assert (await sb.details(DENVER))["connection"] == {"type": "ROUTE_GROUP", "id": US_RG}
    pstn = await sb.pstn(DENVER)
    assert (pstn["pstnConnectionType"], pstn["routeType"], pstn["routeId"]) == (
        "LOCAL_GATEWAY",
        "ROUTE_GROUP",
        US_RG,
    )


# --- the PSTN PUT ----------------------------------------------------------------------------------------

INVALID_PSTN = [
    pytest.param(DENVER, {}, "required", id="empty"),
    pytest.param(DENVER, {"premiseRouteType": "TRUNK"}, "both required", id="type-without-id"),
    pytest.param(DENVER, {"premiseRouteId": DENVER_LGW}, "both required", id="id-without-type"),
    pytest.param(
        DENVER, {"premiseRouteType": "SIP", "premiseRouteId": DENVER_LGW}, "SIP", id="bad-route-type"
    ),
    pytest.param(DENVER, {"premiseRouteType": "TRUNK", "premiseRouteId": US_RG}, "TRUNK", id="rg-as-trunk"),
    pytest.param(
        DENVER, {"premiseRouteType": "ROUTE_GROUP", "premiseRouteId": "x"}, "ROUTE_GROUP", id="no-rg"
    ),
    pytest.param(
        DENVER,
        {"id": PURE_IP, "premiseRouteType": "TRUNK", "premiseRouteId": DENVER_LGW},
        "LOCAL_GATEWAY",
        id="lgw-with-ccp-option",
    ),
    pytest.param(DENVER, {"id": LOCAL_GATEWAY}, "premiseRouteType", id="lgw-option-without-route"),
    pytest.param(DENVER, {"id": CISCO_PLAN}, "cannot be set through the API", id="cisco-pstn"),
    pytest.param(
        PARIS, {"id": INTELEPEER}, "not a PSTN connection option available", id="option-not-in-country"
    ),
    pytest.param(DENVER, {"id": "bm9wZQ"}, "not a PSTN connection option", id="unknown-option"),
    pytest.param(DENVER, {"id": None}, "required", id="null-id"),
    pytest.param(DENVER, {"id": [PURE_IP]}, "not a PSTN connection option", id="id-type"),
    pytest.param(DENVER, {"id": PURE_IP, "provider": "x"}, "'provider'", id="unknown-field"),
]


@pytest.mark.parametrize(("location_id", "body", "text"), INVALID_PSTN)
async def test_invalid_pstn_setups_are_400_and_change_nothing(
    sb: Sandbox, location_id: str, body: dict[str, Any], text: str
) -> None:
    before, before_details = await sb.pstn(location_id), await sb.details(location_id)
    response = await sb.client.put(f"/telephony/pstn/locations/{location_id}/connection", json=body)
    assert_webex_error(response, 400, 25008, text)
    assert await sb.pstn(location_id) == before
    assert await sb.details(location_id) == before_details


async def test_pstn_to_a_local_gateway_and_back_to_a_cloud_provider(sb: Sandbox) -> None:
    path = f"/telephony/pstn/locations/{DENVER}/connection"
    lgw = await sb.client.put(path, json={"premiseRouteType": "TRUNK", "premiseRouteId": DENVER_LGW})
    assert lgw.status_code == 204 and lgw.content == b""
    assert await sb.pstn(DENVER) == {
        "id": LOCAL_GATEWAY,
        "displayName": "Local Gateway",
        "pstnServices": ["GEOGRAPHIC_NUMBERS"],
        "pstnConnectionType": "LOCAL_GATEWAY",
        "routeType": "TRUNK",
        "routeId": DENVER_LGW,
    }
    assert (await sb.details(DENVER))["connection"] == {"type": "TRUNK", "id": DENVER_LGW}
    trunks = (await sb.client.get("/telephony/config/premisePstn/trunks")).json()["trunks"]
    assert trunks[0]["name"] == "Denver-LGW" and trunks[0]["inUse"] is True

    with_id = {"id": LOCAL_GATEWAY, "premiseRouteType": "ROUTE_GROUP", "premiseRouteId": US_RG}
    assert (await sb.client.put(path, json=with_id)).status_code == 204
    assert (await sb.details(DENVER))["connection"] == {"type": "ROUTE_GROUP", "id": US_RG}

    nulls = {
        "id": INTELEPEER,
        "premiseRouteType": None,
        "premiseRouteId": None,
    }  # null route fields: not sent
    assert (await sb.client.put(path, json=nulls)).status_code == 204
    cloud = await sb.pstn(DENVER)
    assert (cloud["id"], cloud["pstnConnectionType"]) == (INTELEPEER, "NON_INTEGRATED_CCP")
    assert "routeType" not in cloud and "routeId" not in cloud
    assert (await sb.details(DENVER))["connection"] == {"type": "CLOUD_CONNECTED_PSTN"}


async def test_paris_moves_from_its_trunk_to_pure_ip_cloud(sb: Sandbox) -> None:
    response = await sb.client.put(f"/telephony/pstn/locations/{PARIS}/connection", json={"id": PURE_IP})
    assert response.status_code == 204
    assert (await sb.pstn(PARIS))["displayName"] == "Pure IP Cloud"
    assert (await sb.details(PARIS))["connection"] == {"type": "CLOUD_CONNECTED_PSTN"}
    trunks = (await sb.client.get("/telephony/config/premisePstn/trunks", params={"name": "Paris"})).json()
    assert trunks["trunks"][0]["inUse"] is False


# --- a calling location without a PSTN connection, and the older PSTN answer ----------------------------


async def test_a_calling_location_without_pstn_answers_as_the_pstn_service_does(sb: Sandbox) -> None:
    response = await sb.client.get(f"/telephony/pstn/locations/{CHICAGO}/connection")
    assert response.status_code == 404
    body = response.json()
    # The PSTN service's own body: `errorMessage` and `errorCode`, no `message` and no `errors`.
    assert set(body) == {"errorMessage", "errorCode", "trackingId"}
    assert body["errorMessage"] == "PSTN for the location is not configured."
    assert body["trackingId"] == response.headers["TrackingID"]
    # Its other endpoints answer as for any calling location.
    assert (await sb.details(CHICAGO))["routingPrefix"] == "500"
    options = await sb.client.get(f"/telephony/pstn/locations/{CHICAGO}/connectionOptions")
    assert options.status_code == 200 and options.json()["items"]


async def test_the_first_pstn_connection_of_a_new_site(sb: Sandbox) -> None:
    path = f"/telephony/pstn/locations/{CHICAGO}/connection"
    put = await sb.client.put(path, json={"premiseRouteType": "ROUTE_GROUP", "premiseRouteId": US_RG})
    assert put.status_code == 204
    pstn = await sb.pstn(CHICAGO)
    assert (pstn["pstnConnectionType"], pstn["routeType"], pstn["routeId"]) == (
        "LOCAL_GATEWAY",
        "ROUTE_GROUP",
        US_RG,
    )
    assert (await sb.details(CHICAGO))["connection"] == {"type": "ROUTE_GROUP", "id": US_RG}


async def test_the_older_pstn_answer_has_no_route_but_the_details_name_it() -> None:
    async with sandbox_app(pstn_connection_route=False) as sandbox:
        paris = await sandbox.pstn(PARIS)
        assert paris == {
            "id": LOCAL_GATEWAY,
            "displayName": "Local Gateway",
            "pstnServices": ["GEOGRAPHIC_NUMBERS"],
            "pstnConnectionType": "LOCAL_GATEWAY",
        }
        assert (await sandbox.details(PARIS))["connection"] == {"type": "TRUNK", "id": PARIS_LGW}
        assert "routeType" not in await sandbox.pstn(BERLIN)


async def test_one_digit_routing_prefixes_are_accepted(sb: Sandbox) -> None:
    response = await sb.client.put(f"/telephony/config/locations/{LONDON}", json={"routingPrefix": "4"})
    assert response.status_code == 200, response.text
    assert (await sb.details(LONDON))["routingPrefix"] == "4"


# --- pagination ------------------------------------------------------------------------------------------


def next_link(response: httpx.Response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    assert link.endswith('>; rel="next"')
    return str(link[1 : link.index(">")])


async def test_telephony_pages_cap_max_and_drop_filters_from_next_links() -> None:
    async with sandbox_app(default_page_size=2, max_page_size=3) as sandbox:
        first = await sandbox.client.get("/telephony/config/locations", params={"max": "50"})
        assert [item["name"] for item in first.json()["locations"]] == [
            "Denver",
            "Paris",
            "Berlin",
        ]  # max capped
        link = next_link(first)
        assert link == "http://sandbox.test/v1/telephony/config/locations?start=3&max=3"
        second = await sandbox.client.get(link)
        assert [item["name"] for item in second.json()["locations"]] == ["London", "Chicago"]
        assert next_link(second) is None
        filtered = await sandbox.client.get("/telephony/config/locations", params={"name": "er", "max": "1"})
        assert [item["name"] for item in filtered.json()["locations"]] == ["Denver"]
        link = next_link(filtered)
        assert link == "http://sandbox.test/v1/telephony/config/locations?start=1&max=1"  # `name` dropped
        unfiltered = await sandbox.client.get(link)
        assert [item["name"] for item in unfiltered.json()["locations"]] == ["Paris"]  # as the live API does
        default = await sandbox.client.get("/telephony/config/locations")
        assert len(default.json()["locations"]) == 2
        assert next_link(default) == "http://sandbox.test/v1/telephony/config/locations?start=2&max=2"
        trunks = await sandbox.client.get(
            "/telephony/config/premisePstn/trunks", params={"name": "LGW", "max": "2"}
        )
        assert next_link(trunks) == "http://sandbox.test/v1/telephony/config/premisePstn/trunks?start=2&max=2"


async def test_telephony_next_links_keep_filters_when_configured() -> None:
    async with sandbox_app(drop_query_in_next_links=False) as sandbox:
        first = await sandbox.client.get("/telephony/config/locations", params={"name": "e", "max": "1"})
        link = next_link(first)
        assert link is not None
        assert httpx.URL(link).params == httpx.QueryParams({"name": "e", "max": "1", "start": "1"})


async def test_locations_pages_keep_every_query_parameter() -> None:
    async with sandbox_app() as sandbox:
        url: str | None = "/locations"
        params: dict[str, str] | None = {"max": "2", "orgId": ORG_ID}
        names: list[str] = []
        links: list[str] = []
        while url is not None:
            response = await sandbox.client.get(url, params=params)
            assert response.status_code == 200
            names += [item["name"] for item in response.json()["items"]]
            url, params = next_link(response), None
            if url is not None:
                links.append(url)
    assert names == ["Denver", "Paris", "Berlin", "London", "Chicago", "Austin"]
    assert len(links) == 2
    assert all(httpx.URL(link).params["orgId"] == ORG_ID for link in links)
    assert httpx.URL(links[-1]).params["start"] == "4"


@pytest.mark.parametrize(
    ("param", "value"),
    [("max", "0"), ("max", "-1"), ("max", "ten"), ("max", "1.5"), ("start", "-1"), ("start", "x")],
)
async def test_bad_paging_parameters_are_400(sb: Sandbox, param: str, value: str) -> None:
    for path in ("/locations", "/telephony/config/locations", "/telephony/config/premisePstn/routeGroups"):
        assert_webex_error(await sb.client.get(path, params={param: value}), 400, 4400, param)


# --- persistence, the request log, rate limits ----------------------------------------------------------


async def test_successful_mutations_are_saved_to_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    async with sandbox_app(state_path=state) as sandbox:
        assert (await sandbox.client.get(f"/telephony/config/locations/{DENVER}")).status_code == 200
        bad = await sandbox.client.put(f"/telephony/config/locations/{DENVER}", json={"routingPrefix": "x"})
        assert bad.status_code == 400
        assert not state.exists()  # reads and refused writes save nothing
        ok = await sandbox.client.put(f"/telephony/config/locations/{DENVER}", json={"routingPrefix": "212"})
        assert ok.status_code == 200
        assert SandboxOrg.load(state) == sandbox.org
        pstn = await sandbox.client.put(f"/telephony/pstn/locations/{PARIS}/connection", json={"id": PURE_IP})
        assert pstn.status_code == 204
        saved = SandboxOrg.load(state)
        assert saved == sandbox.org
    loaded = next(loc for loc in saved.locations.values() if loc.name == "Paris")
    assert loaded.pstn is not None and loaded.pstn.option_id == PURE_IP
    assert list(saved.jobs) == [ok.json()["batchJobId"]]
    # a new app over the saved file picks up where the last one stopped
    restarted = create_app(SandboxOrg.load(state), state_path=state)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=restarted), base_url="http://s/v1", headers=AUTH
    ) as c:
        assert (await c.get(f"/telephony/config/locations/{DENVER}")).json()["routingPrefix"] == "212"


async def test_request_log_keeps_everything_but_the_authorization_header(sb: Sandbox) -> None:
    await sb.client.put(
        f"/telephony/config/locations/{DENVER}",
        params={"orgId": ORG_ID},
        json={"outsideDialDigit": "8"},
        headers={"TrackingID": "MINE_1"},
    )
    await sb.client.get("/locations", headers={"Authorization": "Bearer other"})
    await sb.client.get("/locations", headers={"Authorization": ""})
    put, get, refused = sb.requests
    assert put == RecordedRequest(
        method="PUT",
        path=f"/v1/telephony/config/locations/{DENVER}",
        query={"orgId": ORG_ID},
        body={"outsideDialDigit": "8"},
        headers=put.headers,
        status=204,
    )
    assert put.headers["trackingid"] == "MINE_1"
    assert (get.method, get.path, get.body, get.status) == ("GET", "/v1/locations", None, 200)
    assert refused.status == 401
    for request in sb.requests:
        assert "authorization" not in {name.lower() for name in request.headers}
        assert "any-token" not in repr(request) and "other" not in repr(request.headers)


async def test_rate_limit_answers_429_with_whole_seconds_retry_after() -> None:
    async with sandbox_app(rate_limit_per_second=2.0) as sandbox:
        statuses = [(await sandbox.client.get("/locations")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = await sandbox.client.get("/locations")
        assert_webex_error(limited, 429, 4029)
        assert limited.headers["Retry-After"] == "1"
        sandbox.clock.now += 0.5
        assert (await sandbox.client.get("/locations")).status_code == 200
        assert (await sandbox.client.get("/locations")).status_code == 429
    async with sandbox_app(rate_limit_per_second=0.25) as slow:
        assert (await slow.client.get("/locations")).status_code == 200
        second = await slow.client.get("/locations")
        assert second.status_code == 429 and second.headers["Retry-After"] == "4"
        slow.clock.now += 4
        assert (await slow.client.get("/locations")).status_code == 200
