"""The sandbox org's state file, shared by every process that serves it, and the lock around each request.

`--sandbox` runs the simulator inside each wxc-reconcile process, and `sandbox serve` in its own. Each
used to keep the org it loaded at its start and save it whole after a change: on one state file, the
last writer won, and two processes could each start a routing-prefix job while the other's ran. Now
each request holds an exclusive lock for as long as it is handled: it reads the state afresh when
another process changed it since, changes it, saves it, and lets go. The lock is `flock` on a lock
file beside the state file (the state file itself is replaced at each save, so it cannot carry a
lock); the kernel drops it when a process dies, so a killed process never leaves the org locked.

The lock file also holds the revision of the last save: a process that saved last knows its org is
current without reading the state again, and one that did not sees the revision change.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from reconciler.sandbox.org import SandboxOrg, SandboxOrgs, StateFileError

# How long a request waits for another process's request: each holds the lock for milliseconds, so
# this is only reached when a process hangs while holding it (stopped in a debugger, say).
LOCK_WAIT = 10.0
_FIRST_RETRY, _LAST_RETRY = 0.001, 0.05  # seconds between tries for the lock, growing

# What identifies the state as last seen: the revision in the lock file, and the state file's inode,
# size and modification time (for a change made without the lock: a file copied in by hand).
_Seen = tuple[bytes, tuple[int, int, int] | None]


class StateFile:
    """The state file at `path`, shared with other processes through its lock (see the module)."""

    def __init__(self, path: Path, lock_wait: float = LOCK_WAIT) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.lock_wait = lock_wait
        self._seen: _Seen | None = None  # what the org in memory was read from or saved as
        self._fd: int | None = None  # the lock file, while a request holds the lock

    @asynccontextmanager
    async def request(self, orgs: SandboxOrgs) -> AsyncIterator[None]:
        """Hold the lock around one request; `orgs` first become, in place, the state saved last.

        Until the file exists, `orgs` are the state (saved at the first change).
        """
        async with self._locked() as fd:
            seen = (os.pread(fd, 64, 0), self._stat())
            if seen != self._seen:
                if seen[1] is not None:
                    orgs.become(SandboxOrgs.load(self.path))
                self._seen = seen
            yield

    def save(self, orgs: SandboxOrg | SandboxOrgs) -> None:
        """Save `orgs` as the state, inside `request` (the lock held), under a new revision."""
        fd = self._fd
        if fd is None:
            raise RuntimeError("StateFile.save outside a request: the lock is not held")
        self._write(fd, orgs)

    async def replace(self, orgs: SandboxOrg | SandboxOrgs) -> None:
        """Save `orgs` as the state under the lock, whatever it was (`sandbox reset`, `sandbox partner`)."""
        async with self._locked() as fd:
            self._write(fd, orgs)

    def _write(self, fd: int, orgs: SandboxOrg | SandboxOrgs) -> None:
        revision = uuid.uuid4().hex.encode()
        try:
            orgs.save(self.path)
            os.ftruncate(fd, 0)
            os.pwrite(fd, revision, 0)
        except OSError as exc:
            raise StateFileError(f"{self.path}: cannot save the sandbox state: {exc.strerror}") from None
        self._seen = (revision, self._stat())

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateFileError(f"{self.path}: cannot read the sandbox state: {exc.strerror}") from None
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[int]:
        # A descriptor of its own for each holder: flock excludes other open files, even in this
        # process (another app on the same file, another event loop), but not the same one twice.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            why = exc.strerror
            if isinstance(exc, FileExistsError):  # a file stands where the directory should be
                why = f"{self.path.parent} is not a directory"
            raise StateFileError(f"{self.path}: cannot keep the sandbox state there: {why}") from None
        try:
            await self._acquire(fd)
            self._fd = fd
            try:
                yield fd
            finally:
                self._fd = None
        finally:
            os.close(fd)  # lets go of the lock

    async def _acquire(self, fd: int) -> None:
        """Take the lock, waiting (without blocking the event loop) at most `lock_wait` seconds."""
        deadline = time.monotonic() + self.lock_wait
        pause = _FIRST_RETRY
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            if time.monotonic() >= deadline:
                raise StateFileError(
                    f"{self.path}: another process has held the sandbox state's lock for over "
                    f"{self.lock_wait:g} s; is a wxc-reconcile process on this state stuck?"
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LAST_RETRY)
