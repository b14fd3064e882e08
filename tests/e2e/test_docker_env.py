"""The Docker image's settings survive `docker run --env-file .env` (no Docker engine needed).

Docker's env-file rules: each `NAME=value` line sets NAME to value verbatim (a blank value sets
it to ""), `#` lines and empty lines are skipped, and the env file wins over the image's `ENV`.
The test builds that environment from the Dockerfile and a `.env` made by the quick start, then
runs the bot: logs must be JSON and /healthz served, as the README's Docker section claims.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.test_quick_start import KEY, TOKEN, quick_start_dir
from tests.fakes.ai_gateway import FakeAIGateway
from tests.fakes.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def image_env() -> dict[str, str]:
    """The `ENV` instructions of the Dockerfile."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", text, flags=re.MULTILINE):
        env.update(part.split("=", 1) for part in shlex.split(line))
    return env


def docker_env_file(path: Path) -> dict[str, str]:
    """What `docker run --env-file` sets from `path`."""
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            env[name.strip()] = value
    return env


async def test_env_file_keeps_the_images_json_logs_and_health_port(tmp_path: Path) -> None:
    cwd = quick_start_dir(tmp_path)
    env = {**image_env(), **docker_env_file(cwd / ".env")}
    assert (env["HEALTH_PORT"], env["LOG_FORMAT"]) == ("8080", "json")  # the image's, not blanked
    env["HEALTH_PORT"] = "0"  # the same setting on a free port (8080 may be taken on this machine)
    async with FakeAIGateway() as ai, FakeDiscord() as discord_fake:
        env.update(
            PATH=os.environ.get("PATH", "/usr/bin:/bin"),
            HOME=str(tmp_path),
            PYTHONPATH=str(ROOT),
            AI_GATEWAY_BASE_URL=ai.base_url,
            DISCORD_API_BASE_URL=discord_fake.api_base,
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=cwd, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert proc.stdout is not None
        entries: list[dict[str, object]] = []
        try:
            async with asyncio.timeout(60):
                while not any(str(e.get("message", "")).startswith("connected as") for e in entries):
                    raw = await proc.stdout.readline()
                    assert raw, f"the bot exited: {entries}"
                    entries.append(json.loads(raw))  # every line is one JSON object
                (announced,) = [e for e in entries if "health and metrics on port" in str(e["message"])]
                port = int(str(announced["message"]).rsplit("port", 1)[1].split()[0])
                async with (
                    aiohttp.ClientSession() as http,
                    http.get(f"http://127.0.0.1:{port}/healthz") as resp,
                ):
                    assert resp.status == 200
                proc.send_signal(signal.SIGTERM)
                rest = await proc.stdout.read()
                assert await proc.wait() == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    for line in rest.decode().splitlines():
        json.loads(line)
    assert TOKEN not in rest.decode() + json.dumps(entries)
    assert KEY not in rest.decode() + json.dumps(entries)
