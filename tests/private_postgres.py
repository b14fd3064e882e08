"""A private PostgreSQL server for outage tests: `initdb` + `pg_ctl` on a free port.

Only this server is ever stopped; the machine's shared PostgreSQL on 5432 is never touched.
As root (CI), the server runs as the `postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivatePostgres:
    """One throw-away cluster: `url`, `stop()` (immediate, like a crash) and `start()`."""

    def __init__(self, root: Path, port: int, as_user: list[str]) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self._as_user = as_user

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `postgres` database (trust auth)."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    async def _run(self, *args: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            *self._as_user, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {out.decode(errors='replace')[-2000:]}")

    async def init(self) -> None:
        """Create the cluster (no fsync: it is thrown away)."""
        await self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    async def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        await self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    async def stop(self) -> None:
        """Stop at once (`-m immediate`: no clean shutdown, like a crash)."""
        await self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


@pytest.fixture
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    """A running private PostgreSQL; skipped when `initdb` is not installed (failed under CI)."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("initdb/pg_ctl are not installed (CI=true: a missing service is a failure)")
        pytest.skip("initdb/pg_ctl are not installed")
    root = Path(tempfile.mkdtemp(prefix="imagebot-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PrivatePostgres(root, _free_port(), as_user)
    try:
        await server.init()
        await server.start()
        yield server
    finally:
        with contextlib.suppress(RuntimeError):  # already stopped by the test
            await server.stop()
        shutil.rmtree(root, ignore_errors=True)
