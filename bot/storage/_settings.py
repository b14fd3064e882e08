"""Per-guild and per-channel settings: cached reads and compare-and-set writes (part of `Store`).

Writes are optimistic compare-and-set: read the row and its `version`, validate the result
through the pydantic model, then ONE `INSERT … ON CONFLICT DO UPDATE … WHERE version =
:read_version` (both dialects) plus the audit rows, in one transaction. If another process wrote
in between, the upsert matches no row and the step is retried on fresh data, so concurrent list
edits from several processes all land, and no lock is held while Python code runs. (A
`SELECT … FOR UPDATE` cannot lock a row that does not exist yet, which is exactly the case of two
first writes to a new guild.) Rows are never deleted (a reset stores `{}`), so versions only grow
and a compare-and-set cannot be fooled by a deleted and recreated row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.policy.schemas import ChannelSettings, GuildSettings
from bot.storage.cache import LRUCache
from bot.storage.invalidation import InvalidationBus, channel_key, guild_key
from bot.storage.tables import audit_log, channel_settings, guild_settings

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

MAX_UPDATE_ATTEMPTS = 32


class ConcurrentUpdateError(RuntimeError):
    """A settings row kept changing under us for `MAX_UPDATE_ATTEMPTS` attempts."""


class _Conflict(Exception):
    """The compare-and-set upsert matched no row: someone else wrote first."""


def _lenient(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate stored overrides, dropping fields that no longer validate (schema tightened)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        log.warning("stored %s no longer validates, dropping bad fields: %s", model.__name__, exc)
    kept: dict[str, Any] = {}
    for name, value in data.items():
        try:
            model.model_validate({**kept, name: value})
        except ValidationError:
            continue
        kept[name] = value
    return model.model_validate(kept)


@dataclass(frozen=True, slots=True)
class _Target:
    """One settings row: where it lives, how it is cached and announced."""

    table: Table
    pk: dict[str, int]
    model: type[BaseModel]
    cache: LRUCache[Any, Any]
    cache_key: Hashable
    bus_key: str
    guild_id: int
    channel_id: int | None
    scope: str  # "guild" or "channel", the audit action prefix

    def where(self) -> list[ColumnElement[bool]]:
        return [self.table.c[name] == value for name, value in self.pk.items()]


class SettingsMixin:
    """Settings half of `Store`; `Store.__init__` sets the attributes declared here."""

    _engine: AsyncEngine
    _writer: AsyncEngine
    _insert: Any  # the dialect's `insert` (it has `on_conflict_do_update`)
    _bus: InvalidationBus | None
    _clock: Callable[[], datetime]
    _guilds: LRUCache[int, GuildSettings]
    _channels: LRUCache[tuple[int, int], ChannelSettings]

    def get_cached_guild_settings(self, guild_id: int) -> GuildSettings | None:
        """The cached settings of a guild, or None (no I/O). Treat the result as immutable."""
        return self._guilds.get(guild_id)

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """A guild's settings; unknown guilds get defaults (not stored). Treat as immutable.

        Args:
            guild_id: The guild.

        Returns:
            The cached or freshly loaded settings.
        """
        cached = self._guilds.get(guild_id)
        if cached is not None:
            return cached
        loaded: GuildSettings = await self._read_through(self._guild_target(guild_id))
        return loaded

    async def update_guild_settings(
        self,
        guild_id: int,
        actor_id: int,
        mutate: Callable[[GuildSettings], GuildSettings] | None = None,
        /,
        **changes: Any,
    ) -> tuple[GuildSettings, GuildSettings]:
        """Change a guild's settings atomically and audit each changed field.

        Args:
            guild_id: The guild.
            actor_id: The moderator making the change.
            mutate: Optional pure function from current to new settings (for list edits); it
                receives a private copy and may be called again if another writer raced us.
            **changes: Field values applied after `mutate`.

        Returns:
            `(old, new)`; equal when nothing changed (then nothing is written).

        Raises:
            pydantic.ValidationError: The result is invalid; nothing is written.
            ConcurrentUpdateError: Lost the race too many times.
        """
        return await self._update(self._guild_target(guild_id), actor_id, mutate, changes, "update")

    async def reset_guild_settings(self, guild_id: int, actor_id: int) -> tuple[GuildSettings, GuildSettings]:
        """Restore every default for a guild (audited per field).

        Args:
            guild_id: The guild.
            actor_id: The moderator.

        Returns:
            `(old, new)` where `new` is `GuildSettings()`.
        """
        return await self._update(
            self._guild_target(guild_id), actor_id, lambda _: GuildSettings(), {}, "reset"
        )

    def get_cached_channel_settings(self, guild_id: int, channel_id: int) -> ChannelSettings | None:
        """The cached overrides of a channel, or None (no I/O)."""
        return self._channels.get((guild_id, channel_id))

    async def get_channel_settings(self, guild_id: int, channel_id: int) -> ChannelSettings:
        """A channel's overrides (empty `ChannelSettings()` when none). Treat as immutable.

        Args:
            guild_id: The guild.
            channel_id: The channel.

        Returns:
            The cached or freshly loaded overrides.
        """
        cached = self._channels.get((guild_id, channel_id))
        if cached is not None:
            return cached
        loaded: ChannelSettings = await self._read_through(self._channel_target(guild_id, channel_id))
        return loaded

    async def update_channel_settings(
        self,
        guild_id: int,
        channel_id: int,
        actor_id: int,
        mutate: Callable[[ChannelSettings], ChannelSettings] | None = None,
        /,
        **changes: Any,
    ) -> tuple[ChannelSettings, ChannelSettings]:
        """Change a channel's overrides; same contract as `update_guild_settings`.

        Args:
            guild_id: The guild.
            channel_id: The channel.
            actor_id: The moderator.
            mutate: Optional pure function from current to new overrides.
            **changes: Field values applied after `mutate`.

        Returns:
            `(old, new)`.
        """
        target = self._channel_target(guild_id, channel_id)
        return await self._update(target, actor_id, mutate, changes, "update")

    async def reset_channel_settings(
        self, guild_id: int, channel_id: int, actor_id: int
    ) -> tuple[ChannelSettings, ChannelSettings]:
        """Remove every override of a channel (audited per field).

        Args:
            guild_id: The guild.
            channel_id: The channel.
            actor_id: The moderator.

        Returns:
            `(old, new)` where `new` is `ChannelSettings()`.
        """
        target = self._channel_target(guild_id, channel_id)
        return await self._update(target, actor_id, lambda _: ChannelSettings(), {}, "reset")

    async def list_channel_settings(self, guild_id: int) -> dict[int, ChannelSettings]:
        """Channels of a guild that have overrides.

        Args:
            guild_id: The guild.

        Returns:
            Channel id -> overrides, for channels with at least one override.
        """
        query = select(channel_settings.c.channel_id, channel_settings.c.data).where(
            channel_settings.c.guild_id == guild_id
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(channel_settings.c.channel_id))).all()
        return {row.channel_id: _lenient(ChannelSettings, row.data) for row in rows if row.data}

    async def prime_guilds(self, guilds: Mapping[int, Iterable[int]]) -> None:
        """Warm the cache for many guilds and their channels with two queries in all.

        For the burst of GUILD_CREATEs at start-up (batched by `bot.priming.GuildPrimer`): guilds
        without stored settings get defaults, channels without overrides empty
        `ChannelSettings()`. Keep a batch to a few hundred guilds (one `IN` list each).

        Args:
            guilds: Guild id -> its channel ids.
        """
        if not guilds:
            return
        ids = list(guilds)
        guild_epoch, channel_epoch = self._guilds.epoch, self._channels.epoch
        guild_query = select(guild_settings.c.guild_id, guild_settings.c.data).where(
            guild_settings.c.guild_id.in_(ids)
        )
        channel_query = select(
            channel_settings.c.guild_id, channel_settings.c.channel_id, channel_settings.c.data
        ).where(channel_settings.c.guild_id.in_(ids))
        async with self._engine.connect() as conn:
            guild_rows = (await conn.execute(guild_query)).all()
            channel_rows = (await conn.execute(channel_query)).all()
        stored = {row.guild_id: _lenient(GuildSettings, row.data) for row in guild_rows}
        overrides = {
            (row.guild_id, row.channel_id): _lenient(ChannelSettings, row.data)
            for row in channel_rows
            if row.data
        }
        empty_guild, empty_channel = GuildSettings(), ChannelSettings()
        for guild_id, channel_ids in guilds.items():
            self._guilds.put(guild_id, stored.get(guild_id, empty_guild), epoch=guild_epoch)
            for channel_id in channel_ids:
                key = (guild_id, channel_id)
                self._channels.put(key, overrides.get(key, empty_channel), epoch=channel_epoch)

    def _guild_target(self, guild_id: int) -> _Target:
        return _Target(
            table=guild_settings,
            pk={"guild_id": guild_id},
            model=GuildSettings,
            cache=self._guilds,
            cache_key=guild_id,
            bus_key=guild_key(guild_id),
            guild_id=guild_id,
            channel_id=None,
            scope="guild",
        )

    def _channel_target(self, guild_id: int, channel_id: int) -> _Target:
        return _Target(
            table=channel_settings,
            pk={"guild_id": guild_id, "channel_id": channel_id},
            model=ChannelSettings,
            cache=self._channels,
            cache_key=(guild_id, channel_id),
            bus_key=channel_key(guild_id, channel_id),
            guild_id=guild_id,
            channel_id=channel_id,
            scope="channel",
        )

    async def _load(self, target: _Target) -> tuple[Any, int]:
        query = select(target.table.c.data, target.table.c.version).where(*target.where())
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return target.model(), 0
        return _lenient(target.model, row.data), row.version

    async def _read_through(self, target: _Target) -> Any:
        epoch = target.cache.epoch
        value, _version = await self._load(target)
        target.cache.put(target.cache_key, value, epoch=epoch)
        return value

    async def _update(
        self,
        target: _Target,
        actor_id: int,
        mutate: Callable[[Any], Any] | None,
        changes: Mapping[str, Any],
        action: str,
    ) -> tuple[Any, Any]:
        for _attempt in range(MAX_UPDATE_ATTEMPTS):
            old, version = await self._load(target)
            candidate = mutate(old.model_copy(deep=True)) if mutate is not None else old
            # Re-validate the whole object: `mutate` may bypass cross-field checks.
            new = target.model.model_validate({**candidate.model_dump(exclude_defaults=True), **changes})
            if new == old:
                return old, old
            try:
                await self._write_settings(target, actor_id, f"{target.scope}.{action}", old, new, version)
            except _Conflict:
                continue
            target.cache.invalidate(target.cache_key)
            if self._bus is not None:
                await self._bus.publish(target.bus_key)
            return old, new
        raise ConcurrentUpdateError(f"{target.bus_key} changed {MAX_UPDATE_ATTEMPTS} times during an update")

    async def _write_settings(
        self, target: _Target, actor_id: int, action: str, old: BaseModel, new: BaseModel, version: int
    ) -> None:
        now = self._clock()
        table = target.table
        stmt = self._insert(table).values(
            **target.pk, data=new.model_dump(mode="json", exclude_defaults=True), version=1, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=list(target.pk),
            set_={"data": stmt.excluded.data, "version": table.c.version + 1, "updated_at": now},
            where=table.c.version == version,
        ).returning(table.c.version)
        before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
        audit_rows = [
            {
                "guild_id": target.guild_id,
                "channel_id": target.channel_id,
                "actor_id": actor_id,
                "action": action,
                "field": name,
                "old": before[name],
                "new": after[name],
                "created_at": now,
            }
            for name in type(new).model_fields
            if before[name] != after[name]
        ]
        async with self._writer.begin() as conn:
            if (await conn.execute(stmt)).first() is None:
                raise _Conflict
            await conn.execute(audit_log.insert(), audit_rows)

    def _on_remote_key(self, key: str) -> None:
        kind, _, rest = key.partition(":")
        try:
            if kind == "guild":
                self._guilds.invalidate(int(rest))
            elif kind == "channel":
                guild_id, _, channel_id = rest.partition(":")
                self._channels.invalidate((int(guild_id), int(channel_id)))
            else:
                log.warning("ignoring unknown invalidation key %r", key)
        except ValueError:
            log.warning("ignoring malformed invalidation key %r", key)

    def _on_remote_reset(self) -> None:
        self._guilds.clear()
        self._channels.clear()
