"""The sandbox with several orgs (a partner's customers): each request acts in its `orgId`'s org, and
nothing of one org (its data, its jobs, its rate limits) reaches another."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_sandbox_app import AUTH, FakeClock, assert_webex_error

from reconciler.sandbox import SandboxOrg, SandboxOrgs, SandboxSettings, StateFileError, create_app
from reconciler.sandbox.settings import RateWindow

pytestmark = pytest.mark.anyio

PARTNER = SandboxOrgs.partner()
ACME, GLOBEX = PARTNER.orgs.values()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def location_id(org: SandboxOrg, name: str) -> str:
    return next(loc.id for loc in org.locations.values() if loc.name == name)


@asynccontextmanager
async def partner_client(
    state_path: Path | None = None, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, SandboxOrgs]]:
    orgs = SandboxOrgs.partner()
    settings.setdefault("job_seconds", 3.0)
    app = create_app(orgs, state_path=state_path, settings=SandboxSettings(clock=FakeClock(), **settings))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test/v1", headers=AUTH
    ) as client:
        yield client, orgs


async def names_in(client: httpx.AsyncClient, org: SandboxOrg | None) -> list[tuple[str, str]]:
    params = {} if org is None else {"orgId": org.id}
    response = await client.get("/locations", params=params)
    assert response.status_code == 200, response.text
    return [(item["name"], item["orgId"]) for item in response.json()["items"]]


# --- the orgs as data ----------------------------------------------------------------------------------


def test_the_partner_seed_is_two_orgs_whose_ids_never_meet() -> None:
    assert [org.name for org in PARTNER.orgs.values()] == ["Acme Corp", "Globex Corporation"]
    assert PARTNER.own is ACME
    # Both have an "HQ" and the same connection options by name, yet no ID of one is an ID of the other.
    assert {loc.name for loc in ACME.locations.values()} & {loc.name for loc in GLOBEX.locations.values()}
    for kind in ("locations", "trunks", "route_groups", "options"):
        assert not set(getattr(ACME, kind)) & set(getattr(GLOBEX, kind)), kind
    assert location_id(ACME, "HQ") != location_id(GLOBEX, "HQ")


def test_the_partner_project_file_names_the_seeds_orgs() -> None:
    import yaml

    project = yaml.safe_load(
        (Path(__file__).parent.parent / "examples/partner/wxc-reconcile.yaml").read_text(encoding="utf-8")
    )
    assert {key: org["orgId"] for key, org in project["orgs"].items()} == {
        "acme": ACME.id,
        "globex": GLOBEX.id,
    }


def test_several_orgs_round_trip_through_their_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    PARTNER.save(path)

    assert [org["name"] for org in json.loads(path.read_text(encoding="utf-8"))["orgs"]] == [
        "Acme Corp",
        "Globex Corporation",
    ]
    loaded = SandboxOrgs.load(path)
    assert loaded == PARTNER
    assert list(loaded.orgs) == list(PARTNER.orgs)  # the same IDs, the own org first
    assert SandboxOrg.load(path) == ACME  # one org's view of the state: the token's own


def test_a_one_org_state_keeps_its_format_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    SandboxOrg.seed().save(path)
    before = path.read_text(encoding="utf-8")

    orgs = SandboxOrgs.load(path)
    orgs.save(path)

    assert path.read_text(encoding="utf-8") == before  # no "orgs" wrapper, nothing moved
    assert list(orgs.own.locations) == list(SandboxOrg.seed().locations)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"orgs": {}}', '"orgs" is not a list'),
        ('{"orgs": []}', "at least one org"),
        ('{"orgs": [{"name": "A"}, {"name": "A"}]}', "two orgs named 'A'"),
        ('{"orgs": [{"locations": []}]}', "KeyError: 'name'"),
    ],
)
def test_a_broken_several_org_state_names_the_file_and_why(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(StateFileError) as caught:
        SandboxOrgs.load(path)

    assert str(caught.value).startswith(f"{path}: not a sandbox state file (")
    assert reason in str(caught.value)


def test_generated_orgs_have_their_own_names_and_ids() -> None:
    orgs = SandboxOrgs.generate(3, 20)

    assert [org.name for org in orgs.orgs.values()] == ["Customer-001", "Customer-002", "Customer-003"]
    location_ids = [loc_id for org in orgs.orgs.values() for loc_id in org.locations]
    trunk_ids = [trunk_id for org in orgs.orgs.values() for trunk_id in org.trunks]
    assert len(set(location_ids)) == len(location_ids) == 60
    assert len(set(trunk_ids)) == len(trunk_ids) == 6
    first = orgs.own
    assert first.to_json()["locations"][0]["name"] == "Site-00001"
    assert SandboxOrgs.from_json(orgs.to_json()) == orgs  # what a bench saves, it reads back alike


# --- a request acts in its orgId's org -------------------------------------------------------------------


async def test_a_request_acts_in_the_org_its_org_id_names_else_in_the_tokens_own() -> None:
    async with partner_client() as (client, _):
        own = await names_in(client, None)
        acme = await names_in(client, ACME)
        globex = await names_in(client, GLOBEX)

    assert own == acme == [(name, ACME.id) for name in ("HQ", "Boston", "Chicago")]
    assert globex == [(name, GLOBEX.id) for name in ("HQ", "Lyon", "Madrid")]


async def test_a_location_of_another_org_is_not_found_there_and_a_put_changes_nothing() -> None:
    globex_hq = location_id(GLOBEX, "HQ")
    async with partner_client() as (client, orgs):
        seen = await client.get(f"/telephony/config/locations/{globex_hq}", params={"orgId": ACME.id})
        put = await client.put(
            f"/telephony/config/locations/{globex_hq}",
            params={"orgId": ACME.id},
            json={"externalCallerIdName": "Wrong org"},
        )
        pstn = await client.get(f"/telephony/pstn/locations/{globex_hq}/connection")  # no orgId: Acme's

        assert_webex_error(seen, 404, 4008, globex_hq)
        assert_webex_error(put, 404, 4008)
        assert_webex_error(pstn, 404, 4008)
        assert orgs.orgs[GLOBEX.id].locations[globex_hq].details == GLOBEX.locations[globex_hq].details


async def test_a_change_in_one_org_is_seen_there_only() -> None:
    acme_hq, globex_hq = location_id(ACME, "HQ"), location_id(GLOBEX, "HQ")
    async with partner_client() as (client, _):
        put = await client.put(
            f"/telephony/config/locations/{globex_hq}",
            params={"orgId": GLOBEX.id},
            json={"externalCallerIdName": "Globex Berlin"},
        )
        globex = await client.get(f"/telephony/config/locations/{globex_hq}", params={"orgId": GLOBEX.id})
        acme = await client.get(f"/telephony/config/locations/{acme_hq}")

    assert put.status_code == 204, put.text
    assert globex.json()["externalCallerIdName"] == "Globex Berlin"
    assert acme.json()["externalCallerIdName"] == "Acme Corp"


async def test_routing_prefixes_and_their_jobs_are_each_orgs_own() -> None:
    acme_boston, globex_lyon = location_id(ACME, "Boston"), location_id(GLOBEX, "Lyon")
    async with partner_client() as (client, _):
        # "100" is HQ's prefix in both orgs: unique within an org, not across orgs.
        duplicate = await client.put(
            f"/telephony/config/locations/{acme_boston}", json={"routingPrefix": "100"}
        )
        acme_job = await client.put(
            f"/telephony/config/locations/{acme_boston}", json={"routingPrefix": "201"}
        )
        # Acme's job runs; Globex may start its own (one job at a time is an org's rule).
        globex_job = await client.put(
            f"/telephony/config/locations/{globex_lyon}",
            params={"orgId": GLOBEX.id},
            json={"routingPrefix": "201"},
        )
        job_id = acme_job.json()["batchJobId"]
        path = f"/telephony/config/jobs/updateRoutingPrefix/{job_id}"
        in_acme = await client.get(path)
        in_globex = await client.get(path, params={"orgId": GLOBEX.id})

    assert_webex_error(duplicate, 400, 5600)
    assert acme_job.status_code == 200 and globex_job.status_code == 200, globex_job.text
    assert in_acme.status_code == 200
    assert_webex_error(in_globex, 404, 4008, job_id)


async def test_an_org_id_the_token_may_not_act_in_is_403_naming_it_and_changes_nothing() -> None:
    stranger = SandboxOrg("Initech").id
    acme_hq = location_id(ACME, "HQ")
    async with partner_client() as (client, orgs):
        listed = await client.get("/locations", params={"orgId": stranger})
        put = await client.put(
            f"/telephony/config/locations/{acme_hq}",
            params={"orgId": stranger},
            json={"externalCallerIdName": "Nope"},
        )
        assert orgs.own.locations[acme_hq].details == ACME.locations[acme_hq].details

    assert_webex_error(listed, 403, 4003, stranger)
    assert_webex_error(put, 403, 4003)


# --- rate limits are each org's --------------------------------------------------------------------------


async def statuses(client: httpx.AsyncClient, org: SandboxOrg, count: int) -> list[int]:
    return [(await client.get("/locations", params={"orgId": org.id})).status_code for _ in range(count)]


async def test_one_orgs_429s_do_not_slow_another() -> None:
    async with partner_client(rate_limit_window=RateWindow(3, 60)) as (client, _):
        acme = await statuses(client, ACME, 6)
        globex = await statuses(client, GLOBEX, 3)  # while Acme's window is full
        acme_again = await statuses(client, ACME, 1)
        globex_over = await statuses(client, GLOBEX, 1)

    assert acme == [200, 200, 200, 429, 429, 429]
    assert globex == [200, 200, 200]
    assert acme_again == [429] and globex_over == [429]


async def test_the_token_bucket_is_each_orgs_too() -> None:
    async with partner_client(rate_limit_per_second=1.0) as (client, _):
        unnamed = (await client.get("/locations")).status_code  # the token's own org: Acme's bucket
        acme = await statuses(client, ACME, 1)
        globex = await statuses(client, GLOBEX, 2)

    assert (unnamed, acme, globex) == (200, [429], [200, 429])


# --- the state file of several orgs ---------------------------------------------------------------------


async def test_two_apps_on_one_state_of_several_orgs_each_see_the_others_change(tmp_path: Path) -> None:
    state = tmp_path / ".wxc-sandbox.json"
    globex_lyon = location_id(GLOBEX, "Lyon")
    async with partner_client(state) as (first, _), partner_client(state) as (second, _):
        put = await first.put(
            f"/telephony/config/locations/{globex_lyon}",
            params={"orgId": GLOBEX.id},
            json={"announcementLanguage": "fr_fr"},
        )
        seen = await second.get(f"/telephony/config/locations/{globex_lyon}", params={"orgId": GLOBEX.id})

    assert put.status_code == 204, put.text
    assert seen.json()["announcementLanguage"] == "fr_fr"
    saved = SandboxOrgs.load(state)
    assert saved.orgs[GLOBEX.id].locations[globex_lyon].details["announcementLanguage"] == "fr_fr"  # type: ignore[index]
    assert saved.orgs[ACME.id] == ACME
