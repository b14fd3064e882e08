"""Pytest side of the network guard: fail every test (and the session) that reached for the network.

``tests/conftest.py`` installs :mod:`tests._netguard.netguard` at import and re-exports the fixture
and hook below. A violation swallowed by the code under test still fails the test at teardown.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._netguard import netguard


def install_for_session() -> None:
    """Install the guard for this process and its children, with a fresh report file."""
    report = Path(tempfile.mkdtemp(prefix="netguard-")) / "violations.log"
    report.touch()
    netguard.install(report=report, cover_children=True)


def _describe(violations: list[str]) -> str:
    firsts = "\n".join(f"  - {v.splitlines()[0]}" for v in violations)
    detail = "\n\n".join(violations)
    return f"the test suite may only use loopback, but tried to:\n{firsts}\n\n{detail}"


@pytest.fixture(autouse=True)
def _netguard_check() -> Iterator[None]:
    """Fail the test at teardown if it (or its children) resolved or reached a non-loopback host.

    Autouse fixtures are set up first, so this teardown runs after every other fixture's.
    """
    earlier = netguard.take()  # from collection or another fixture scope: reported at session end
    _session_leftovers.extend(earlier)
    yield
    found = netguard.take()
    if found:
        pytest.fail(_describe(found), pytrace=False)


_session_leftovers: list[str] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run for violations outside any test (collection, session fixtures)."""
    found = _session_leftovers + netguard.take()
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", "netguard: network access outside loopback", red=True)
            reporter.write_line(_describe(found))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
