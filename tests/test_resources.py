"""resources/: the registry lists every managed endpoint once, in apply order, and refuses other kinds."""

from __future__ import annotations

import pytest

from reconciler.resources import KINDS, RESOURCES, UnknownKind, all_fields, field_spec, resource_of
from reconciler.resources.fields import walk

# The apply order of every endpoint (issue 12); the registry lists those this version has, in that order.
APPLY_ORDER = (
    "pstn",
    "details",
    "modifyAnnouncementLanguage",  # the action that follows a details change of the language
    "internalDialing",
    "emergencyCallbackNumber",
    "musicOnHold",
    "outgoingPermission",
    "voicemail",
    "voicePortal",
    "intercept",
)


def test_apply_order_is_the_pstn_connection_then_the_details_then_the_rest() -> None:
    assert KINDS[:2] == ("pstn", "details")
    assert [resource.title for resource in RESOURCES[:2]] == ["PSTN connection", "location details"]
    assert tuple(kind for kind in APPLY_ORDER if kind in KINDS) == KINDS, "a kind out of the apply order"


def test_a_kind_nothing_registers_is_refused_by_name_never_read_as_another() -> None:
    assert resource_of("details") is RESOURCES[1]
    knows = r"\(this version knows pstn, details, "
    with pytest.raises(UnknownKind, match=r"unknown kind of step 'mailbox' " + knows):
        resource_of("mailbox")


def test_each_field_belongs_to_exactly_one_resource() -> None:
    tops = [spec.name for spec in all_fields()]
    assert len(tops) == len(set(tops))
    paths = [spec.path for spec in walk(all_fields())]
    assert len(paths) == len(set(paths))


def test_field_specs_say_which_changes_are_disruptive() -> None:
    disruptive = {spec.path for spec in walk(all_fields()) if spec.disruptive}
    assert "routingPrefix" in disruptive
    assert {"pstn.type", "pstn.trunk", "pstn.routeGroup"} <= disruptive
    assert "callingLineId.name" not in disruptive
    spec = field_spec("routingPrefix")
    assert spec is not None and spec.digits and spec.clearable
    assert field_spec("noSuchField") is None
