"""Start-up failures an operator meets are one line on stderr and exit code 2, never a traceback.

Each case runs `python -m bot` (or `python -m bot sync`) as a subprocess against a resource
that is really missing: an unused loopback port, a database or role that does not exist on
the real PostgreSQL, a path SQLite cannot create. Passwords in URLs must never be echoed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "hunter2-Secret-pw"
TOKEN = "e2e.startup.bot-token-XYZ987654321"

pytestmark = pytest.mark.e2e


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": TOKEN,
        "AI_GATEWAY_API_KEY": "sk-startup-key-0123456789",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        # Nothing must reach the real Discord even if a check were missing.
        "DISCORD_API_BASE_URL": f"http://127.0.0.1:{unused_port()}/api/v10",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env={**base, **env},
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    assert proc.stderr.rstrip().endswith(errors[0])  # the last thing printed
    assert PASSWORD not in proc.stderr + proc.stdout
    assert TOKEN not in proc.stderr + proc.stdout
    return errors[0]


def test_unreachable_discord(tmp_path: Path) -> None:
    port = unused_port()
    line = one_error_line(run_bot(tmp_path, DISCORD_API_BASE_URL=f"http://127.0.0.1:{port}/api/v10"))
    assert line == (
        f"error: cannot reach Discord at http://127.0.0.1:{port}/api/v10: Connection refused; "
        "check the network or DISCORD_API_BASE_URL"
    )


def test_unreachable_discord_on_sync(tmp_path: Path) -> None:
    port = unused_port()
    line = one_error_line(run_bot(tmp_path, "sync", DISCORD_API_BASE_URL=f"http://127.0.0.1:{port}/api/v10"))
    assert line.startswith(f"error: cannot reach Discord at http://127.0.0.1:{port}/api/v10")


def test_unreachable_postgresql_names_host_and_database(tmp_path: Path) -> None:
    port = unused_port()
    url = f"postgresql+asyncpg://bot:{PASSWORD}@127.0.0.1:{port}/botdb"
    line = one_error_line(run_bot(tmp_path, DATABASE_URL=url))
    assert line == (
        f"error: cannot connect to database 'botdb' on 127.0.0.1:{port} as user 'bot': Connection refused; "
        "is PostgreSQL running there, and is DATABASE_URL right?"
    )


@pytest.mark.postgres
def test_misnamed_database(tmp_path: Path, postgres_url: str) -> None:
    url = postgres_url.rsplit("/", 1)[0] + "/no_such_database_imagebot"
    line = one_error_line(run_bot(tmp_path, DATABASE_URL=url))
    assert line == (
        "error: PostgreSQL has no database 'no_such_database_imagebot' on 127.0.0.1:5432: "
        "create it or fix the name in DATABASE_URL"
    )


@pytest.mark.postgres
def test_wrong_user(tmp_path: Path, postgres_url: str) -> None:
    url = f"postgresql+asyncpg://no_such_role_imagebot:{PASSWORD}@127.0.0.1:5432/test"
    line = one_error_line(run_bot(tmp_path, DATABASE_URL=url))
    assert line.startswith(
        "error: PostgreSQL refused database 'test' on 127.0.0.1:5432 as user 'no_such_role_imagebot'"
    )
    assert line.endswith("check the user and password in DATABASE_URL")


@pytest.mark.postgres
def test_sslmode_reaches_asyncpg_as_ssl(tmp_path: Path, postgres_url: str) -> None:
    """`?sslmode=require` is understood (not a TypeError); this server offers no SSL, so it is refused."""
    line = one_error_line(run_bot(tmp_path, DATABASE_URL=postgres_url + "?sslmode=require"))
    assert "SSL" in line
    assert "sslmode=prefer" in line


def test_sqlite_path_that_cannot_be_created(tmp_path: Path) -> None:
    line = one_error_line(run_bot(tmp_path, DATABASE_URL="sqlite+aiosqlite:////proc/imagebot/bot.sqlite3"))
    assert line.startswith("error: cannot open the SQLite database /proc/imagebot/bot.sqlite3: ")
    assert "directory this user can write" in line


def test_redis_down(tmp_path: Path) -> None:
    port = unused_port()
    line = one_error_line(run_bot(tmp_path, REDIS_URL=f"redis://:{PASSWORD}@127.0.0.1:{port}/0"))
    assert line == (
        f"error: cannot use Redis at 127.0.0.1:{port} (REDIS_URL): Connection refused; "
        "start Redis there or unset REDIS_URL"
    )


def test_malformed_urls_are_named_together(tmp_path: Path) -> None:
    proc = run_bot(tmp_path, REDIS_URL="http://127.0.0.1:6379", DATABASE_URL="postgresql+asyncpg://bot@/")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "REDIS_URL is invalid: must start with redis://" in proc.stderr
    assert "DATABASE_URL is invalid: needs a host and a database" in proc.stderr


def test_health_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_error_line(run_bot(tmp_path, HEALTH_PORT=str(port)))
    assert line == f"error: HEALTH_PORT {port} is already in use: pick another port or stop what uses it"
