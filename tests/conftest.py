from collections.abc import Iterator

import pytest
from clirun import TOKEN

from reconciler.sandbox import SandboxOrg, SandboxSettings, ServerThread


@pytest.fixture
def server() -> Iterator[ServerThread]:
    """The seeded sandbox org on 127.0.0.1, accepting only the test token; jobs take 0.3 s."""
    with ServerThread(SandboxOrg.seed(), token=TOKEN, settings=SandboxSettings(job_seconds=0.3)) as running:
        yield running
