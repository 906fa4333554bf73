"""`wxc-reconcile export`: the org's current state as a desired-state file, to start managing it.

Reading (`read`, the only I/O) is kept apart from building the document (`document`, pure) and writing
its YAML (`emit`, pure). The file validates and plans to no changes against the org it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from reconciler.export.document import LiveLocation, OrgSnapshot, build_document, render
from reconciler.export.read import read_org, select_locations
from reconciler.webex.api import CallingApi

__all__ = [
    "LiveLocation",
    "OrgSnapshot",
    "build_document",
    "export_org",
    "read_org",
    "render",
    "select_locations",
]


async def export_org(api: CallingApi, names: Sequence[str] = (), *, tool_version: str) -> str:
    """The text of a desired-state file describing the org's calling-enabled locations (or only `names`).

    Raises InvalidInput when a name is not a calling-enabled location of the org.
    """
    org = await read_org(api, names)
    return render(org, tool_version=tool_version, exported_on=datetime.now(UTC).date())
