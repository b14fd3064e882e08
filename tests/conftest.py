"""Shared fixtures: real PostgreSQL and Redis on 127.0.0.1 (skip locally, fail under CI=true).

Also the network guard: from this import on, the suite (and every Python child it starts) can
resolve and reach only loopback; any other attempt fails the test (see tests/_netguard/).
"""

from __future__ import annotations

import gc
import os
import socket
import uuid

import pytest

from tests._netguard.plugin import _netguard_check, install_for_session, pytest_sessionfinish

install_for_session()  # at import: before any test module, fixture or plugin code runs

pytest_plugins = ("pytester",)
__all__ = ["_netguard_check", "pytest_sessionfinish"]  # the guard's fixture and hook, for pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip when a service is missing on a dev machine; fail under CI, where it must be there."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message} (CI=true: a missing service is a failure)")
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> str:
    """URL of the real PostgreSQL test database (trust auth, database `test`)."""
    require_service("PostgreSQL", PG_HOST, PG_PORT)
    return os.environ.get("TEST_DATABASE_URL", f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/test")


@pytest.fixture
def redis_url() -> str:
    """URL of the real Redis."""
    require_service("Redis", REDIS_HOST, REDIS_PORT)
    return os.environ.get("TEST_REDIS_URL", f"redis://{REDIS_HOST}:{REDIS_PORT}/0")


@pytest.fixture
def unique_prefix() -> str:
    """A prefix unique to this test, for keys/schemas shared with other runs."""
    return f"t{uuid.uuid4().hex[:12]}"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Under mutmut, freeze the heap its fork server built by collecting every test.

    mutmut (`scripts/mutation.py`) forks one child per mutant from a process that has collected
    the whole selection; pytest ends each run with a full ``gc.collect()``, which walked (and,
    copy-on-write, duplicated) that heap in every child: ~8 s per mutant instead of ~1 s.
    """
    if session.config.option.collectonly and "MUTANT_UNDER_TEST" in os.environ:
        gc.freeze()
