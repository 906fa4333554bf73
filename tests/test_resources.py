"""resources/: the registry lists every managed endpoint once, in apply order, and refuses other kinds."""

from __future__ import annotations

import pytest

from reconciler.resources import KINDS, RESOURCES, UnknownKind, all_fields, field_spec, resource_of
from reconciler.resources.fields import walk


def test_apply_order_is_the_pstn_connection_then_the_details_then_the_further_settings() -> None:
    assert KINDS == ("pstn", "details", "outgoingPermission")
    titles = ["PSTN connection", "location details", "outgoing calling permissions"]
    assert [resource.title for resource in RESOURCES] == titles


def test_a_kind_nothing_registers_is_refused_by_name_never_read_as_another() -> None:
    assert resource_of("details") is RESOURCES[1]
    with pytest.raises(
        UnknownKind,
        match=r"unknown kind of step 'voicemail' \(this version knows pstn, details, outgoingPermission\)",
    ):
        resource_of("voicemail")


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
