"""Installs are reproducible: hashed locks, runtime apart from dev tools, a buildable package."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from bot.discord.app import SHUTDOWN_GRACE_SECONDS

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = {"pytest", "pytest-asyncio", "pytest-timeout", "openai", "ruff", "setuptools"}


def _name(requirement: str) -> str:
    return (
        re.split(r"[\s\[<>=;!~]", requirement.strip(), maxsplit=1)[0]
        .lower()
        .replace("_", "-")
        .replace(".", "-")
    )


def _lock(name: str) -> dict[str, str]:
    """Package -> pinned line (with its marker) of a lock file; every entry must carry hashes."""
    text = (ROOT / name).read_text()
    entries = re.split(r"\n(?=[A-Za-z])", "\n" + re.sub(r"^#.*\n", "", text, flags=re.MULTILINE))
    pins: dict[str, str] = {}
    for entry in filter(str.strip, entries):
        head = entry.strip().splitlines()[0].rstrip(" \\")
        assert re.match(r"^[A-Za-z0-9_.\-]+==[^\s;]+( ; .+)?$", head), f"{name}: not pinned: {head}"
        assert "--hash=sha256:" in entry, f"{name}: no hash for {head}"
        pins[_name(head)] = head
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_runtime_lock_pins_every_dependency_and_no_dev_tool() -> None:
    runtime = _lock("requirements.lock")
    declared = {_name(d) for d in _pyproject()["project"]["dependencies"]}
    assert declared <= runtime.keys()
    assert not DEV_ONLY & runtime.keys()
    assert "psutil" not in runtime


def test_dev_lock_is_the_runtime_lock_plus_the_dev_tools() -> None:
    runtime, dev = _lock("requirements.lock"), _lock("requirements-dev.lock")
    assert {k: v for k, v in dev.items() if k in runtime} == runtime
    extras = {_name(d) for d in _pyproject()["project"]["optional-dependencies"]["dev"]}
    assert extras <= dev.keys()
    assert "psutil" not in dev


def test_locks_cover_python_3_13() -> None:
    """discord.py needs audioop-lts from 3.13 on: a lock resolved for 3.11 alone would miss it."""
    assert "python_full_version >= '3.13'" in _lock("requirements.lock")["audioop-lts"]


def test_uv_itself_is_pinned_by_hash() -> None:
    assert list(_lock("requirements-uv.lock")) == ["uv"]
    assert (
        "UV_VERSION := " + _lock("requirements-uv.lock")["uv"].split("==")[1]
        in (ROOT / "Makefile").read_text()
    )


def test_dockerfile_installs_the_runtime_lock_with_hashes_and_probes_in_exec_form() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements.lock" in text
    healthcheck = re.search(r"^HEALTHCHECK .*?CMD (.+)$", text, flags=re.MULTILINE | re.DOTALL)
    assert healthcheck is not None
    assert healthcheck.group(1).startswith('["python", "-c", ')  # exec form: JSON array


def test_compose_waits_longer_than_shutdown_and_checks_its_services() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    grace = re.search(r"^\s+stop_grace_period: (\d+)s$", text, flags=re.MULTILINE)
    assert grace is not None
    assert int(grace.group(1)) > SHUTDOWN_GRACE_SECONDS
    assert '["CMD", "pg_isready"' in text
    assert '["CMD", "redis-cli", "ping"]' in text
    assert '"--appendonly", "yes"' in text
    assert text.count("condition: service_healthy") == 2


def test_license_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 The imagebot contributors" in text
    assert _pyproject()["project"]["license"] == "MIT"


@pytest.mark.timeout(300)
def test_wheel_has_every_package_the_migrations_and_the_console_script(tmp_path: Path) -> None:
    src = tmp_path / "src"  # setuptools builds in the tree: keep build/ and *.egg-info out of the repo
    for name in ("bot", "cogs"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(tmp_path),
        ".",
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=280, cwd=src)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("imagebot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {p.relative_to(ROOT).as_posix() for d in ("bot", "cogs") for p in (ROOT / d).rglob("*.py")}
    sql = {p.relative_to(ROOT).as_posix() for p in (ROOT / "bot/storage/migrations").rglob("*.sql")}
    assert sql
    assert sources | sql <= names
    assert not any(n.startswith("tests/") for n in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "imagebot = bot.__main__:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_make_refuses_an_old_python_in_one_line(tmp_path: Path) -> None:
    old = tmp_path / "python3.10"
    old.write_text('#!/bin/sh\ncase "$1" in -V) echo "Python 3.10.12";; *) exit 1;; esac\n')
    old.chmod(0o755)
    proc = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "check-python", f"PYTHON={old}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("make")]
    assert lines == [
        f"error: imagebot needs Python 3.11 or newer, but '{old}' is Python 3.10.12; "
        "install one and run e.g. 'make PYTHON=python3.12 run'"
    ]
