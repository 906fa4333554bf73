from collections.abc import Iterator
from typing import Any

import pytest
from clirun import TOKEN
from inprocess import FakeClock

from reconciler.sandbox import SandboxOrg, SandboxSettings, ServerThread, create_app


@pytest.fixture
def server() -> Iterator[ServerThread]:
    """The seeded sandbox org on 127.0.0.1, accepting only the test token; jobs take 0.3 s."""
    with ServerThread(SandboxOrg.seed(), token=TOKEN, settings=SandboxSettings(job_seconds=0.3)) as running:
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> Any:
    """The seeded sandbox org in-process (see inprocess.run); jobs take 3 s of the fake clock."""
    return create_app(SandboxOrg.seed(), settings=SandboxSettings(job_seconds=3.0, clock=clock))


# pytest puts the running test's id into PYTEST_CURRENT_TEST, which every CLI the tests start inherits, and
# exec refuses an environment string over 128 KiB ("Argument list too long"). Some pytest releases spell a
# huge parameter out whole in the id, so a test handing one over names its cases with ids=.
LONGEST_TEST_ID = 1000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    long = [item.nodeid[:200] for item in items if len(item.nodeid) > LONGEST_TEST_ID]
    if long:
        raise pytest.UsageError(f"test ids over {LONGEST_TEST_ID} characters (give them ids=): {long}")


# A CI log may keep only its last lines, which pytest fills with counts alone: name each failure after
# them, one line each, so that the record of a red run says which test broke and how.
FAILURES: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        reason = " ".join(str(getattr(crash, "message", report.longrepr)).split())
        FAILURES.append(f"FAILED {report.nodeid} ({report.when}): {reason[:400]}")


def pytest_unconfigure(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for line in FAILURES:
            reporter.write_line(line)
