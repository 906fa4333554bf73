"""The simulator's accepted fields against the client's field tables: two copies, written apart on purpose
(the simulator is the check on the client), that must not drift apart unseen.

The client's copy is `FIELDS` of each `reconciler.resources` module; the simulator's is `ACCEPTED` and
`NULLABLE` of each `reconciler.sandbox.endpoints` module, which test_sandbox_endpoints_*.py hold to the
simulator's own rules. Formats are compared by meaning, on probe strings both must judge alike.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from clirun import puts, wxc
from probes import PROBES, simulator_accepts

from reconciler.resources import RESOURCES
from reconciler.resources import announcement_language as client_language
from reconciler.resources import details as client_details
from reconciler.resources import outgoing_permission as client_permissions
from reconciler.resources import pstn as client_pstn
from reconciler.resources.base import Resource
from reconciler.resources.fields import FieldSpec, walk
from reconciler.sandbox import ServerThread, webex_id
from reconciler.sandbox.endpoints import MODULES, TYPE_WORDS, Endpoint
from reconciler.sandbox.endpoints import announcement_language as sim_language
from reconciler.sandbox.endpoints import details as sim_details
from reconciler.sandbox.endpoints import outgoing_permission as sim_permissions
from reconciler.sandbox.endpoints import pstn as sim_pstn

# Fields the simulator's details PUT accepts that no desired state manages (with their sub-fields).
SIMULATOR_ONLY = {
    "connection": "the client sets the connection through the PSTN endpoint only; the details PUT takes it "
    "because the API does (TRUNK / ROUTE_GROUP)",
}
# Where the two formats are known to disagree, pinned probe by probe: a new disagreement fails, and so
# does one that is resolved, until it is taken off this list.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}

# The PSTN PUT body fields each desired PSTN field becomes, and the route type a route field sends.
BODY_FIELDS = {
    "pstn.trunk": ("premiseRouteType", "premiseRouteId"),
    "pstn.routeGroup": ("premiseRouteType", "premiseRouteId"),
    "pstn.provider": ("id",),
    "pstn.connectionId": ("id",),
}
ROUTE_TYPE_OF = {"pstn.trunk": "TRUNK", "pstn.routeGroup": "ROUTE_GROUP"}


def client_accepts(spec: FieldSpec, value: str) -> bool:
    """Whether the client's field table lets a desired state hold this string."""
    if spec.enum:
        return value in spec.enum
    if spec.non_empty and not value:
        return False
    return spec.pattern is None or spec.pattern.fullmatch(value) is not None


def _simulator_only(path: str) -> bool:
    return path.partition(".")[0] in SIMULATOR_ONLY


def _client_details() -> dict[str, FieldSpec]:
    return {spec.path: spec for spec in walk(client_details.FIELDS)}


# --- location details -------------------------------------------------------------------------------------


def test_the_details_put_accepts_exactly_the_fields_the_client_manages() -> None:
    accepted = {path for path in sim_details.ACCEPTED if not _simulator_only(path)}
    assert accepted == set(_client_details())
    assert set(SIMULATOR_ONLY) <= set(sim_details.ACCEPTED), "a SIMULATOR_ONLY entry the simulator lost"


def test_each_details_field_has_the_same_type() -> None:
    for path, spec in _client_details().items():
        form = sim_details.ACCEPTED[path]
        assert (form if form in TYPE_WORDS else "string") == spec.type, path


def test_the_details_formats_agree_on_every_probe_but_the_known_differences() -> None:
    strings = {path: spec for path, spec in _client_details().items() if spec.type == "string"}
    differences = {
        (path, probe)
        for path, spec in strings.items()
        for probe in PROBES
        if client_accepts(spec, probe) != simulator_accepts(sim_details.ACCEPTED[path], probe)
    }
    assert differences == set(KNOWN_DIFFERENCES)


def test_null_clears_the_same_details_fields() -> None:
    clearable = {path for path, spec in _client_details().items() if spec.clearable}
    assert clearable == {path for path in sim_details.NULLABLE if not _simulator_only(path)}


# --- PSTN connection --------------------------------------------------------------------------------------


def test_every_desired_pstn_field_maps_onto_the_pstn_put_body() -> None:
    routes = {spec.path for spec in walk(client_pstn.FIELDS)} - {"pstn", "pstn.type"}
    assert routes == set(BODY_FIELDS), "a PSTN field of the client that BODY_FIELDS does not map"
    sent = {field for fields in BODY_FIELDS.values() for field in fields}
    assert sent == set(sim_pstn.ACCEPTED)


def test_the_pstn_types_are_the_same_and_each_settable_one_takes_the_body_the_client_sends() -> None:
    (pstn_type,) = (spec for spec in walk(client_pstn.FIELDS) if spec.path == "pstn.type")
    assert set(pstn_type.enum) == {*sim_pstn.BODIES, *sim_pstn.UNSETTABLE_TYPES}
    assert set(client_pstn.SETTABLE_TYPES) == set(sim_pstn.BODIES)
    assert set(client_pstn.UNSETTABLE_TYPES) == set(sim_pstn.UNSETTABLE_TYPES)
    for kind, choices in client_pstn.CHOICES.items():
        for choice in choices:
            assert set(BODY_FIELDS[f"pstn.{choice}"]) == set(sim_pstn.BODIES[kind]), (kind, choice)


def test_the_pstn_put_takes_exactly_the_route_types_the_client_sends() -> None:
    sent = set(ROUTE_TYPE_OF.values())
    form = sim_pstn.ACCEPTED["premiseRouteType"]
    assert {probe for probe in (*PROBES, *sent) if simulator_accepts(form, probe)} == sent


def test_the_ids_the_client_sends_may_have_any_form() -> None:
    """The client sends the ids the org's own lists gave it: the simulator must not judge their form."""
    assert sim_pstn.ACCEPTED["id"] == sim_pstn.ACCEPTED["premiseRouteId"] == ""


def test_no_pstn_field_is_cleared_by_null() -> None:
    assert not any(spec.clearable for spec in walk(client_pstn.FIELDS))
    assert not sim_pstn.NULLABLE


# --- every further endpoint: the client resource and the simulator module of the same endpoint ------------
#
# Its fields are `<kind>.<field>` in the client's table and `<field>` in the simulator's ACCEPTED. A
# simulator module names the endpoint it simulates by `KEY`, else by its module name.


def _key(module: Endpoint) -> str:
    return str(getattr(module, "KEY", getattr(module, "__name__", "").rpartition(".")[2]))


SIMULATED: dict[str, Endpoint] = {_key(m): m for m in MODULES}
FURTHER: list[Resource] = [r for r in RESOURCES if r.kind not in (client_pstn.KIND, client_details.KIND)]
# Body fields a further endpoint's PUT accepts that no desired state manages, by endpoint, and why.
FURTHER_SIMULATOR_ONLY: dict[str, dict[str, str]] = {
    "intercept": {
        "incoming.announcements.fileName": "read-only for a declarative tool: no upload exists for a "
        "location's intercept greeting, so the file names no file; the API takes the GET's value back",
    },
    "musicOnHold": {
        "audioFile.id": "the client names the file by fileName and level; the API's id is sent as the org's "
        "announcement list gives it",
        "audioFile.mediaFileType": "sent as the org's announcement list gives it, not written in the file",
    },
    "internalDialing": {"unknownExtensionRouteIdentity.name": "GET names the route; a PUT's name is ignored"},
    # The action's body comes from announcementLanguage and the applyAnnouncementLanguageTo list, no
    # object below its kind: test_the_announcement_action_sends_what_the_simulator_takes compares it.
    "modifyAnnouncementLanguage": dict.fromkeys(
        sim_language.ACCEPTED, "sent from announcementLanguage and applyAnnouncementLanguageTo"
    ),
    "voicePortal": {
        "passcode": "write-only: never readable, so not managed (the schema refuses it, saying why)",
        "passcode.newPasscode": "see passcode",
        "passcode.confirmPasscode": "see passcode",
        "firstName": "deprecated for directLineCallerIdName and dialByName (refused by the schema)",
        "lastName": "deprecated for directLineCallerIdName and dialByName (refused by the schema)",
    },
}
# Desired fields a further endpoint sends under another name (a name resolved to an id), as the body
# fields they become, by endpoint: their formats are the ids the org's lists gave, so not compared.
FURTHER_RENAMED: dict[str, dict[str, tuple[str, ...]]] = {
    "emergencyCallbackNumber": {"phoneNumber": ("locationMemberId",)},
    "musicOnHold": {"playlist": ("playlistId",)},
    "internalDialing": {
        "unknownExtensionRoute": ("unknownExtensionRouteIdentity",),
        "unknownExtensionRoute.trunk": (
            "unknownExtensionRouteIdentity.id",
            "unknownExtensionRouteIdentity.type",
        ),
        "unknownExtensionRoute.routeGroup": (
            "unknownExtensionRouteIdentity.id",
            "unknownExtensionRouteIdentity.type",
        ),
    },
}
# Probe by probe, where a further endpoint's client and simulator formats are known to disagree.
FURTHER_DIFFERENCES: dict[tuple[str, str], str] = {
    **{
        ("voicePortal.dialByName", probe): "the client refuses control characters in every text; the "
        'documented rule refuses only % + \\ " and non-ASCII'
        for probe in ("1\n", "a\nb", "en_us\n")
    },
    ("voicePortal.dialByName", ""): 'the client clears with null; the API takes "" too',
    ("voicePortal.name", ""): "the client refuses a nameless portal; nothing on record says the API does",
    (
        "voicePortal.directLineCallerIdName.customName",
        "",
    ): 'the client clears with null; the API takes "" too',
}


def _fields_below(resource: Resource) -> dict[str, FieldSpec]:
    return {spec.path.partition(".")[2]: spec for spec in walk(resource.fields) if "." in spec.path}


def _accepted(resource: Resource) -> dict[str, str]:
    only = FURTHER_SIMULATOR_ONLY.get(resource.kind, {})
    return {path: form for path, form in SIMULATED[resource.kind].ACCEPTED.items() if path not in only}


def _sent(resource: Resource, path: str) -> tuple[str, ...]:
    """The body fields a desired field below the resource's key is sent as."""
    return FURTHER_RENAMED.get(resource.kind, {}).get(path, (path,))


def _compared(resource: Resource) -> dict[str, FieldSpec]:
    """The fields below the key that the body sends under their own name, with their own format."""
    renamed = FURTHER_RENAMED.get(resource.kind, {})
    return {path: spec for path, spec in _fields_below(resource).items() if path not in renamed}


def test_every_resource_has_its_simulator_endpoint_and_no_endpoint_is_left_over() -> None:
    assert {resource.kind for resource in RESOURCES} == set(SIMULATED)


@pytest.mark.parametrize("resource", FURTHER, ids=lambda r: r.kind)
def test_the_simulator_accepts_exactly_the_fields_the_client_manages_of_the_same_type(
    resource: Resource,
) -> None:
    accepted = _accepted(resource)
    assert set(accepted) == {field for path in _fields_below(resource) for field in _sent(resource, path)}
    only = set(FURTHER_SIMULATOR_ONLY.get(resource.kind, {}))
    assert only <= set(SIMULATED[resource.kind].ACCEPTED), "a simulator-only field it no longer has"
    for path, spec in _compared(resource).items():
        form = accepted[path]
        assert (form if form in TYPE_WORDS else "string") == spec.type, path


@pytest.mark.parametrize("resource", FURTHER, ids=lambda r: r.kind)
def test_the_further_formats_agree_on_every_probe_and_enum_value(resource: Resource) -> None:
    strings = {path: spec for path, spec in _compared(resource).items() if spec.type == "string"}
    accepted = _accepted(resource)
    differences = {
        (spec.path, probe)
        for path, spec in strings.items()
        for probe in (*PROBES, *spec.enum)
        if client_accepts(spec, probe) != simulator_accepts(accepted[path], probe)
    }
    assert differences == {key for key in FURTHER_DIFFERENCES if key[0].startswith(f"{resource.kind}.")}


@pytest.mark.parametrize("resource", FURTHER, ids=lambda r: r.kind)
def test_null_clears_the_same_further_fields(resource: Resource) -> None:
    clearable = {
        field
        for path, spec in _fields_below(resource).items()
        if spec.clearable
        for field in _sent(resource, path)
    }
    only = FURTHER_SIMULATOR_ONLY.get(resource.kind, {})
    assert clearable == set(SIMULATED[resource.kind].NULLABLE) - set(only)


def test_the_announcement_action_sends_what_the_simulator_takes() -> None:
    """The code is the details' announcementLanguage, in the same format; one flag per audience."""
    (audiences,) = client_language.FIELDS
    assert set(audiences.enum) == set(client_language.AUDIENCES)
    flags = set(client_language.AUDIENCES.values())
    assert set(sim_language.ACCEPTED) == {"announcementLanguageCode", *flags}
    assert all(sim_language.ACCEPTED[flag] == "boolean" for flag in flags)
    (language,) = (spec for spec in client_details.FIELDS if spec.path == client_language.LANGUAGE)
    form = sim_language.ACCEPTED["announcementLanguageCode"]
    assert all(client_accepts(language, probe) == simulator_accepts(form, probe) for probe in PROBES)
    assert sim_language.REQUIRED == ("announcementLanguageCode",)
    assert not sim_language.NULLABLE


def test_the_call_types_the_schema_refuses_are_those_the_simulator_refuses() -> None:
    (table,) = client_permissions.FIELDS
    assert {key for key, _ in table.refused} == set(sim_permissions.REFUSED_CALL_TYPES)
    assert set(client_permissions.CALL_TYPES) == set(sim_permissions.CALL_TYPES)


# --- the bodies the client builds -------------------------------------------------------------------------

EVERY_FIELD = f"""\
version: 1
locations:
  - name: Denver
    pstn: {{type: LOCAL_GATEWAY, trunk: Denver-LGW}}
    callingLineId: {{phoneNumber: "+12145555699"}}
    chargeNumber: "+14158952369"
  - name: Paris
    pstn: {{type: LOCAL_GATEWAY, routeGroup: EU-RG}}
    announcementLanguage: fr_fr
    callingLineId: {{name: Paris Louvre}}
    externalCallerIdName: Big Corp-Paris
    pAccessNetworkInfo: Paris-75002
    outsideDialDigit: "9"
    enforceOutsideDialDigit: false
    routingPrefix: "201"
  - name: Berlin
    pstn: {{type: NON_INTEGRATED_CCP, provider: Pure IP Cloud}}
  - name: Chicago
    pstn: {{type: NON_INTEGRATED_CCP, connectionId: "{webex_id("PSTN_CONNECTION", "IntelePeer")}"}}
"""


def test_the_simulator_takes_the_bodies_the_client_builds_for_every_field(
    server: ServerThread, tmp_path: Path
) -> None:
    """Every desired field the client manages, applied through the installed CLI: each PUT it builds is
    accepted, a PSTN body is exactly one type's BODIES fields, a details body only ACCEPTED fields."""
    desired = tmp_path / "every-field.yaml"
    desired.write_text(EVERY_FIELD, encoding="utf-8")
    applied = wxc("apply", str(desired), base_url=server.base_url)
    assert applied.returncode == 0, applied.stdout + applied.stderr

    pstn_shapes: Counter[frozenset[str]] = Counter()
    written: set[str] = set()
    for path, body in puts(server):
        assert isinstance(body, dict), path
        if path.endswith("/connection"):
            pstn_shapes[frozenset(body)] += 1
        else:
            written |= set(body)
    by_type = {kind: frozenset(fields) for kind, fields in sim_pstn.BODIES.items()}
    assert pstn_shapes == Counter({by_type["LOCAL_GATEWAY"]: 2, by_type["NON_INTEGRATED_CCP"]: 2})
    assert written == {spec.name for spec in client_details.FIELDS}, "a managed field the file does not set"
