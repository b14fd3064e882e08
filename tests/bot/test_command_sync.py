"""Command sync never leaves a command listed twice, and follows a new application.

Every assertion is on what the fake Discord stored from the bot's real PUTs of
/applications/{id}/commands and /applications/{id}/guilds/{gid}/commands.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

from bot.discord.command_sync import SYNC_HASH_KEY
from tests.bot.conftest import BotEnv
from tests.fakes.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


def _names(env: BotEnv, scope: int | None) -> list[str]:
    return [c["name"] for c in env.discord.api.commands.get(scope, [])]  # type: ignore[union-attr]


def _listed_in(env: BotEnv, guild_id: int) -> Counter[str]:
    """What a member of `guild_id` sees: the global commands plus the guild's own."""
    return Counter(_names(env, None) + _names(env, guild_id))


async def test_dev_guild_on_then_off_never_lists_a_command_twice(bot_env: BotEnv) -> None:
    guild_id = bot_env.discord.world.guild.id  # type: ignore[union-attr]
    assert "imagine" in _names(bot_env, None)
    assert max(_listed_in(bot_env, guild_id).values()) == 1

    await bot_env.restart(dev_guild_id=guild_id)
    assert "imagine" in _names(bot_env, guild_id)
    assert _names(bot_env, None) == []  # the global copies would show twice in the dev guild
    assert max(_listed_in(bot_env, guild_id).values()) == 1

    await bot_env.restart(dev_guild_id=None)
    assert "imagine" in _names(bot_env, None)
    assert _names(bot_env, guild_id) == []  # stale dev-guild copies removed
    assert max(_listed_in(bot_env, guild_id).values()) == 1


async def test_a_new_application_with_the_same_database_syncs(bot_env: BotEnv) -> None:
    api = bot_env.discord.api  # type: ignore[union-attr]
    world = bot_env.discord.world  # type: ignore[union-attr]
    old_digest = await bot_env.bot.store.get_meta(SYNC_HASH_KEY)
    world.application_id = world.snowflakes()  # a new application token, same database
    await bot_env.restart()
    puts = [r for r in api.requests if r.route == "put_commands"]
    assert f"/applications/{world.application_id}/commands" in puts[-1].path
    assert await bot_env.bot.store.get_meta(SYNC_HASH_KEY) != old_digest


async def _sync(fake: FakeDiscord, tmp_path: Path, *args: str, **extra: str) -> tuple[int, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": "sync.cli.bot-token-XYZ987654321",
        "AI_GATEWAY_API_KEY": "sk-sync-cli-0123456789",
        "AI_GATEWAY_BASE_URL": "http://127.0.0.1:9/v1",  # never called by sync
        "DISCORD_API_BASE_URL": fake.api_base,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'sync.sqlite3'}",
        **extra,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sync", *args, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_sync_clear_guild_removes_one_servers_copies(discord_fake: FakeDiscord, tmp_path: Path) -> None:
    guild_id = discord_fake.world.guild.id
    code, err = await _sync(discord_fake, tmp_path, DEV_GUILD_ID=str(guild_id))
    assert code == 0, err
    assert "imagine" in [c["name"] for c in discord_fake.api.commands[guild_id]]

    code, err = await _sync(discord_fake, tmp_path, "--clear-guild", str(guild_id))
    assert code == 0, err
    assert discord_fake.api.commands[guild_id] == []
    cleared = [r for r in discord_fake.api.requests if r.route == "put_guild_commands"][-1]
    assert cleared.json == []

    code, err = await _sync(discord_fake, tmp_path, "--clear-guild", "123456789012345678")
    assert code == 2
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith("error: cannot clear the commands of guild 123456789012345678")
    )
    assert "Traceback" not in err


async def test_the_bot_identifies_with_the_guilds_intent_only(bot_env: BotEnv) -> None:
    """No message events (privileged or not), no members or presences: interactions need none."""
    session = bot_env.discord.gateway.session(0)  # type: ignore[union-attr]
    assert session.identify["intents"] == 1  # GUILDS = 1 << 0
    assert bot_env.bot.command_prefix == ()


async def test_the_synced_config_speaks_every_shipped_language(bot_env: BotEnv) -> None:
    """Discord (the fake checks the body against its spec and name rules) stores /config translated."""
    stored = {c["name"]: c for c in bot_env.discord.api.commands[None]}  # type: ignore[union-attr]
    config = stored["config"]
    lock = next(o for o in config["options"] if o["name"] == "lock")
    channel = next(o for o in config["options"] if o["name"] == "channel")
    assert lock["name_localizations"]["de"] == "sperren"
    assert lock["description_localizations"]["fr"].startswith("Verrouille une option")
    option = next(o for o in lock["options"] if o["name"] == "option")
    aspect = next(c for c in option["choices"] if c["value"] == "aspect_ratio")
    assert aspect["name_localizations"]["pt-BR"] == "proporção"
    assert aspect["name_localizations"]["es-419"] == aspect["name_localizations"]["es-ES"] == "proporción"
    channel_set = next(o for o in channel["options"] if o["name"] == "set")
    names = [o["name_localizations"]["de"] for o in channel_set["options"]]
    assert names == ["kanal", "bildmodell", "chatmodell", "anzahl", "seitenverhältnis", "privat"]
