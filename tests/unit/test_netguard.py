"""The network guard: the suite can resolve and reach only loopback, in-process and in children."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests._netguard import netguard
from tests._netguard.netguard import NetguardError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def expect_violations() -> list[str]:
    """Collects what the test deliberately triggered (so the guard's teardown check stays quiet)."""
    return []


def consume(expected: list[str]) -> list[str]:
    found = [v.splitlines()[0] for v in netguard.take()]
    expected.extend(found)
    return found


def test_resolving_a_public_name_fails_and_is_recorded(expect_violations: list[str]) -> None:
    for call in (
        lambda: socket.getaddrinfo("example.com", 443),
        lambda: socket.gethostbyname("example.com"),
        lambda: socket.gethostbyname_ex("example.com"),
        lambda: socket.create_connection(("example.com", 80), timeout=1),
    ):
        with pytest.raises(NetguardError, match=r"may not resolve 'example\.com'"):
            call()
    found = consume(expect_violations)
    assert len(found) == 4
    assert all("example.com" in line for line in found)


def test_connecting_to_a_public_address_fails_before_any_packet(expect_violations: list[str]) -> None:
    with socket.socket() as sock, pytest.raises(NetguardError, match="connect to"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: would hang, not refuse, if it were tried
    with socket.socket() as sock, pytest.raises(NetguardError):
        sock.connect_ex(("example.com", 80))  # a name connect() would resolve in C
    assert len(consume(expect_violations)) == 2


async def test_asyncio_and_aiohttp_paths_are_guarded(expect_violations: list[str]) -> None:
    loop = asyncio.get_running_loop()
    with pytest.raises(NetguardError):
        await loop.getaddrinfo("gateway.discord.gg", 443)
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await http.get("https://ai-gateway.vercel.sh/v1/models")
    # aiohttp turns it into a connection error a caller may well swallow: the record stays.
    assert isinstance(caught.value.__cause__, NetguardError) or "netguard" in str(caught.value)
    found = consume(expect_violations)
    assert [line for line in found if "gateway.discord.gg" in line]
    assert [line for line in found if "ai-gateway.vercel.sh" in line]


async def test_loopback_is_allowed() -> None:
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert socket.getaddrinfo("::1", 80, socket.AF_INET6)
    assert socket.getaddrinfo(None, 80, flags=socket.AI_PASSIVE)  # bind to every interface
    assert await asyncio.get_running_loop().getaddrinfo("localhost", 80)
    assert netguard.may_connect(("127.0.0.1", 5432))
    assert netguard.may_connect(("::ffff:127.0.0.1", 5432, 0, 0))
    assert not netguard.may_connect(("10.0.0.1", 5432))
    assert netguard.take() == []


def test_a_python_child_is_guarded_and_reported(tmp_path: Path, expect_violations: list[str]) -> None:
    # An explicit env without the guard, as e2e tests pass it: the Popen hook adds the guard.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    code = (
        "import socket\n"
        "try:\n"
        "    socket.getaddrinfo('example.com', 80)\n"
        "except OSError as exc:\n"
        "    print('swallowed:', exc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "netguard" in proc.stdout  # the child saw the guard's error (and swallowed it)...
    found = consume(expect_violations)
    assert len(found) == 1  # ...and the parent still knows
    assert found[0].startswith("pid ")
    assert f"pid {os.getpid()}:" not in found[0]
    assert "resolve 'example.com'" in found[0]


def test_a_test_that_swallows_the_error_still_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest("from tests.conftest import *  # noqa: F403\n")
    pytester.makepyfile(
        """
        import socket

        def test_swallows():
            try:
                socket.getaddrinfo("example.com", 443)
            except OSError:
                pass

        def test_clean():
            socket.getaddrinfo("localhost", 443)
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_swallows*", "*resolve 'example.com'*"])
