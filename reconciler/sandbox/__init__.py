"""A Webex Calling simulator: the endpoints of the API contract over a small org kept as plain data.

Used in-process by `--sandbox` (through httpx.ASGITransport), over HTTP by `wxc-reconcile sandbox serve`,
and by the tests (ServerThread). The Webex client never imports this package.
"""

from reconciler.sandbox.app import create_app
from reconciler.sandbox.faults import ConnectionDropped
from reconciler.sandbox.gateway import RecordedRequest
from reconciler.sandbox.org import SandboxOrg, SandboxOrgs, StateFileError, webex_id
from reconciler.sandbox.server import ServerThread, serve
from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.statefile import StateFile

__all__ = [
    "ConnectionDropped",
    "RecordedRequest",
    "SandboxOrg",
    "SandboxOrgs",
    "SandboxSettings",
    "ServerThread",
    "StateFile",
    "StateFileError",
    "create_app",
    "serve",
    "webex_id",
]
