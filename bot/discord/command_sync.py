"""Slash-command sync that never leaves a command listed twice.

Discord keeps an application's commands in two places: global (every server, slow to update)
and per guild (one server, instant). A server shows the union, so a command that is both global
and in that guild's list appears twice. The rules here:

- The bot syncs to exactly one scope: global, or `DEV_GUILD_ID` when it is set.
- The hash that decides whether a sync is needed covers the application id, the scope and the
  commands, so a new application (token) or a changed `DEV_GUILD_ID` always syncs.
- The scope of the last sync is kept in the database (with the application id). Switching
  scope removes the stale copies of the same application: going back to global clears the old
  dev guild's list; moving to a dev guild clears the global list (otherwise the dev guild
  shows every command twice) and going from one dev guild to another clears the first.
  `DEV_GUILD_ID` is therefore meant for a test application, not the production one.
- `python -m bot sync --clear-guild ID` clears one server's list by hand (e.g. copies left by
  an older version, or by a database that was reset).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

import discord

from bot.discord.translator import fingerprint as translation_fingerprint

if TYPE_CHECKING:
    from bot.discord.app import ImageBot

log = logging.getLogger(__name__)

SYNC_HASH_KEY = "command_tree_hash"
SYNC_SCOPE_KEY = "command_sync_scope"
"""Meta key: JSON ``{"application_id": int, "guild_id": int | null}`` of the last sync."""


def command_tree_hash(bot: ImageBot) -> str:
    """Hash of the application id, the sync scope and the serialised command tree."""
    payload = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
    payload.sort(key=lambda c: c["name"])
    target = f"guild:{bot.settings.dev_guild_id}" if bot.settings.dev_guild_id else "global"
    # `to_dict` leaves out the localisations the translator adds at sync: their digest stands in.
    translations = translation_fingerprint() if bot.tree.translator is not None else None
    blob = json.dumps(
        {
            "application_id": bot.application_id,
            "target": target,
            "commands": payload,
            "translations": translations,
        },
        sort_keys=True,
    ).encode()
    return hashlib.sha256(blob).hexdigest()


async def _last_scope(bot: ImageBot) -> tuple[int | None, int | None] | None:
    raw = await bot.store.get_meta(SYNC_SCOPE_KEY)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return data.get("application_id"), data.get("guild_id")
    except (ValueError, AttributeError):
        return None


async def clear_guild(bot: ImageBot, guild_id: int) -> None:
    """Remove every command this application registered in one guild."""
    assert bot.application_id is not None
    await bot.http.bulk_upsert_guild_commands(bot.application_id, guild_id, [])
    log.info("cleared the commands of application %s in guild %s", bot.application_id, guild_id)
    last = await _last_scope(bot)
    if last == (bot.application_id, guild_id):
        # The next start must sync again if this guild is still the target.
        await bot.store.set_meta(SYNC_HASH_KEY, "")


async def _clear_global(bot: ImageBot) -> None:
    assert bot.application_id is not None
    existing = await bot.http.get_global_commands(bot.application_id)
    if existing:
        await bot.http.bulk_upsert_global_commands(bot.application_id, [])
        log.warning(
            "removed %d global command(s) of application %s so that dev guild %s lists each command "
            "once; unset DEV_GUILD_ID to bring them back",
            len(existing),
            bot.application_id,
            bot.settings.dev_guild_id,
        )


async def sync_if_changed(bot: ImageBot, *, force: bool = False) -> bool:
    """Sync commands to the configured scope when the tree, scope or application changed.

    Returns:
        Whether a sync was sent to Discord.
    """
    digest = command_tree_hash(bot)
    if not force and await bot.store.get_meta(SYNC_HASH_KEY) == digest:
        log.info("command tree unchanged; not syncing")
        return False
    guild_id = bot.settings.dev_guild_id
    last = await _last_scope(bot)
    if guild_id:
        guild = discord.Object(guild_id)
        bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
        log.info("synced %d commands to dev guild %s", len(synced), guild_id)
        # Global copies would make the dev guild list everything twice.
        await _clear_global(bot)
    else:
        synced = await bot.tree.sync()
        log.info("synced %d global commands", len(synced))
    if last is not None and last[0] == bot.application_id and last[1] and last[1] != guild_id:
        await clear_guild(bot, last[1])
    await bot.store.set_meta(
        SYNC_SCOPE_KEY, json.dumps({"application_id": bot.application_id, "guild_id": guild_id})
    )
    await bot.store.set_meta(SYNC_HASH_KEY, digest)
    return True
