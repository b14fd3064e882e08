"""The README's quick start, literally: copy .env.example, fill the two keys, run the bot.

Only `DISCORD_TOKEN` and `AI_GATEWAY_API_KEY` are written into the copied `.env`; every other
line stays as shipped (blank values included). To keep the test on loopback, the process
environment additionally points `AI_GATEWAY_BASE_URL` and `DISCORD_API_BASE_URL` at the fakes
and sets `HEALTH_PORT=0` so the test can probe `/healthz`: real environment variables win over
`.env` (as the README says), so the file itself is exactly what a new user has.
"""

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
TOKEN = "quick.start.bot-token-XYZ987654321"
KEY = "sk-quick-start-key-0123456789abcdef"

pytestmark = pytest.mark.e2e


def quick_start_dir(tmp_path: Path) -> Path:
    """Step 3: `cp .env.example .env` and set the two keys (nothing else)."""
    text = (ROOT / ".env.example").read_text()
    assert "\nDISCORD_TOKEN=\n" in text
    assert "\nAI_GATEWAY_API_KEY=\n" in text
    text = text.replace("\nDISCORD_TOKEN=\n", f"\nDISCORD_TOKEN={TOKEN}\n")
    text = text.replace("\nAI_GATEWAY_API_KEY=\n", f"\nAI_GATEWAY_API_KEY={KEY}\n")
    (tmp_path / ".env").write_text(text)
    return tmp_path


def environment(tmp_path: Path, ai: FakeAIGateway, discord_fake: FakeDiscord | None = None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "AI_GATEWAY_BASE_URL": ai.base_url,  # the fakes, see the module docstring
    }
    if discord_fake is not None:
        env["DISCORD_API_BASE_URL"] = discord_fake.api_base
        env["HEALTH_PORT"] = "0"
    return env


async def test_models_works_with_the_copied_example(tmp_path: Path) -> None:
    cwd = quick_start_dir(tmp_path)
    async with FakeAIGateway() as ai:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "models", cwd=cwd, env=environment(cwd, ai),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(60):
            out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert "bfl/flux-2-pro" in out.decode()
    assert err.decode() == ""


async def test_the_bot_starts_serves_and_stops_with_the_copied_example(tmp_path: Path) -> None:
    cwd = quick_start_dir(tmp_path)
    image = make_png(30_000, seed=5)
    async with FakeAIGateway() as ai, FakeDiscord() as discord_fake:
        ai.push("images", ImagesReply([image]))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=cwd, env=environment(cwd, ai, discord_fake),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert proc.stdout is not None
        lines: list[str] = []
        try:
            async with asyncio.timeout(60):
                announced = await read_until(proc.stdout, lines, "health and metrics on port")
                port = int(announced.rsplit("port", 1)[1].split()[0])
                await read_until(proc.stdout, lines, "connected as")
                drain = asyncio.create_task(drain_output(proc.stdout, lines))
                await discord_fake.api.wait_until(
                    lambda: discord_fake.api.commands.get(None) or None,
                    timeout=20,
                    what="global command sync",
                )
                async with (
                    aiohttp.ClientSession() as http,
                    http.get(f"http://127.0.0.1:{port}/healthz") as resp,
                ):
                    assert resp.status == 200
                # DEFAULT_IMAGE_MODEL= is blank in the example: the catalogue's first model is used.
                state = await discord_fake.dispatch_interaction(
                    discord_fake.payloads.slash("imagine", options={"prompt": "quick start"})
                )
                edit = await discord_fake.api.wait_for(
                    lambda r: (
                        r.interaction_id == state.id and r.route == "webhook_edit_original" and bool(r.files)
                    ),
                    timeout=30,
                )
                assert [f.data for f in edit.files] == [image]
                proc.send_signal(signal.SIGTERM)
                assert await proc.wait() == 0
                await drain
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log = "".join(lines)
    assert (cwd / "data" / "bot.sqlite3").is_file()  # the example's DATABASE_URL, relative to cwd
    assert "Traceback" not in log
    assert " ERROR " not in log
    assert TOKEN not in log
    assert KEY not in log
