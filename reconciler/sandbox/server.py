"""The sandbox over HTTP: `serve` (blocking, for `wxc-reconcile sandbox serve`) and `ServerThread` (tests)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.sandbox.app import create_app
from reconciler.sandbox.endpoints.access_token import TokenIssuer, TokenSettings
from reconciler.sandbox.faults import CLOSE_CONNECTION_KEY
from reconciler.sandbox.gateway import RecordedRequest
from reconciler.sandbox.org import SandboxOrg, SandboxOrgs
from reconciler.sandbox.settings import SandboxSettings


class DroppableConnections:
    """ASGI wrapper for uvicorn: lets the sandbox close a request's connection without answering.

    ASGI has no way for an app to drop an HTTP connection, and an app that returns without answering
    gets a 500 from uvicorn. But uvicorn hands the app its request cycle's bound `send`, whose cycle holds
    the connection's asyncio transport: its `close` goes into the scope for the Gateway (drop_rate). With
    another server (or a uvicorn that changed this), the key stays unset and a drop becomes an error.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        close = getattr(transport, "close", None)
        if scope["type"] == "http" and callable(close):
            scope[CLOSE_CONNECTION_KEY] = close
        await self.app(scope, receive, send)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    state_path: Path | None = None,
    token: str | None = None,
    settings: SandboxSettings | None = None,
    tokens: TokenSettings | None = None,
) -> None:
    """Serve the sandbox's orgs (read from `state_path`, else the seed) until interrupted."""
    orgs = SandboxOrgs.load(state_path) if state_path is not None else SandboxOrgs.seed()
    app = create_app(orgs, state_path=state_path, token=token, settings=settings, tokens=tokens)
    uvicorn.run(DroppableConnections(app), host=host, port=port, log_level="info")


class ServerThread:
    """The sandbox on 127.0.0.1 at a free port, in a daemon thread; a context manager.

    >>> with ServerThread() as server:
    ...     httpx.get(f"{server.base_url}/locations", headers={"Authorization": "Bearer x"})
    """

    def __init__(
        self,
        org: SandboxOrg | SandboxOrgs | None = None,
        *,
        state_path: Path | None = None,
        token: str | None = None,
        settings: SandboxSettings | None = None,
        tokens: TokenSettings | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        self.app: Starlette = create_app(
            org if org is not None else SandboxOrg.seed(),
            state_path=state_path,
            token=token,
            settings=settings,
            tokens=tokens,
        )
        config = uvicorn.Config(
            DroppableConnections(self.app), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="sandbox-server", daemon=True)
        self._startup_timeout = startup_timeout
        self.port = 0

    @property
    def base_url(self) -> str:
        """e.g. http://127.0.0.1:54321/v1"""
        if not self.port:
            raise RuntimeError("the sandbox server is not running")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def orgs(self) -> SandboxOrgs:
        orgs: SandboxOrgs = self.app.state.orgs
        return orgs

    @property
    def org(self) -> SandboxOrg:
        """The token's own org (the first)."""
        return self.orgs.own

    @property
    def settings(self) -> SandboxSettings:
        """The live settings: change a field to change how the running server behaves."""
        settings: SandboxSettings = self.app.state.settings
        return settings

    @property
    def tokens(self) -> TokenIssuer:
        """The token endpoint's issuer: `issued` counts the access tokens it gave out."""
        tokens: TokenIssuer = self.app.state.tokens
        return tokens

    @property
    def requests(self) -> list[RecordedRequest]:
        requests: list[RecordedRequest] = self.app.state.requests
        return requests

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox server did not start within {self._startup_timeout} s")
            time.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.port = 0

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
