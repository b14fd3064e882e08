"""End to end: `python -m bot` as a subprocess against the fake Discord and fake AI gateway."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.logs import drain_output, read_until
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_png
from tests.fakes.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_KEY = "sk-e2e-gateway-key-abcdef123456"
BOT_TOKEN = "e2e.discord.bot-token-XYZ987654321"

pytestmark = pytest.mark.e2e


async def test_python_m_bot_serves_imagine_and_stops_cleanly(tmp_path: Path) -> None:
    image = make_png(50_000, seed=7)
    async with FakeAIGateway() as ai, FakeDiscord() as discord_fake:
        ai.push("images", ImagesReply([image]))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": BOT_TOKEN,
            "AI_GATEWAY_API_KEY": GATEWAY_KEY,
            "AI_GATEWAY_BASE_URL": ai.base_url,
            "DISCORD_API_BASE_URL": discord_fake.api_base,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}",
            "HEALTH_PORT": "0",
            "LOG_LEVEL": "DEBUG",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert proc.stdout is not None
        lines: list[str] = []
        try:
            async with asyncio.timeout(30):
                announced = await read_until(proc.stdout, lines, "health and metrics on port")
                port = int(announced.rsplit("port", 1)[1].split()[0])
                await read_until(proc.stdout, lines, "connected as")
                drain = asyncio.create_task(drain_output(proc.stdout, lines))
                await discord_fake.api.wait_until(
                    lambda: discord_fake.api.commands or None, timeout=20, what="command sync"
                )
                # A non-resumable INVALID_SESSION: discord.py reconnects to its DEFAULT_GATEWAY,
                # which must be the gateway the REST base announced (the fake), not Discord's.
                gateway = discord_fake.gateway
                since = len(gateway.received)
                await gateway.invalidate_session(0, resumable=False)
                await gateway.wait_for(lambda f: f.op == 2, since=since, timeout=20)
                await gateway.wait_until(lambda: gateway.session(0).session_id == "fake-session-2")
                async with aiohttp.ClientSession() as http:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                        assert health.status == 200
                    payload = discord_fake.payloads.slash("imagine", options={"prompt": "e2e @everyone"})
                    state = await discord_fake.dispatch_interaction(payload)
                    edit = await discord_fake.api.wait_for(
                        lambda r: (
                            r.interaction_id == state.id
                            and r.route == "webhook_edit_original"
                            and bool(r.files)
                        ),
                        timeout=20,
                    )
                    assert [f.data for f in edit.files] == [image]
                    assert edit.data["allowed_mentions"]["parse"] == []
                    metrics = await (await http.get(f"http://127.0.0.1:{port}/metrics")).text()
                    assert "imagebot_generations_total" in metrics
                proc.send_signal(signal.SIGTERM)
                assert await proc.wait() == 0
                await drain
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert discord_fake.api.schema_violations == []  # every body fit Discord's OpenAPI schema
    log = "".join(lines)
    assert "generation done" in log
    assert "stopped" in log
    assert GATEWAY_KEY not in log
    assert BOT_TOKEN not in log
    assert state.token not in log
