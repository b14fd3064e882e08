"""kill -9 during a generation, then restart: the jobs are reconciled at once (issue 10, item 3).

A real `python -m bot` subprocess runs against the fakes with one generation slot. Alice's job
is at the gateway (the fake holds the request open), Bob's waits in the queue. The process is
killed with SIGKILL and started again on the same SQLite file: before it even connects, both
jobs are `interrupted`, Bob's (never sent) refunded, Alice's (sent) keeping its estimate, both
placeholders say so, and nothing is sent to the gateway a second time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Store
from tests.e2e.logs import drain_output, read_until
from tests.e2e.test_process import BOT_TOKEN, GATEWAY_KEY, ROOT
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply
from tests.fakes.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e


async def _start(env: dict[str, str], cwd: Path, lines: list[str]) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    await read_until(proc.stdout, lines, "connected as")
    return proc


async def test_kill_9_mid_generation_then_restart_reconciles_at_once(tmp_path: Path) -> None:
    database = tmp_path / "crash.sqlite3"
    held = asyncio.Event()  # never set: the gateway is still "working" when the bot dies
    async with FakeAIGateway() as ai, FakeDiscord() as discord_fake:
        ai.push("images", ImagesReply.png(1, hold=held))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": BOT_TOKEN,
            "AI_GATEWAY_API_KEY": GATEWAY_KEY,
            "AI_GATEWAY_BASE_URL": ai.base_url,
            "DISCORD_API_BASE_URL": discord_fake.api_base,
            "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "MAX_CONCURRENT_JOBS": "1",
            "LOG_LEVEL": "INFO",
        }
        world = discord_fake.world
        api = discord_fake.api
        lines: list[str] = []
        first = second = None
        try:
            async with asyncio.timeout(60):
                first = await _start(env, tmp_path, lines)
                assert first.stdout is not None
                drain = asyncio.create_task(drain_output(first.stdout, lines))
                alice = await discord_fake.dispatch_interaction(
                    discord_fake.payloads.slash("imagine", options={"prompt": "a lighthouse"})
                )
                while not (await ai.next_request()).path.endswith("/images/generations"):
                    pass  # the catalogue fetch comes first
                bob_user = world.add_member(world.guild, "bob")
                bob = await discord_fake.dispatch_interaction(
                    discord_fake.payloads.slash("imagine", options={"prompt": "a harbour"}, user=bob_user)
                )
                await api.wait_for(
                    lambda r: r.interaction_id == bob.id and "Queued" in str((r.data or {}).get("content")),
                    timeout=20,
                )
                first.send_signal(signal.SIGKILL)  # kill -9: no shutdown code runs
                assert await first.wait() == -signal.SIGKILL
                await drain

                mark = len(api.requests)
                second = await _start(env, tmp_path, lines)  # reconciled before it connects
                assert second.stdout is not None
                drain = asyncio.create_task(drain_output(second.stdout, lines))
                edits = {
                    state.id: await api.wait_for(
                        lambda r, s=state: r.interaction_id == s.id and r.route == "webhook_edit_original",
                        timeout=20,
                        since=mark,
                    )
                    for state in (alice, bob)
                }
                second.send_signal(signal.SIGTERM)
                assert await second.wait() == 0
                await drain
        finally:
            for proc in (first, second):
                if proc is not None and proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        generations = [r for r in ai.requests if r.path.endswith("/images/generations")]
        assert len(generations) == 1  # never sent again
        assert api.schema_violations == []  # every body fit Discord's OpenAPI schema

    alice_text: Any = edits[alice.id].data["content"]
    bob_text: Any = edits[bob.id].data["content"]
    assert "interrupted by a restart while the image service was working on it" in alice_text
    assert "may have been charged" in alice_text
    assert "interrupted by a restart before it started, and was not charged" in bob_text
    assert edits[bob.id].data["components"] == []  # the queue's Cancel button is gone

    store = await Store.open(f"sqlite+aiosqlite:///{database}")
    try:
        jobs = {job.user_id: job for job in await store.recent_jobs(world.guild.id)}
    finally:
        await store.close()
    kept, refunded = jobs[world.alice.id], jobs[bob_user.id]
    assert (kept.status, kept.charge_cost, kept.charge_images) == ("interrupted", Decimal("0.04"), 0)
    assert (refunded.status, refunded.charge_cost, refunded.charge_images) == ("interrupted", 0, 0)
    assert (kept.reply_token, refunded.reply_token) == (None, None)
    log = "".join(lines)
    assert "reconciled 2 job(s)" in log
    assert alice.token not in log
    assert bob.token not in log
