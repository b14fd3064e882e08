"""The bot's shape: the extension list matches `cogs/`, and the command tree fits Discord's schema.

Discord refuses a whole sync for one bad command (names 1-32 lowercase, descriptions 1-100,
≤ 25 options and choices, unique names), so these checks run on the real tree via `to_dict`.
"""

from __future__ import annotations

import pkgutil
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

import cogs
from bot.discord.app import EXTENSIONS, ImageBot
from bot.discord.runner import build_bot
from bot.settings import Settings
from bot.storage import Store

NAME = re.compile(r"^[-_'\w]{1,32}$")


def test_extensions_are_exactly_the_modules_under_cogs() -> None:
    found = {f"cogs.{module.name}" for module in pkgutil.iter_modules(cogs.__path__)}
    assert len(EXTENSIONS) == len(set(EXTENSIONS)), "an extension is listed twice"
    assert set(EXTENSIONS) == found


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ImageBot]:
    """An `ImageBot` with every cog loaded; it never connects (no network)."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token="t",
        ai_gateway_api_key="k",
        ai_gateway_base_url="http://127.0.0.1:9/v1",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
    )
    async with aiohttp.ClientSession() as session:
        store = await Store.open(settings.database_url)
        bot = await build_bot(settings, session, store, sync=False)
        try:
            for extension in EXTENSIONS:
                await bot.load_extension(extension)
            yield bot
        finally:
            for extension in list(bot.extensions):
                await bot.unload_extension(extension)
            await bot.generation.limits.close()
            await store.close()


def walk(node: dict[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    """Every command, sub-command group, sub-command and option under `node`, with its path."""
    found = [(path, node)]
    for option in node.get("options") or []:
        found += walk(option, f"{path} {option['name']}")
    return found


async def test_command_tree_fits_discords_schema(bot: ImageBot) -> None:
    commands = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
    names = [c["name"] for c in commands]
    assert {"imagine", "chatimage", "describe", "blend", "config", "job", "usage", "forgetme"} <= set(names)
    assert len(names) == len(set(names)), "two cogs register the same top-level name"
    menus = [c for c in commands if c.get("type", 1) != 1]
    # Message actions
    assert sorted((m["name"], m["type"]) for m in menus) == [("Describe image", 3), ("Edit image", 3)]
    for menu in menus:
        assert 1 <= len(menu["name"]) <= 32
    for command in (c for c in commands if c.get("type", 1) == 1):
        for path, node in walk(command, command["name"]):
            is_chat_input = node.get("type", 1) in (1, 2) or "description" in node
            name = node["name"]
            assert NAME.match(name), f"bad name {path!r}"
            assert name == name.lower(), f"upper case in {path!r}"
            if is_chat_input:
                assert 1 <= len(node["description"]) <= 100, f"description of {path!r}"
            options = node.get("options") or []
            assert len(options) <= 25, f"{path!r} has {len(options)} options"
            sibling_names = [o["name"] for o in options]
            assert len(sibling_names) == len(set(sibling_names)), f"duplicate option under {path!r}"
            assert len(node.get("choices") or []) <= 25, f"{path!r} has too many choices"
            for choice in node.get("choices") or []:
                assert 1 <= len(choice["name"]) <= 100
            # Required options come before optional ones (Discord refuses the opposite).
            required = [bool(o.get("required")) for o in options if o["type"] > 2]
            assert required == sorted(required, reverse=True), f"required after optional in {path!r}"


async def test_each_cog_owns_distinct_commands(bot: ImageBot) -> None:
    owners: dict[str, str] = {}
    for cog_name, cog in bot.cogs.items():
        for command in cog.get_app_commands():
            assert command.name not in owners, (
                f"{command.name} is in {owners.get(command.name)} and {cog_name}"
            )
            owners[command.name] = cog_name
    tree_names = {c.name for c in bot.tree.get_commands(type=discord.AppCommandType.chat_input)}
    assert tree_names == set(owners), "every slash command comes from a cog"


async def test_config_is_guild_only_and_needs_manage_server(bot: ImageBot) -> None:
    config = bot.tree.get_command("config")
    assert isinstance(config, app_commands.Group)
    data = config.to_dict(bot.tree)
    assert int(data["default_member_permissions"]) == 1 << 5  # Manage Server
    assert data["dm_permission"] is False or data.get("contexts") == [0]
    imagine = bot.tree.get_command("imagine")
    assert imagine is not None
    count = next(o for o in imagine.to_dict(bot.tree)["options"] if o["name"] == "count")
    assert (count["min_value"], count["max_value"]) == (1, 10)
