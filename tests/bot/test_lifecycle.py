"""Start-up and shutdown: command sync only when the tree changed, dev-guild sync, graceful stop."""

from __future__ import annotations

import asyncio

import pytest

import bot.discord.app as app_module
from bot.discord.command_sync import SYNC_HASH_KEY
from bot.gateway.heap import process_heap
from bot.policy import folding
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import ImagesReply, make_png


def _puts(env: BotEnv, route: str) -> int:
    return sum(1 for r in env.discord.api.requests if r.route == route)  # type: ignore[union-attr]


async def test_commands_sync_once_then_only_when_the_tree_changes(bot_env: BotEnv) -> None:
    assert _puts(bot_env, "put_commands") == 1
    names = {c["name"] for c in bot_env.discord.api.commands[None]}  # type: ignore[union-attr]
    assert {"imagine", "chatimage", "config", "job", "usage", "forgetme"} <= names
    digest = await bot_env.bot.store.get_meta(SYNC_HASH_KEY)
    assert digest == bot_env.bot.command_tree_hash()

    await bot_env.restart()
    assert _puts(bot_env, "put_commands") == 1  # unchanged tree: no second sync

    # A changed tree (here: the target moves to a dev guild) syncs again, to that guild.
    guild_id = bot_env.discord.world.guild.id  # type: ignore[union-attr]
    await bot_env.restart(dev_guild_id=guild_id)
    assert _puts(bot_env, "put_guild_commands") == 1
    assert {c["name"] for c in bot_env.discord.api.commands[guild_id]} >= {"imagine", "config"}  # type: ignore[union-attr]


async def test_shutdown_lets_the_job_in_flight_finish(bot_env: BotEnv) -> None:
    image = make_png(20_000, seed=3)
    bot_env.ai.push("images", ImagesReply([image], delay=0.3))  # the generation is still running
    h = bot_env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "last light"}))
    await bot_env.ai_request("/images/generations")
    assert bot_env.bot.jobs_in_flight == 1
    closing = asyncio.create_task(bot_env.bot.close())  # what SIGTERM does
    edit = await rec.wait_for(lambda r: r.route == "webhook_edit_original" and bool(r.files), timeout=10)
    assert [f.data for f in edit.files] == [image]
    async with asyncio.timeout(10):
        await closing
    assert bot_env.bot.jobs_in_flight == 0


async def test_new_commands_are_refused_while_shutting_down(bot_env: BotEnv) -> None:
    bot_env.bot.accepting_jobs = False  # the state close() sets before draining
    h = bot_env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "too late"}))
    answer = await rec.callback()
    assert answer.json["type"] == 4
    assert answer.json["data"]["flags"] & 64
    assert "restarting" in answer.json["data"]["content"]
    assert not any(r.path.endswith("/images/generations") for r in bot_env.ai.requests)


async def test_health_reports_ready_only_while_connected(bot_env: BotEnv) -> None:
    bot = bot_env.bot
    assert bot.is_ready_for_health()
    await bot.close()
    assert not bot.is_ready_for_health()


async def test_the_event_loop_lag_monitor_runs_while_the_bot_runs(bot_env: BotEnv) -> None:
    bot = bot_env.bot
    monitor = bot.loop_monitor
    assert monitor.running
    samples: asyncio.Queue[float] = asyncio.Queue()
    monitor.subscribe(samples.put_nowait)
    # Hog the loop once, as a CPU-bound decode on the loop would; the production gauge shows it.
    end = asyncio.get_running_loop().time() + 0.15
    while asyncio.get_running_loop().time() < end:
        pass
    async with asyncio.timeout(5):
        while await samples.get() < 0.1:
            pass
    gauge = bot.metrics.registry.get_sample_value("imagebot_event_loop_max_lag_seconds")
    assert gauge is not None
    assert gauge >= 0.1
    await bot.close()
    assert not monitor.running


async def test_an_idle_bot_gives_freed_image_memory_back_once(
    bot_env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    heap = process_heap()
    if not heap.supported:
        pytest.skip("malloc_trim is glibc's")
    monkeypatch.setattr(app_module, "HEAP_TRIM_SECONDS", 0.02)
    await bot_env.restart()  # the trimmer's first wait is taken at start-up
    before = heap.trims
    bot_env.ai.push("images", ImagesReply([make_png(50_000, seed=5)]))
    h = bot_env.h
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "tidal pools"}))
    await rec.wait_for(lambda r: r.route == "webhook_edit_original" and bool(r.files), timeout=10)
    async with asyncio.timeout(10):
        await bot_env.bot.heap_trimmed.wait()  # the trimmer's first check after the job
    assert heap.trims == before + 1
    bot_env.bot.heap_trimmed.clear()
    # Idle with no new job: later checks leave the heap alone (ten more intervals).
    await asyncio.sleep(0.2)
    assert heap.trims == before + 1
    assert not bot_env.bot.heap_trimmed.is_set()


async def test_the_confusables_table_is_built_at_start_up(bot_env: BotEnv) -> None:
    """Not in the first command's deferral window (a file read on first use)."""
    folding.confusables.cache_clear()
    await bot_env.restart()
    assert folding.confusables.cache_info().currsize == 1
