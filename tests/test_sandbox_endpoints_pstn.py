"""The simulator's PSTN-connection endpoint as a module: BODIES, ACCEPTED and UNSETTABLE_TYPES say what its
PUT rules do, so the cross-check against the client's field tables checks the rules themselves.

The handlers, and every refusal in words, are covered over HTTP in test_sandbox_app.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from probes import PROBES, simulator_accepts

from reconciler.sandbox import SandboxOrg, webex_id
from reconciler.sandbox.endpoints import pstn
from reconciler.sandbox.org import ConnectionOption, Location

DENVER = webex_id("LOCATION", "Denver")
ROUTES = {"TRUNK": webex_id("TRUNK", "Denver-LGW"), "ROUTE_GROUP": webex_id("ROUTE_GROUP", "US-RG")}
# A valid value of each body field, for Denver (US).
VALID: dict[str, str] = {
    "premiseRouteType": "TRUNK",
    "premiseRouteId": ROUTES["TRUNK"],
    "id": webex_id("PSTN_CONNECTION", "IntelePeer"),
}


@pytest.fixture
def denver() -> tuple[SandboxOrg, Location]:
    org = SandboxOrg.seed()
    return org, org.locations[DENVER]


def accepted(denver: tuple[SandboxOrg, Location], body: dict[str, Any]) -> bool:
    org, location = denver
    return pstn.check_pstn_update(body, org, location) is None


def test_bodies_use_only_accepted_fields() -> None:
    assert {field for fields in pstn.BODIES.values() for field in fields} == set(pstn.ACCEPTED)


@pytest.mark.parametrize("kind", list(pstn.BODIES))
def test_a_body_of_exactly_its_types_fields_is_accepted(
    denver: tuple[SandboxOrg, Location], kind: str
) -> None:
    fields = pstn.BODIES[kind]
    assert accepted(denver, {field: VALID[field] for field in fields})
    for left_out in fields:
        assert not accepted(denver, {field: VALID[field] for field in fields if field != left_out}), left_out


def test_a_local_gateway_may_also_name_its_option(denver: tuple[SandboxOrg, Location]) -> None:
    local_gateway = webex_id("PSTN_CONNECTION", "Local Gateway")
    assert accepted(denver, {**{f: VALID[f] for f in pstn.BODIES["LOCAL_GATEWAY"]}, "id": local_gateway})
    assert not accepted(denver, {**{f: VALID[f] for f in pstn.BODIES["LOCAL_GATEWAY"]}, "id": VALID["id"]})


def test_the_route_type_takes_exactly_the_strings_its_format_matches(
    denver: tuple[SandboxOrg, Location],
) -> None:
    form = pstn.ACCEPTED["premiseRouteType"]
    wrong = [
        probe
        for probe in PROBES
        if accepted(denver, {"premiseRouteType": probe, "premiseRouteId": ROUTES.get(probe, ROUTES["TRUNK"])})
        != simulator_accepts(form, probe)
    ]
    assert wrong == []


@pytest.mark.parametrize("kind", pstn.UNSETTABLE_TYPES)
def test_an_option_of_a_type_the_api_cannot_set_is_refused(
    denver: tuple[SandboxOrg, Location], kind: str
) -> None:
    org, _ = denver
    option = ConnectionOption(f"A {kind} provider", kind, ["GEOGRAPHIC_NUMBERS"])
    org.options[option.id] = option
    assert not accepted(denver, {"id": option.id})


def test_no_field_is_nullable_and_an_unknown_one_is_refused(denver: tuple[SandboxOrg, Location]) -> None:
    assert not pstn.NULLABLE
    assert not accepted(denver, {"id": None})
    assert not accepted(denver, {"id": VALID["id"], "pstnConnectionType": "NON_INTEGRATED_CCP"})
