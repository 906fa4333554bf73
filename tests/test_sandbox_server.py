"""The sandbox over real HTTP on 127.0.0.1, as other tests of the project use it (ServerThread)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox import SandboxOrg, SandboxSettings, ServerThread, webex_id

AUTH = {"Authorization": "Bearer test-token"}


def test_pages_401_and_404_over_http() -> None:
    with ServerThread(settings=SandboxSettings(default_page_size=3)) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", server.base_url)
        with httpx.Client(headers=AUTH, timeout=5) as client:
            names: list[str] = []
            url: str | None = f"{server.base_url}/telephony/config/locations"
            pages = 0
            while url is not None:
                response = client.get(url)
                assert response.status_code == 200
                names += [item["name"] for item in response.json()["locations"]]
                url = response.links.get("next", {}).get("url")
                assert url is None or url.startswith(server.base_url)
                pages += 1
            assert (pages, names) == (2, ["Denver", "Paris", "Berlin", "London"])

            unauthorized = httpx.get(f"{server.base_url}/locations", timeout=5)
            assert unauthorized.status_code == 401
            assert unauthorized.json()["errors"][0]["errorCode"] == 4001
            assert unauthorized.headers["TrackingID"] == unauthorized.json()["trackingId"]

            missing = client.get(
                f"{server.base_url}/telephony/config/locations/{webex_id('LOCATION', 'Nowhere')}"
            )
            assert missing.status_code == 404
            assert missing.headers["TrackingID"].startswith("ROUTER_")
            assert missing.json()["trackingId"] == missing.headers["TrackingID"]

            assert [r.status for r in server.requests] == [200, 200, 401, 404]
            assert all("authorization" not in r.headers for r in server.requests)
        base_url = server.base_url
    with pytest.raises(httpx.TransportError):  # stopped: nothing listens any more
        httpx.get(f"{base_url}/locations", headers=AUTH, timeout=2)


def test_token_state_file_and_two_servers_side_by_side(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    denver = webex_id("LOCATION", "Denver")
    with ServerThread(token="s3cret", state_path=state) as first, ServerThread() as second:
        assert first.base_url != second.base_url
        wrong = httpx.get(f"{first.base_url}/locations", headers=AUTH, timeout=5)
        assert wrong.status_code == 401
        put = httpx.put(
            f"{first.base_url}/telephony/config/locations/{denver}",
            json={"externalCallerIdName": "Over HTTP"},
            headers={"Authorization": "Bearer s3cret"},
            timeout=5,
        )
        assert put.status_code == 204
        assert first.org.locations[denver].details == SandboxOrg.load(state).locations[denver].details
        untouched = httpx.get(
            f"{second.base_url}/telephony/config/locations/{denver}", headers=AUTH, timeout=5
        )
        assert untouched.json()["externalCallerIdName"] == "Big Corp"
    assert SandboxOrg.load(state).locations[denver].details["externalCallerIdName"] == "Over HTTP"  # type: ignore[index]


def test_base_url_before_start_is_an_error() -> None:
    server = ServerThread()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url
